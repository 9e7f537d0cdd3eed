"""The request path of one search, top to bottom (`SearchPipeline.run`):

    detect the language
    → retrieve: correct typos, embed, search dense and sparse, fuse   (`retrieval.HybridRetriever`)
    → keep the served versions                                          (`ServedVersions`)
    → group the chunks by article                                       (`grouping.group_by_article`)
    → the department classifier                                          (`classifier.DepartmentClassifier`)
    → the nearest labelled questions                                    (`question_memory.QuestionMemory`)
    → rerank: article vectors, then the learned ranking                 (`ArticleRanker`)
    → best bets: an article whose title or keyword the question is      (`best_bets.BestBets`)
    → route: department, confidence, in scope or not                    (`routing.route`)

The answer and the response are shaped from the outcome by `SearchEngine.search`.

A pipeline is a snapshot of what searches read: the engine builds a new one after every load
or re-index and swaps it in with one assignment, so a search never sees half of an update. The
fitted models come in as `FittedModels` (the engine's, read from `eval/fitted/`); the fitting
path passes others and reads the internals it learns from through an optional `SearchTrace`.

The stages are called directly rather than through a Haystack `Pipeline`: `Pipeline.run` cost
about 12 ms per query here (input validation, copies), a fifth of the latency budget."""

from __future__ import annotations

import time
from collections.abc import Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass, field, replace

import numpy as np

from kb.articles import Article
from kb.spelling import Correction
from kb.text import content_words
from search_api import ranking as learned
from search_api.article_vectors import ArticleVectors
from search_api.best_bets import BestBets
from search_api.classifier import DepartmentClassifier
from search_api.grouping import ArticleHit, group_by_article
from search_api.language import LanguageDetector
from search_api.question_memory import QuestionMemory
from search_api.retrieval import ARTICLE_CHUNKS, HybridRetriever, RetrievalMode, Retrieved
from search_api.routing import LEXICAL_LANGUAGES, Routing, RoutingCalibration, RoutingInput, route
from search_api.stage_clock import StageClock
from search_api.token_match import ArticleTokens


@dataclass(frozen=True)
class FittedModels:
    """The fitted models a search uses: the router's settings, and the learned ranking and the
    question memory (None: the fused order stands, the memory's signal is 0)."""

    router: RoutingCalibration
    ranking: learned.Ranking | None
    memory: QuestionMemory | None

    @classmethod
    def of(cls, calibration: RoutingCalibration) -> FittedModels:
        return cls(calibration, calibration.ranking, calibration.memory)


@dataclass(frozen=True)
class QueryVectors:
    """A question's dense vector and token vectors, computed once (`SearchEngine.encode`): the
    evaluation compares variants on the same vectors."""

    embedding: list[float]
    tokens: np.ndarray | None


@dataclass
class SearchTrace:
    """What the fitting path learns from, filled in by a search that is given one: the question
    vector (what the question memory keeps) and the learned ranking's signals of its candidates, in the
    order before the ranking was applied, with their article ids."""

    embedding: list[float] | None = None
    ranking_features: np.ndarray | None = None
    ranking_candidates: list[str] = field(default_factory=list)


@dataclass
class SearchOutcome:
    """Everything one search produced, before it is shaped into a response."""

    hits: list[ArticleHit]
    routing: Routing
    routing_input: RoutingInput
    corrections: list[Correction]
    language: str | None
    took_ms: float


@dataclass(frozen=True)
class ServedVersions:
    """Only the versions searches may see: a re-index writes a new version's chunks beside the
    old ones, and a search of the live store must not return part of it (`indexer.chunking` ids
    are `article id:fingerprint:number`). The in-memory index holds the served versions only."""

    versions: Mapping[str, str]  # article id -> fingerprint

    def run(self, retrieved: Retrieved) -> Retrieved:
        def allowed(chunk_id: str) -> bool:
            article_id, fingerprint, _ = chunk_id.split(":")
            return self.versions.get(article_id) == fingerprint

        scored = [*retrieved.dense_scores, *retrieved.sparse_scores]
        if all(allowed(document.id) for document in retrieved.documents) and all(map(allowed, scored)):
            return retrieved
        return replace(
            retrieved,
            documents=[document for document in retrieved.documents if allowed(document.id)],
            dense_scores={key: value for key, value in retrieved.dense_scores.items() if allowed(key)},
            sparse_scores={key: value for key, value in retrieved.sparse_scores.items() if allowed(key)},
        )


