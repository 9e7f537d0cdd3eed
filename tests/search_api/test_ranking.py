"""The learned ranking of the first articles: its signals, and the order it gives."""

import numpy as np
import pytest
from haystack import Document

from search_api.grouping import ArticleHit
from search_api.ranking import DEPTH, SIGNALS, LearnedRanking, QuestionContext, features, rerank


def hit(article_id: str, score: float, chunks: list[Document] = (), department: str = "afval") -> ArticleHit:
    return ArticleHit(article_id=article_id, title=article_id, department_id=department, upl=[], score=score,
                      best_section=None, chunks=list(chunks))


def chunk(chunk_id: str, kind: str) -> Document:
    return Document(id=chunk_id, content=chunk_id, meta={"kind": kind})


def context(**changes) -> QuestionContext:
    fields = dict(
        dense_scores={"a-q": 0.90, "b-s": 0.88}, sparse_scores={"b-s": 12.0, "a-q": 6.0},
        article_cosines={"a": 0.80, "b": 0.85}, classifier={"afval": 0.7, "wonen": 0.3},
        keywords={"b": 1.0}, long_question=False, other_language=False,
    )
    return QuestionContext(**{**fields, **changes})


HITS = [hit("a", 1.3, [chunk("a-q", "question")]), hit("b", 1.1, [chunk("b-s", "section")], department="wonen")]


def column(name: str) -> int:
    return SIGNALS.index(name)


def test_the_signals_of_each_candidate():
    rows = features(HITS, context())
    assert rows.shape == (2, 3 * len(SIGNALS))
    a, b = rows
    assert a[column("rank")] == 1 and b[column("rank")] == 2
    assert a[column("question_cosine")] == 0.0 and b[column("question_cosine")] < -0.05  # b has no question chunk found
    assert b[column("section_cosine")] == pytest.approx(-0.02)  # 0.02 below the best chunk
    assert b[column("best_bm25")] == 1.0 and a[column("best_bm25")] == 0.5
    assert a[column("article_cosine")] < 0 == b[column("article_cosine")]
    assert a[column("classifier")] == 0.7 and b[column("classifier")] == 0.3
    assert a[column("keyword")] == 0.0 and b[column("keyword")] == 1.0
    assert not rows[:, len(SIGNALS):].any()  # a short Dutch question: no long-question or other-language weights


def test_long_questions_and_other_languages_have_their_own_weights():
    n = len(SIGNALS)
    long_rows = features(HITS, context(long_question=True))
    assert np.array_equal(long_rows[:, n:2 * n], long_rows[:, :n]) and not long_rows[:, 2 * n:].any()
    foreign = features(HITS, context(other_language=True))
    assert np.array_equal(foreign[:, 2 * n:], foreign[:, :n]) and not foreign[:, n:2 * n].any()


def test_the_ranking_orders_the_first_articles_and_they_keep_the_spread_of_scores():
    hits = [hit(f"a{i}", 2.0 - 0.1 * i) for i in range(DEPTH + 2)]
    rows = features(hits, context(dense_scores={}, sparse_scores={}, article_cosines={}, keywords={"a3": 1.0}))
    prefers_the_keyword = LearnedRanking(coef=[5.0 if i == column("keyword") else 0.0 for i in range(3 * len(SIGNALS))],
                                         intercept=-2.0)
    ranked = rerank(hits, prefers_the_keyword.probabilities(rows))
    assert ranked[0].article_id == "a3"
    assert [h.score for h in ranked] == [h.score for h in hits]  # the best score goes to the first article
    assert [h.article_id for h in ranked[DEPTH:]] == ["a10", "a11"]  # beyond the depth nothing moves
    assert sorted(h.article_id for h in ranked) == sorted(h.article_id for h in hits)
