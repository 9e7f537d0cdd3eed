"""Article vectors: the articles retrieval found are ranked a second time by their mean vector."""

import numpy as np
from haystack import Document

from search_api.article_vectors import ArticleVectors
from search_api.grouping import ArticleHit


def chunk(article_id: str, vector) -> Document:
    return Document(content=article_id, embedding=list(vector), meta={"article_id": article_id})


def hit(article_id: str, score: float) -> ArticleHit:
    return ArticleHit(article_id=article_id, title=article_id, department_id="d", upl=[], score=score, best_section=None)


# "bomen" has one chunk right on the question's topic and one far off; "straat" has two chunks
# that each match a part of the question. By its mean, "straat" is the closer article.
DOCUMENTS = [
    chunk("bomen", [1.0, 0.0, 0.0]),
    chunk("bomen", [0.0, 0.0, 1.0]),
    chunk("straat", [0.8, 0.6, 0.0]),
    chunk("straat", [0.6, 0.8, 0.0]),
]
QUESTION = [0.7, 0.7, 0.1]


def test_the_mean_vector_can_lift_an_article_that_matches_as_a_whole():
    vectors = ArticleVectors(DOCUMENTS)
    hits = [hit("bomen", 1.0), hit("straat", 0.9)]
    reranked = vectors.rerank(hits, QUESTION, weight=1.5)
    assert [h.article_id for h in reranked] == ["straat", "bomen"]
    assert reranked[0].score > reranked[1].score


def test_a_small_weight_only_breaks_near_ties_and_zero_changes_nothing():
    vectors = ArticleVectors(DOCUMENTS)
    hits = [hit("bomen", 1.0), hit("straat", 0.9)]
    assert [h.article_id for h in vectors.rerank(hits, QUESTION, weight=0.35)] == ["bomen", "straat"]
    assert vectors.rerank(hits, QUESTION, weight=0.0) == hits


def test_without_a_query_vector_or_vectors_the_hits_stay_as_they_are():
    hits = [hit("bomen", 1.0), hit("onbekend", 0.5)]
    assert ArticleVectors(DOCUMENTS).rerank(hits, None) == hits
    assert ArticleVectors([]).rerank(hits, QUESTION) == hits


def test_an_article_without_vectors_keeps_its_chunk_rank():
    vectors = ArticleVectors(DOCUMENTS)
    reranked = vectors.rerank([hit("onbekend", 2.0), hit("straat", 1.0), hit("bomen", 0.5)], QUESTION)
    assert {h.article_id for h in reranked} == {"onbekend", "straat", "bomen"}
    assert reranked[0].article_id == "straat"  # first by mean vector and second by chunks
    assert np.isclose(max(h.score for h in reranked), 11 / 12 + 0.35)
