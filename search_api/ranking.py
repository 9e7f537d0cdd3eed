"""A learned ranking of the first articles retrieval found.

The fused chunk ranking and the article vectors (`search_api.article_vectors`) each say one thing
about an article; which of them to trust depends on the question. For a long story the article as
a whole matters more than one chunk; for a question in another language BM25 says nothing. A
logistic regression per candidate article weighs the signals below, with separate weights for
long questions and for questions in other languages, and ranks the first `DEPTH` articles by the
probability that each is the right one.

It is fitted on the labelled dev questions (`eval.run.fit_ranking`, saved with the router in
`eval/calibration.json`). The evaluation fits it out of fold, so that no question is ranked by a
model that saw it, and the router is fitted on those rankings. Measured (session 10, 5 x 5-fold on
the 628 dev questions we cover): hit@1 0.826 -> 0.836 (standard error of the gain 0.003), the
first article's department 0.898 -> 0.906. The same model trained on the articles' own example
questions was worse than no model (dev hit@1 0.79-0.81): it has to learn from questions like the
ones people ask.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
from haystack import Document
from pydantic import BaseModel

from indexer.chunking import KIND_QUESTION, KIND_SECTION, KIND_SUMMARY
from search_api.fusion import RANK_CONSTANT
from search_api.grouping import ArticleHit

DEPTH = 10  # articles re-ranked (the department vote looks at as many)
LONG_QUESTION = 12  # content words from which a question counts as long (a story)
MISSING_COSINE = -0.1  # an article with no chunk in the dense list: this far below the best
SIGNALS = (
    "rank",  # in the fused order (chunks, then article vectors)
    "inverse_rank",
    "score",  # fused score relative to the first article's
    "article_cosine",  # cosine to the article's mean vector, relative to the best candidate's
    "question_cosine",  # best dense cosine of its example-question chunks, relative to the best chunk's
    "section_cosine",
    "summary_cosine",
    "best_cosine",
    "best_bm25",  # its best BM25 score relative to the best chunk's
    "dense_rank",  # 1 / (k + rank) of its best chunk in the dense list
    "bm25_rank",
    "dense_chunks",  # how many of its chunks are in the dense list
    "bm25_chunks",
    "classifier",  # the department classifier's probability of its department
    "keyword",  # it has a title or keyword all of whose words are in the question
)


class LearnedRanking(BaseModel):
    """Coefficients on the raw signals: `SIGNALS`, then the same times "long question", then times
    "other language"."""

    coef: list[float]
    intercept: float

    def probabilities(self, features: np.ndarray) -> np.ndarray:
        z = features @ np.asarray(self.coef) + self.intercept
        return 1.0 / (1.0 + np.exp(-np.clip(z, -50.0, 50.0)))


@dataclass
class QuestionContext:
    """What the signals need besides the hits."""

    dense_scores: dict[str, float]  # chunk id -> cosine (the dense list)
    sparse_scores: dict[str, float]  # chunk id -> BM25 score (the sparse list)
    article_cosines: dict[str, float]  # article id -> cosine to its mean vector
    classifier: dict[str, float]  # department -> probability
    keywords: dict[str, float]  # article id -> strength of its keyword in the question
    long_question: bool
    other_language: bool


def features(hits: list[ArticleHit], context: QuestionContext) -> np.ndarray:
    """One row per candidate (the first `DEPTH` hits), `3 * len(SIGNALS)` columns."""
    candidates = hits[:DEPTH]
    if not candidates:
        return np.zeros((0, 3 * len(SIGNALS)))
    dense_rank = _ranks(context.dense_scores)
    sparse_rank = _ranks(context.sparse_scores)
    top_dense = max(context.dense_scores.values(), default=0.0)
    top_sparse = max(context.sparse_scores.values(), default=0.0) or 1.0
    best_article = max((context.article_cosines.get(hit.article_id, 0.0) for hit in candidates), default=0.0)
    rows = []
    for rank, hit in enumerate(candidates, start=1):
        chunks = hit.chunks

        def cosine(kind: str | None) -> float:
            values = [context.dense_scores[c.id] for c in chunks if c.id in context.dense_scores and kind in (None, _kind(c))]
            return max(values) - top_dense if values else MISSING_COSINE

        bm25 = [context.sparse_scores[c.id] for c in chunks if c.id in context.sparse_scores]
        signals = [
            rank,
            1.0 / rank,
            hit.score / candidates[0].score if candidates[0].score else 0.0,
            context.article_cosines.get(hit.article_id, 0.0) - best_article,
            cosine(KIND_QUESTION),
            cosine(KIND_SECTION),
            cosine(KIND_SUMMARY),
            cosine(None),
            max(bm25) / top_sparse if bm25 else 0.0,
            max((1.0 / (RANK_CONSTANT + dense_rank[c.id]) for c in chunks if c.id in dense_rank), default=0.0),
            max((1.0 / (RANK_CONSTANT + sparse_rank[c.id]) for c in chunks if c.id in sparse_rank), default=0.0),
            sum(c.id in context.dense_scores for c in chunks),
            len(bm25),
            context.classifier.get(hit.department_id, 0.0),
            context.keywords.get(hit.article_id, 0.0),
        ]
        rows.append(signals + [s * context.long_question for s in signals] + [s * context.other_language for s in signals])
    return np.asarray(rows, dtype=float)


def rerank(hits: list[ArticleHit], probabilities: np.ndarray) -> list[ArticleHit]:
    """The first `len(probabilities)` hits in the order of the ranking's probabilities
    (`LearnedRanking.probabilities` of their `features`). They keep the fused scores in descending
    order (the first article gets the best score), so the department vote sees the same spread of
    scores as without the ranking. Measured (session 10, dev / held out): routing 0.804 / 0.802
    this way, 0.807 / 0.777 with the probabilities as scores and 0.815 / 0.802 with their
    log-odds; the differences are one to four questions."""
    if len(probabilities) == 0:
        return hits
    order = np.argsort(-probabilities, kind="stable")
    scores = sorted((hit.score for hit in hits[: len(probabilities)]), reverse=True)
    return [replace(hits[i], score=score) for i, score in zip(order, scores)] + hits[len(probabilities):]


def _ranks(scores: dict[str, float]) -> dict[str, int]:
    return {chunk_id: rank for rank, (chunk_id, _) in enumerate(sorted(scores.items(), key=lambda item: -item[1]), start=1)}


def _kind(chunk: Document) -> str | None:
    return chunk.meta.get("kind")
