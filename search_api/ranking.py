"""A learned ranking of the first articles retrieval found.

The fused chunk ranking and the article vectors (`search_api.article_vectors`) each say one thing
about an article; which of them to trust depends on the question: for a question in another
language BM25 says nothing. A model of the signals below, each also marked for questions in
other languages, gives every candidate a probability that it is the right article and ranks the
first `DEPTH` articles by it. A late-interaction signal of the question's and the article's token
vectors (`TOKEN_SIGNALS`, `search_api.token_match`) follows the two blocks: out of fold on the
dev questions hit@1 0.834 -> 0.865, held out 0.853 -> 0.872. (The signals were also marked for
long questions, twelve content words or more, a story: the trees did as well without that block,
and routed better, blind sets routing +0.6 points held out, +0.9 in all; `kb ablation`, December
2026.)

The model is gradient-boosted trees (`BoostedRanking`: scikit-learn's `GradientBoostingClassifier`
exported to plain lists). Against one logistic regression (`LearnedRanking`), out of fold on the 889 dev questions we cover,
hit@1 0.826 -> 0.834; held out 0.803 -> 0.853 (`docs/experiments.md`, November 2026).

It is fitted on the labelled dev questions (`eval.run.fit_ranking`, saved with the router in
`eval/fitted/ranking.json`). The evaluation fits it out of fold, so that no question is ranked by a
model that saw it, and the router is fitted on those rankings. Measured for the logistic ranking
(November 2026, 5 x 5-fold on the 628 dev questions we cover): hit@1 0.826 -> 0.836 (standard error
of the gain 0.003), the first article's department 0.898 -> 0.906. That model trained on the articles' own example
questions was worse than no model (dev hit@1 0.79-0.81): it has to learn from questions like the
ones people ask.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Literal, NamedTuple

import numpy as np
from haystack import Document
from pydantic import BaseModel, PrivateAttr

from indexer.chunking import KIND_QUESTION, KIND_SECTION, KIND_SUMMARY
from search_api.fusion import RANK_CONSTANT
from search_api.grouping import ArticleHit

DEPTH = 10  # articles re-ranked (the department vote looks at as many)
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
#: After the two blocks of `SIGNALS`
TOKEN_SIGNALS = (
    "token_match",  # late interaction with its title, questions and keywords (`search_api.token_match`)
    "token_match_relative",  # the same, relative to the best candidate's
)
#: The columns of `features`, by name: the signals, the same for questions in other languages,
#: then the token signals. A fitted ranking names the features it
#: was fitted on (`search_api.model_files`).
RANKING_FEATURES = (
    *SIGNALS, *(f"{signal}_if_other_language" for signal in SIGNALS), *TOKEN_SIGNALS,
)
WIDTH = len(RANKING_FEATURES)


def expit(values: np.ndarray) -> np.ndarray:
    """The logistic function, to the last bit as SciPy's `expit` computes it for float64 (C's
    `exp`, which NumPy's vectorised `exp` differs from by a unit in the last place), for the few
    values of a search, without SciPy in the service."""
    array = np.asarray(values, dtype=np.float64)
    return np.array([1.0 / (1.0 + _exp(-value)) for value in array.ravel().tolist()], dtype=np.float64).reshape(array.shape)


def _exp(value: float) -> float:
    try:
        return math.exp(value)
    except OverflowError:
        return math.inf


class LearnedRanking(BaseModel):
    """A logistic regression: coefficients on the raw signals (`SIGNALS`, then the same times
    "other language", then the token signals)."""

    kind: Literal["logistic"] = "logistic"
    coef: list[float]
    intercept: float

    def probabilities(self, features: np.ndarray) -> np.ndarray:
        return expit(np.asarray(features) @ np.asarray(self.coef) + self.intercept)


class _Forest(NamedTuple):
    """The nodes of all trees, tree after tree (`BoostedRanking._arrays`)."""

    feature: np.ndarray
    threshold: np.ndarray
    left: np.ndarray  # the place of a node's children in these arrays; a leaf's are itself
    right: np.ndarray
    value: np.ndarray
    roots: np.ndarray  # the place of each tree's first node
    depth: int  # splits on the longest path of any tree


class Tree(BaseModel):
    """One regression tree, nodes in scikit-learn's numbering: a node with `left` -1 is a leaf;
    otherwise a row goes left when its value of `feature` is at most `threshold`."""

    feature: list[int]
    threshold: list[float]
    left: list[int]
    right: list[int]
    value: list[float]


class BoostedRanking(BaseModel):
    """Gradient-boosted regression trees on the same signals as `LearnedRanking`: the log-odds are
    `init + learning_rate * sum of the trees' leaf values`. Exported from a fitted scikit-learn
    `GradientBoostingClassifier` (`from_classifier`) so that the API needs no pickle; it gives the
    classifier's own probabilities (tested)."""

    kind: Literal["boosted"] = "boosted"
    init: float
    learning_rate: float
    trees: list[Tree]
    _packed: _Forest | None = PrivateAttr(default=None)

    @classmethod
    def from_classifier(cls, model) -> BoostedRanking:
        """From a fitted binary `sklearn.ensemble.GradientBoostingClassifier` with the default
        (prior) initial estimator, through its public attributes."""
        prior = float(model.init_.class_prior_[1])
        trees = []
        for estimator in model.estimators_[:, 0]:
            tree = estimator.tree_
            trees.append(Tree(
                feature=[int(f) for f in tree.feature], threshold=[float(t) for t in tree.threshold],
                left=[int(i) for i in tree.children_left], right=[int(i) for i in tree.children_right],
                value=[float(v) for v in tree.value[:, 0, 0]],
            ))
        return cls(init=float(np.log(prior / (1.0 - prior))), learning_rate=float(model.learning_rate), trees=trees)

    def _arrays(self) -> _Forest:
        """The nodes of all trees in flat arrays (tree after tree), built once, so that all trees
        are walked at once with one-dimensional lookups: a node's children by their place in
        these arrays, a leaf its own child either way, and the first node of every tree."""
        if self._packed is None:
            starts = np.cumsum([0] + [len(tree.value) for tree in self.trees[:-1]])

            def children(name: str) -> np.ndarray:
                return np.concatenate([
                    np.where(np.asarray(getattr(tree, name)) >= 0, np.asarray(getattr(tree, name)) + start,
                             np.arange(len(tree.value)) + start)
                    for tree, start in zip(self.trees, starts)
                ])

            def joined(name: str, dtype) -> np.ndarray:
                return np.concatenate([np.asarray(getattr(tree, name), dtype=dtype) for tree in self.trees])

            feature = np.maximum(joined("feature", np.int64), 0)  # leaves have feature -2; their children are themselves
            depth = max(_depth(tree) for tree in self.trees)
            self._packed = _Forest(feature, joined("threshold", np.float64), children("left"), children("right"),
                                   joined("value", np.float64), starts.astype(np.int64), depth)
        return self._packed

    def probabilities(self, features: np.ndarray) -> np.ndarray:
        rows = np.asarray(features, dtype=np.float32)  # scikit-learn's trees compare float32 values
        if not len(rows) or not self.trees:
            return expit(np.full(len(rows), self.init))
        feature, threshold, left, right, value, starts, depth = self._arrays()
        cells = rows.ravel()
        first_cell = (np.arange(len(rows)) * rows.shape[1])[None, :]
        node = np.repeat(starts[:, None], len(rows), axis=1)  # trees x rows
        for _ in range(depth):
            goes_left = cells[first_cell + feature[node]] <= threshold[node]
            node = np.where(goes_left, left[node], right[node])
        return expit(self.init + self.learning_rate * value[node].sum(axis=0))