@dataclass(frozen=True)
class Ranked:
    hits: list[ArticleHit]
    top: float  # the learned ranking's probability that the first is right (0 without a ranking)
    features: np.ndarray  # the candidates' signals, before the ranking was applied
    candidates: list[str]  # their article ids


@dataclass(frozen=True)
class ArticleRanker:
    """The article-level ranking: a second ranking by article vector, then the learned ranking of
    the first `ranking.DEPTH` articles, from signals of the chunks, the article vectors, the
    classifier, the keywords and the token match."""

    article_vectors: ArticleVectors
    article_tokens: ArticleTokens
    best_bets: BestBets

    def run(self, hits: list[ArticleHit], retrieved: Retrieved, classifier: dict[str, float], *,
            other_language: bool, ranking: learned.Ranking | None) -> Ranked:
        hits = self.article_vectors.rerank(hits, retrieved.embedding)
        candidates = [hit.article_id for hit in hits[: learned.DEPTH]]
        rows = learned.features(hits, learned.QuestionContext(
            dense_scores=retrieved.dense_scores,
            sparse_scores=retrieved.sparse_scores,
            article_cosines=self.article_vectors.cosines(candidates, retrieved.embedding),
            classifier=classifier,
            keywords=self.best_bets.contained(retrieved.corrected),
            other_language=other_language,
            token_match=self.article_tokens.match(retrieved.tokens, candidates),
        ))
        if ranking is None or not len(rows):
            return Ranked(hits, 0.0, rows, candidates)
        probabilities = ranking.probabilities(rows)
        return Ranked(learned.rerank(hits, probabilities), float(probabilities.max()), rows, candidates)


@dataclass(frozen=True)
class SearchPipeline:
    language: LanguageDetector
    retriever: HybridRetriever
    served: ServedVersions | None  # None: the retriever returns served versions only
    articles: Mapping[str, Article]
    classifier: DepartmentClassifier
    ranker: ArticleRanker
    best_bets: BestBets
    store_lock: AbstractContextManager  # held while the embedded store itself is read

    def run(self, query: str, mode: RetrievalMode, models: FittedModels, *, vectors: QueryVectors | None = None,
            trace: SearchTrace | None = None, clock: StageClock | None = None) -> SearchOutcome:
        started = time.perf_counter()
        clock = clock or StageClock()
        language = self.language.detect(query)
        clock.lap("detect")
        with self.store_lock:
            retrieved = self.retriever.run(
                query, mode, embedding=vectors.embedding if vectors else None, tokens=vectors.tokens if vectors else None,
                language=language, clock=clock,
            )
        if self.served is not None:
            retrieved = self.served.run(retrieved)
        hits = [hit for hit in group_by_article(retrieved.documents, ARTICLE_CHUNKS[mode]) if hit.article_id in self.articles]
        clock.lap("group")
        classifier = self.classifier.predict(retrieved.embedding)  # none for BM25 alone
        words = len(content_words(query))
        margin, ranking_top, best_bets = 0.0, 0.0, set()
        if trace is not None:
            trace.embedding = retrieved.embedding
        if mode == "hybrid_plus":  # the final variant; the other modes are the evaluation's comparisons
            if models.memory is not None:
                margin = models.memory.margin(retrieved.embedding)
            ranked = self.ranker.run(
                hits, retrieved, classifier,
                other_language=language not in LEXICAL_LANGUAGES, ranking=models.ranking,
            )
            if trace is not None:
                trace.ranking_features, trace.ranking_candidates = ranked.features, ranked.candidates
            best_bets = self.best_bets.match(query, retrieved.corrected) & {hit.article_id for hit in ranked.hits}
            hits, ranking_top = self.best_bets.promote(ranked.hits, best_bets), ranked.top
        clock.lap("rerank")  # with the classifier and the question memory
        signals = RoutingInput(
            hits=hits,
            classifier=classifier,
            top_dense=max(retrieved.dense_scores.values(), default=0.0),
            top_sparse=max(retrieved.sparse_scores.values(), default=0.0),
            words=words,
            best_bet=bool(best_bets),
            ranking_top=ranking_top,
            margin=margin,
        )
        routing = route(signals, models.router)
        clock.lap("route")
        took_ms = (time.perf_counter() - started) * 1000
        return SearchOutcome(hits, routing, signals, retrieved.corrections, language, took_ms)
