"""The evaluation set must measure generalisation over the whole knowledge base."""

import re
from collections import Counter
from difflib import SequenceMatcher

import pytest

from indexer.validate import validate_knowledge_base
from kb.questions import load_questions
from kb.settings import PROJECT_DIR, Settings


@pytest.fixture(scope="module")
def articles():
    return {article.id: article for article in validate_knowledge_base(Settings()).articles}


def _norm(text: str) -> str:
    return re.sub(r"\W+", " ", text.lower()).strip()


def test_size_kinds_and_labels(articles):
    questions = load_questions()
    assert len(questions) >= 500
    kinds = Counter(q.kind for q in questions)
    assert kinds["off_topic"] >= 30
    assert set(kinds) == {"formal", "colloquial", "typo", "keyword", "short", "long_story", "english", "other_language", "outside_body", "off_topic"}
    assert len({_norm(q.q) for q in questions}) == len(questions), "duplicate questions"
    for question in questions:
        for article_id in question.expected:
            assert article_id in articles, f"{question.q!r}: unknown article {article_id}"
        if question.expected:
            assert articles[question.expected[0]].meta.department == question.department, question.q
        else:
            assert question.department is None and question.kind == "off_topic"


def test_the_blind_sets_are_told_apart():
    """Each set written blind is marked, so that every report shows it apart from the questions
    earlier choices were measured on."""
    sources = Counter(q.source for q in load_questions())
    assert sources["development"] >= 500 and sources["blind-1"] >= 250 and sources["blind-2"] >= 350
    assert sources["blind-3"] >= 250


def test_every_article_has_two_questions(articles):
    counts = Counter(article_id for q in load_questions() for article_id in q.expected)
    assert [article_id for article_id in articles if counts[article_id] < 2] == []


def test_no_question_is_copied_from_its_article(articles):
    copies = []
    for question in load_questions():
        for article_id in question.expected:
            meta = articles[article_id].meta
            for own in [*meta.questions, *meta.english_questions]:
                if SequenceMatcher(None, _norm(question.q), _norm(own)).ratio() > 0.8:
                    copies.append((question.q, own))
    assert copies == []


def test_appending_a_question_leaves_every_existing_line_alone(tmp_path):
    from kb.questions import DuplicateQuestion, LabelledQuestion, QuestionSetError, append_question

    path = tmp_path / "questions.yaml"
    original = (PROJECT_DIR / "eval" / "questions.yaml").read_text(encoding="utf-8")
    path.write_text(original, encoding="utf-8")
    articles = {"paspoort-aanvragen": "burgerzaken"}
    question = LabelledQuestion(q='mag ik een "nood"paspoort: ja/nee?', expected=["paspoort-aanvragen"], department=None, kind="colloquial")
    added = append_question(question, articles=articles, path=path)
    assert added.department == "burgerzaken"
    text = path.read_text(encoding="utf-8")
    assert text.startswith(original)
    assert load_questions(path)[-1] == added
    with pytest.raises(DuplicateQuestion):
        append_question(question, articles=articles, path=path)
    with pytest.raises(QuestionSetError, match="Onbekend artikel"):
        append_question(question.model_copy(update={"q": "x", "expected": ["nope"]}), articles=articles, path=path)