def _depth(tree: Tree) -> int:
    """The number of splits on the longest path from the root to a leaf."""
    deepest, stack = 0, [(0, 0)]
    while stack:
        node, level = stack.pop()
        if tree.left[node] < 0:
            deepest = max(deepest, level)
        else:
            stack += [(tree.left[node], level + 1), (tree.right[node], level + 1)]
    return deepest

Ranking = LearnedRanking | BoostedRanking


@dataclass
class QuestionContext:
    """What the signals need besides the hits."""

    dense_scores: dict[str, float]  # chunk id -> cosine (the dense list)
    sparse_scores: dict[str, float]  # chunk id -> BM25 score (the sparse list)
    article_cosines: dict[str, float]  # article id -> cosine to its mean vector
    classifier: dict[str, float]  # department -> probability
    keywords: dict[str, float]  # article id -> strength of its keyword in the question
    other_language: bool
    token_match: dict[str, float] = field(default_factory=dict)  # article id -> `ArticleTokens.match`


def features(hits: list[ArticleHit], context: QuestionContext) -> np.ndarray:
    """One row per candidate (the first `DEPTH` hits): `3 * len(SIGNALS)` columns, then
    `TOKEN_SIGNALS` (0 without question tokens)."""
    candidates = hits[:DEPTH]
    if not candidates:
        return np.zeros((0, WIDTH))
    best_token_match = max((context.token_match.get(hit.article_id, 0.0) for hit in candidates), default=0.0)
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
        token_match = context.token_match.get(hit.article_id, 0.0)
        rows.append(
            signals + [s * context.other_language for s in signals] + [token_match, token_match - best_token_match]
        )
    return np.asarray(rows, dtype=float)


def rerank(hits: list[ArticleHit], probabilities: np.ndarray) -> list[ArticleHit]:
    """The first `len(probabilities)` hits in the order of the ranking's probabilities
    (`Ranking.probabilities` of their `features`), with the fused scores in descending order: the
    first article gets the best fused score, the second the second best, and so on, so that the
    scores, which the department vote weighs (`search_api.routing.vote_distribution`), stay in
    descending order down the whole list.

    Blending the ranking's confidence into these scores (half the first article's score times each
    probability relative to the first's, chosen on the dev questions in November 2026 for fewer
    "bedoelt u") did not carry over to the blind sets: routing held out +0.6 points without it,
    all blind questions -0.7 (`kb ablation`, December 2026), so the plain order stays."""
    if len(probabilities) == 0:
        return hits
    order = np.argsort(-probabilities, kind="stable")
    fused = sorted((hit.score for hit in hits[: len(probabilities)]), reverse=True)
    return [hits[i].with_score(score) for i, score in zip(order, fused)] + hits[len(probabilities):]


def _ranks(scores: dict[str, float]) -> dict[str, int]:
    return {chunk_id: rank for rank, (chunk_id, _) in enumerate(sorted(scores.items(), key=lambda item: -item[1]), start=1)}


def _kind(chunk: Document) -> str | None:
    return chunk.meta.get("kind")
