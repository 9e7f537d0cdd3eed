from indexer.chunking import KIND_QUESTION, KIND_SECTION, KIND_SUMMARY, article_documents, article_fingerprint
from kb.articles import Article, Section, parse_article
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


class UncheckedArticle(Article):
    """An article whose model does not separate staff notes: every section counts as public."""

    @property
    def public_sections(self) -> list[Section]:
        return self.sections


def test_the_chunker_drops_staff_notes_of_an_article_that_was_never_checked(tmp_path):
    article = parse_article(write(tmp_path, VALID)).article
    secret = "KANARIE-7f3a"
    kosten = Section(heading="Kosten", markdown="€ 10,00.", line=1)
    # As if the model had not dropped them: a public section that still holds staff notes.
    kosten.markdown = f"€ 10,00.\n\n### Voor medewerkers\n\n{secret}\n\n#### Spoed\n\n{secret}\n\n### Betalen\n\nMet pin."
    voorwaarden = Section(heading="Voorwaarden", markdown="Geen.", line=2)
    voorwaarden.markdown = f"Geen.\n\n**Intern:** {secret}"
    sections = [
        kosten,
        voorwaarden,
        Section(heading="voor medewerkers:", markdown=secret, line=3),
        Section(heading="Interne notitie", markdown=secret, line=4),
        Section(heading="Voor medewerkers", markdown=secret, line=5),
    ]
    unchecked = UncheckedArticle(meta=article.meta, sections=sections, path=article.path, content_hash="x")
    documents = article_documents(unchecked, "abc")
    assert all(secret not in d.content for d in documents)
    assert [d.content for d in documents if d.meta["kind"] == KIND_SECTION] == [
        "Voorbeeld aanvragen. Kosten\n€ 10,00.\nBetalen\nMet pin.",
        "Voorbeeld aanvragen. Voorwaarden\nGeen.",
    ]
