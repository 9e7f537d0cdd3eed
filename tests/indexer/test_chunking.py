from indexer.chunking import KIND_QUESTION, KIND_SECTION, KIND_SUMMARY, article_documents, article_fingerprint
from kb.articles import parse_article
from tests.conftest import SHIPPED_CONTENT
from tests.kb.test_articles import VALID, write


def test_documents_cover_sections_and_questions_but_never_staff_notes(tmp_path):
    article = parse_article(write(tmp_path, VALID)).article
    documents = article_documents(article, "abc")
    kinds = [d.meta["kind"] for d in documents]
    assert kinds.count(KIND_SECTION) == 6
    assert kinds.count(KIND_QUESTION) == 3
    assert kinds.count(KIND_SUMMARY) == 1
    assert all("Geheime tip" not in d.content for d in documents)
    assert all(d.meta["section"] != "Voor medewerkers" for d in documents)
    assert len({d.id for d in documents}) == len(documents)


def test_no_shipped_staff_note_is_indexed():
    for path in SHIPPED_CONTENT.glob("*.md"):
        article = parse_article(path).article
        staff = article.staff_section.text
        for document in article_documents(article, "x"):
            assert staff not in document.content


def test_fingerprint_changes_with_content_and_model(tmp_path):
    article = parse_article(write(tmp_path, VALID)).article
    base = article_fingerprint(article, "model-a", "passage: ")
    assert base == article_fingerprint(article, "model-a", "passage: ")
    assert base != article_fingerprint(article, "model-b", "passage: ")
    changed = parse_article(write(tmp_path, VALID.replace("Een week.", "Twee weken."))).article
    assert base != article_fingerprint(changed, "model-a", "passage: ")
