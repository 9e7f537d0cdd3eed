"""The search engine: loaded once per process, then answers questions without reloading anything.

It owns the embedding model, the document store, the retrieval pipeline, the articles (for
sections, answers and staff notes) and the routing calibration. The API, the evaluation and
the benchmark all use this one class, so what is measured is what runs.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from contextlib import nullcontext
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from threadpoolctl import threadpool_limits

from haystack import Document

from indexer.chunking import article_fingerprint
from indexer.indexing import (
    IndexReport, PendingWrites, index_articles, served_documents, served_versions, stored_versions,
)
from indexer.validate import validate_knowledge_base
from indexer.vector_cache import cached_embedder
from kb.article_cache import CACHE_FILE as PARSES_FILE
from kb.article_cache import KeptParses
from kb.articles import Article
from kb.departments import Department, load_departments
from kb.environment import release_free_memory
from kb.lexicon import keep_in as keep_lexicons_in
from kb.embedding import document_embedder, embedding_dimension, text_embedder, token_encoder
from kb.model import resolve_embedding_model
from kb.settings import Settings
from kb.store_files import copy_embedded_store, describe_store, hold_embedded_store, release_embedded_store, write_turn
from search_api import schemas
from search_api.answer import extract_answer, snippet
from search_api.grouping import ArticleHit
from search_api.index_changes import ChangeFollower, IndexChanges, articles_of
from search_api.index_state import IndexState, index_state
from search_api.kept_answer import KeptAnswer
from search_api.chunk_snapshot import ChunkSnapshot, read_store
from search_api.classifier import SAVED_FIT, DepartmentClassifier
from search_api.language import LanguageDetector
from search_api.notices import notice_for
from search_api.model_files import load_models
from search_api.pipeline import (
    ArticleRanker, FittedModels, QueryVectors, SearchOutcome, SearchPipeline, SearchTrace, ServedVersions,
)
from search_api.language_centering import LanguageCentering, LanguageSamplesError, load_language_centering
from search_api.response_cache import ResponseCache
from search_api.scored import with_compact_vector
from search_api.retrieval import DEFAULT_MODE, HybridRetriever, RetrievalMode
from search_api.stage_clock import StageClock
from search_api.routing import Routing, RoutingCalibration
from search_api.article_vectors import ArticleVectors
from search_api.best_bets import BestBets
from search_api.store_writer import StoreWriter
from search_api.suggest import WORDS_FILE, SavedWords, Suggester
from search_api.token_match import ArticleTokens, cache_file

if TYPE_CHECKING:  # imported when first needed: the in-memory scorer serves without qdrant-client
    from haystack_integrations.document_stores.qdrant import QdrantDocumentStore

log = logging.getLogger(__name__)

#: A service that starts follows the other services' saves of this long before that the store
#: did not hold yet (an older one's write failed, and `kb index --via-api` is what writes it)
CATCH_UP_SECONDS = 120.0
DEFAULT_SECTION = "Wat is het?"
#: The municipality's general desk: named when no department fits, and in the notice for other languages
GENERAL_DESK = "klantcontact"
#: How deep a search narrowed to one department looks for that department's articles
NARROW_DEPTH = 20

ROUTING_REASONS = {
    "routed": "De vraag past bij deze afdeling.",
    "ambiguous": "De vraag past bij meer dan één afdeling. Kies een van de mogelijkheden.",
    "off_topic": "Over deze vraag hebben we geen informatie gevonden.",
}
# An off-topic question still lists what retrieval found, and for some questions we do cover the
# right article is among it: the reason must not say there is nothing when there is a list.
OFF_TOPIC_WITH_RESULTS = (
    "We weten niet zeker of we informatie over deze vraag hebben. Kijk of een van de resultaten hieronder past."
)


def _cache_key(query: str, limit: int, staff: bool, department_id: str | None) -> tuple[str, int, bool, str | None]:
    """What makes two searches the same answer."""
    return (query, limit, staff, department_id)


class SearchEngine:
    def __init__(self, settings: Settings):
        self.settings = settings
        self.model_name = ""
        self.ready = False
        self.error: str | None = None
        self.articles: dict[str, Article] = {}
        self._valid_articles: list[Article] = []
        self.invalid_files: list[str] = []  # relative to the content folder
        self.problems: list[str] = []  # `file:line: reason` of each validation error
        self._invalid_ids: set[str] = set()
        # What /health and /metrics report; replaced (never changed) after start and each re-index
        self.index_state = IndexState()
        # article id -> fingerprint of the version searches may return (a Qdrant retriever reads
        # the live store, where a re-index may have written part of a newer version)
        self._served_versions: dict[str, str] = {}
        self.departments: dict[str, Department] = {}
        self.calibration = RoutingCalibration()
        self._store: QdrantDocumentStore | None = None
        self._embedder = None
        self._retriever: HybridRetriever | None = None
        self.classifier = DepartmentClassifier()
        self.best_bets = BestBets()
        self.suggester = Suggester()  # suggestions while typing, rebuilt with the index
        self.article_vectors = ArticleVectors()
        self.article_tokens = ArticleTokens()
        self.language = LanguageDetector()
        self._doc_embedder = None
        self._everything: list[Document] | None = None  # every chunk in the store, as last read
        self._lock = threading.RLock()  # the embedded store is not made for concurrent writes
        # Searches need the lock only when they read the embedded store itself; the in-memory
        # scorer and a Qdrant server serve concurrent searches (a re-index swaps in new objects).
        self.pipeline: SearchPipeline | None = None  # built by `_train` after every load and re-index
        # Answers to repeated questions; a new generation whenever the pipeline or the models change
        self.cache: ResponseCache[KeptAnswer] = ResponseCache(settings.response_cache_size)
        self._search_lock = self._lock if (
            settings.resolved_retrieval_backend == "qdrant" and not settings.qdrant_url
        ) else nullcontext()
        # The embedded store is opened only to be written when searches do not read it: the chunks
        # come from its snapshot (`search_api.chunk_snapshot`), and between writes the process
        # holds a lock of its own on it instead of local mode's copy of every point.
        self._snapshot = ChunkSnapshot.of(settings)
        # Made at start as the last start made them: the articles' parses, the suggestions' words
        self._parses = KeptParses(settings.data_dir / PARSES_FILE)
        self._words_file = settings.data_dir / WORDS_FILE
        self._writer: StoreWriter | None = None  # writes saves to the store after they are served
        # What other services on the same data folder re-index, and what this one does
        self._changes = IndexChanges(settings.data_dir)
        self._follower: ChangeFollower | None = None
        self._taking: Future[int | None] | None = None  # the writer reading the store for a new snapshot
        self._catching_up: threading.Thread | None = None  # re-indexing what the content folder changed

    # -- life cycle -------------------------------------------------------------------------

    def start(self, *, build_index_if_empty: bool = True, catch_up_with_content: bool = False) -> None:
        """Load the model, open the store and the articles. Takes seconds; call once.
        `catch_up_with_content` (the API): once ready, re-index what the content folder changed
        while no service ran (`content_changes`), on a thread of its own."""
        settings = self.settings
        started, seen = time.time(), self._changes.latest()  # what other services did from here on is followed
        # One BLAS thread: the vector products are tiny, and a second, spinning BLAS pool beside
        # torch's threads doubled the latency on 2 cores (also set via OPENBLAS_NUM_THREADS).
        threadpool_limits(limits=1, user_api="blas")
        self.model_name = resolve_embedding_model(settings)
        keep_lexicons_in(settings.model_cache_dir / "wordfreq")  # mapped from there after the first start
        self._parses.load()
        self.departments = load_departments(settings.departments_file)
        # Two Haystack components, built once. They are called directly rather than through a
        # `Pipeline`: Pipeline.run costs ~12 ms per query here (input validation, copies), a
        # fifth of the latency budget, for a graph of two nodes.
        self._embedder = text_embedder(settings, self.model_name)
        if self._snapshot is not None:
            hold_embedded_store(settings)
            self._writer = StoreWriter(settings, embedding_dimension(self._embedder), self._snapshot)
            if not self._snapshot.current():  # the store changed behind it: read while the models load
                self._taking = self._writer.take()
        else:
            self._open_store()
        self._retriever = HybridRetriever(self._store, self._embedder, backend=settings.resolved_retrieval_backend)
        self._retriever.centering = self._language_centering()
        self._retriever.token_encoder = token_encoder(self._embedder)
        self.calibration = load_models(settings.fitted_dir, settings.embedding_model, settings.off_topic_rejection_target)
        self.language.warm_up()
        stored = self._read_stored()
        if build_index_if_empty and not stored:
            log.info("The index is empty: building it from %s", settings.content_dir)
            self._everything = stored
            self.reindex()
        else:
            self._load_articles()
            self._train(stored=stored)
        self._parses.keep(self._valid_articles)
        # Saves of other services shortly before whose writes had not reached the store yet
        # (re-indexing an article again changes nothing)
        missed, seen = self._changes.from_others(seen, unstored_since=started - CATCH_UP_SECONDS)
        if missed:
            self.follow(articles_of(missed))
        self._follower = ChangeFollower(self._changes, self.follow, after=seen, interval=settings.follow_seconds).start()
        release_free_memory()
        self.ready = True
        if catch_up_with_content:
            self._catch_up_with_content()

    def content_changes(self) -> list[str]:
        """The articles whose version in the content folder is not the one served: edited or added
        while no service ran (a deploy of new content), or gone from it (an article whose file is
        invalid keeps its indexed version, as at a save)."""
        prefix = self.settings.resolved_passage_prefix
        current = {article.id: article_fingerprint(article, self.model_name, prefix) for article in self._valid_articles}
        changed = {article_id for article_id, fingerprint in current.items()
                   if self._served_versions.get(article_id) != fingerprint}
        gone = {article_id for article_id in self._served_versions
                if article_id not in current and article_id not in self._invalid_ids}
        return sorted(changed | gone)

    def _catch_up_with_content(self) -> None:
        """Re-index `content_changes` as saves of those articles would, while the service answers:
        until then searches find the indexed versions; other services on the data folder follow."""
        changed = self.content_changes()
        if not changed:
            return
        log.info("The content folder changed since the index was written: re-indexing %d articles (%s)",
                 len(changed), ", ".join(changed[:10]) + (", ..." if len(changed) > 10 else ""))

        def run() -> None:
            try:
                self.reindex(changed)
            except Exception:  # the service answers on from the indexed versions; a save or `kb index` retries
                log.exception("Re-indexing the changed content failed")

        self._catching_up = threading.Thread(target=run, name="content-catch-up", daemon=True)
        self._catching_up.start()

    def _open_store(self) -> QdrantDocumentStore:
        if self._store is None:
            self._store = self._new_store()
        return self._store

    def _new_store(self) -> QdrantDocumentStore:
        from kb.store import open_document_store  # qdrant-client: imported when first needed

        assert self._embedder is not None
        return open_document_store(self.settings, embedding_dimension(self._embedder))

    def _read_stored(self) -> list[Document]:
        """Every chunk in the store: from its snapshot when the store has not changed since the
        snapshot was written, else read from the store and a new snapshot kept, by the writer
        process when the store is opened on demand (by this one, if that cannot keep it)."""
        if self._snapshot is None:
            return read_store(self._open_store())
        assert self._writer is not None  # made with the snapshot
        taking, self._taking = self._taking, None  # started at start when the snapshot was out of date
        if taking is None:
            kept = self._snapshot.read()
            if kept is not None:
                return kept
            taking = self._writer.take()
        kept = [] if taking.result() == 0 else self._snapshot.read()
        if kept is not None:
            return kept
        with write_turn(self.settings):  # after any other service's writer
            return self._snapshot.take(self._new_store)

    def _close_store(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None

    def _language_centering(self) -> LanguageCentering:
        settings = self.settings
        assert self._retriever is not None
        try:
            return load_language_centering(
                settings.language_samples_file,
                settings.model_cache_dir,
                self.model_name,
                settings.resolved_query_prefix,
                settings.language_centering,
                self._retriever.embed_many,
            )
        except LanguageSamplesError as exc:  # search still works, only less well in other languages
            log.error("Language centering is off: %s", exc)
            return LanguageCentering()

    def close(self) -> None:
        if self._catching_up is not None:
            self._catching_up.join()
            self._catching_up = None
        if self._follower is not None:
            self._follower.stop()
            self._follower = None
        if self.ready:
            self._parses.keep(self._valid_articles)  # with the articles saved meanwhile
        if self._writer is not None:
            self._writer.close()
            self._writer = None
        self._close_store()
        if self._snapshot is not None:
            release_embedded_store(self.settings)
        self.ready = False

    def describe_store(self) -> str:
        return describe_store(self.settings)

    def copy_store(self, target: Path) -> None:
        """Copy the embedded store to `target` between re-index runs (they wait meanwhile), for a
        process that evaluates the index as it is served."""
        with self._lock:
            self.flush_writes()
            copy_embedded_store(self.settings, target)

    def counts(self) -> tuple[int, int]:
        """(articles indexed, chunks indexed), from the last snapshot: never waits for a re-index."""
        state = self.index_state
        return state.articles, state.chunks

    # -- indexing ---------------------------------------------------------------------------

    def _load_articles(self) -> list[Article]:
        """Re-read the content; returns the valid articles (the ones that may be indexed)."""
        report = validate_knowledge_base(self.settings, readability=False)  # the B1 warnings are the editors'
        valid = {article.id: article for article in report.articles}
        self._valid_articles = report.articles
        self.invalid_files = sorted({self._relative(problem.path) for problem in report.errors})
        self.problems = [f"{self._relative(p.path)}:{p.line}: {p.message}" for p in report.errors]
        self._invalid_ids = report.invalid_ids
        # An article whose file is now invalid keeps its indexed version, so keep its text too.
        for article_id in self._invalid_ids - set(valid):
            if article_id in self.articles:
                valid[article_id] = self.articles[article_id]
        self.articles = valid
        return report.articles

    def _relative(self, path: Path) -> str:
        """A content file as the API names it: relative to the content folder."""
        try:
            return path.relative_to(self.settings.content_dir).as_posix()
        except ValueError:
            return path.name

    def reindex(self, only_ids: list[str] | None = None, *, follow: bool = False) -> IndexReport:
        """Re-read the content and (re-)embed what changed; searches keep working meanwhile and
        only ever see complete versions of an article. Other services on the same data folder
        follow (`search_api.index_changes`). `follow`: a re-index another service made, which
        this one only serves (it neither writes the store nor tells the others)."""
        with self._lock:
            valid_articles = self._load_articles()
            for problem in self.problems:
                log.warning("Not indexed (the indexed version stays): %s", problem)
            if self._doc_embedder is None:
                self._doc_embedder = cached_embedder(
                    document_embedder(self.settings, self.model_name), self.settings.data_dir, self.model_name
                )
            # With the store opened on demand, the writer process writes: what a run wrote is
            # searchable first, and written to the store beside the searches (opening the store
            # takes longer than embedding a saved article).
            writer = self._writer
            pending = PendingWrites() if writer is not None or follow else None
            report = index_articles(
                valid_articles,
                pending or self._open_store(),
                self._doc_embedder,
                model_name=self.model_name,
                passage_prefix=self.settings.resolved_passage_prefix,
                keep_ids=self._invalid_ids,
                only_ids=only_ids,
                written=self._serve_written,
                stored=self._everything,
            )
            if pending is None:  # searches read the store this run wrote to
                self._train(None if only_ids is None else report)
            else:
                if only_ids is None:  # the whole content: learnt afresh, from the chunks as written
                    self._train(stored=self._after(report))
                else:
                    self._train(report)
            if not follow:  # the other services follow; a writer process writes it to the store
                stored: Callable[[], None] | None = None
                if report.changed:
                    change = self._changes.publish(only_ids, stored=writer is None)
                    stored = partial(self._changes.mark_stored, change.generation)
                if writer is not None and pending is not None:
                    writer.submit(pending, then=stored)
        release_free_memory()
        log.info("Re-indexed%s: %s", " after another service" if follow else "", report.summary())
        return report

    @property
    def changes_followed(self) -> int:
        """Re-indexes of other services on the same data folder followed since start."""
        return self._follower.followed if self._follower is not None else 0

    def follow(self, article_ids: list[str] | None) -> None:
        """Serve what another service on the same data folder re-indexed (None: everything)."""
        self.reindex(article_ids, follow=True)

    def flush_writes(self) -> None:
        """Return once every save is written to the store and the store is closed again (with
        the snapshot written): what anything else that opens the store waits for."""
        if self._writer is not None:
            self._writer.flush()

    def _serve_written(self, report: IndexReport) -> None:
        """The new versions are complete: let searches of the live store return them."""
        self._served_versions = {**self._served_versions, **report.versions}
        if self.pipeline is not None and self.pipeline.served is not None:
            self.pipeline = replace(self.pipeline, served=ServedVersions(self._served_versions))

    def _train(self, changed: IndexReport | None = None, *, stored: list[Document] | None = None) -> None:
        """Refresh what is learnt from the content and the index (the spelling vocabulary, the
        classifier, ...) and the snapshot that /health reports. With `changed` (a re-index of
        some articles), the chunks it wrote and deleted update the ones last read from the store,
        and the classifier starts from its last fit: a saved article is searchable within about a
        second. `stored`: every chunk in the store, when just read."""
        assert self._retriever is not None
        texts = []
        for article in self.articles.values():
            texts.extend([article.meta.title, *article.meta.questions, *article.meta.keywords])
            texts.extend(section.text for section in article.public_sections)
        self._retriever.set_vocabulary(texts)
        self.best_bets = BestBets(self.articles.values())
        # a re-index returns with the suggestions current
        if changed is not None:
            self.suggester = Suggester(self.articles.values(), previous=self.suggester)
        else:  # at start, or after a full re-index: with the words kept from before, where still right
            self.suggester = SavedWords.suggester(self._words_file, self.articles.values())
        everything = self._stored_documents(changed, stored)
        versions = stored_versions(everything)
        stored = served_documents(everything, served_versions(versions))  # never a mix of versions, never an incomplete one
        self._served_versions = {doc.meta["article_id"]: doc.meta["fingerprint"] for doc in stored}
        self._retriever.refresh(stored)
        self.classifier = DepartmentClassifier().fit(
            stored, start=self.classifier if changed is not None else None, saved=self.settings.data_dir / SAVED_FIT,
        )
        self.article_vectors = ArticleVectors(stored)
        assert self._retriever.token_encoder is not None
        self.article_tokens = ArticleTokens.build(
            self.articles.values(),
            self._retriever.token_encoder,
            cache_file(self.settings.model_cache_dir, self.model_name, self.settings.resolved_query_prefix),
            previous=self.article_tokens,
        )
        self._retriever.run("parkeervergunning aanvragen")  # warm-up: word lists load on first use
        self.pipeline = SearchPipeline(  # what searches read from now on, swapped in at once
            language=self.language,
            retriever=self._retriever,
            served=ServedVersions(self._served_versions) if self._retriever.backend != "memory" else None,
            articles=self.articles,
            classifier=self.classifier,
            ranker=ArticleRanker(self.article_vectors, self.article_tokens, self.best_bets),
            best_bets=self.best_bets,
            store_lock=self._search_lock,
        )
        self.index_state = index_state(
            everything,
            self._valid_articles,
            kept_ids=self._invalid_ids,
            model_name=self.model_name,
            passage_prefix=self.settings.resolved_passage_prefix,
            versions=versions,
        )
        self.cache.new_generation()  # answers computed before describe the index before

    def _stored_documents(self, changed: IndexReport | None, stored: list[Document] | None = None) -> list[Document]:
        """Every chunk in the store: read from it, or the last ones read updated with what a
        re-index of some articles wrote and deleted."""
        if stored is not None:
            everything = stored
        elif changed is None or self._everything is None:
            everything = self._read_stored()
        else:
            everything = self._after(changed)
        self._everything = everything
        return everything

    def _after(self, changed: IndexReport) -> list[Document]:
        """The chunks last read from the store, updated with what a re-index wrote and deleted."""
        assert self._everything is not None
        written = {doc.id: with_compact_vector(doc) for doc in changed.written_documents}
        gone = set(changed.deleted_ids) | set(written)
        return [doc for doc in self._everything if doc.id not in gone] + list(written.values())

    # -- searching --------------------------------------------------------------------------

    @property
    def models(self) -> FittedModels:
        """The fitted models searches use (`eval/fitted/`)."""
        return FittedModels.of(self.calibration)

    def retrieve(self, query: str, mode: RetrievalMode = DEFAULT_MODE, *, models: FittedModels | None = None,
                 vectors: QueryVectors | None = None, trace: SearchTrace | None = None,
                 clock: StageClock | None = None) -> SearchOutcome:
        """Retrieve and route one question (`search_api.pipeline`). The evaluation passes the
        question's vectors computed once (`encode`), other fitted models, and a trace to learn from."""
        assert self.pipeline is not None, "start() first"
        return self.pipeline.run(query, mode, models or self.models, vectors=vectors, trace=trace, clock=clock)

    @property
    def query_embedder(self):
        """The question embedder searches use (the editors' insight groups logged questions with it)."""
        assert self._embedder is not None, "start() first"
        return self._embedder

    def encode(self, query: str) -> QueryVectors:
        """The question's vector and token vectors, as `retrieve` accepts them (no token vectors
        with the torch backend: retrieval computes them where it uses them)."""
        assert self._retriever is not None, "start() first"
        return QueryVectors(*self._retriever.encode(query))

    def search(self, query: str, limit: int = 5, *, staff: bool = False, department_id: str | None = None,
               clock: StageClock | None = None, fresh: bool = False) -> schemas.SearchResponse:
        """The answer, the department and the best `limit` articles. With `department_id` (a choice
        of "Bedoelt u ...?"), only that department's articles among the best `NARROW_DEPTH`, the
        answer from its best one, and that department as the one that helps. A repeated question
        is answered from the cache (`search_api.response_cache`) unless `fresh`. `clock` gets the
        stages' times."""
        started = time.perf_counter()
        clock = clock or StageClock()
        cached = None if fresh else self.cached(query, limit, staff=staff, department_id=department_id, clock=clock)
        if cached is not None:
            return cached
        return self._searched(query, limit, staff, department_id, clock, started)[0]

    def searched(self, query: str, limit: int = 5, *, staff: bool = False, department_id: str | None = None,
                 clock: StageClock | None = None) -> tuple[schemas.SearchResponse, KeptAnswer]:
        """`search` without looking in the cache: the response, and the answer as the cache now
        keeps it (`search_api.kept_answer`), whose JSON the API sends."""
        return self._searched(query, limit, staff, department_id, clock or StageClock(), time.perf_counter())

    def _searched(self, query: str, limit: int, staff: bool, department_id: str | None, clock: StageClock,
                  started: float) -> tuple[schemas.SearchResponse, KeptAnswer]:
        key = _cache_key(query, limit, staff, department_id)
        generation = self.cache.generation
        response = self._search(query, limit, staff, department_id, clock, started)
        clock.lap("answer")
        kept = KeptAnswer.of(response)
        self.cache.put(key, kept, generation)
        return response, kept

    def cached(self, query: str, limit: int = 5, *, staff: bool = False, department_id: str | None = None,
               clock: StageClock | None = None) -> schemas.SearchResponse | None:
        """The answer `search` would give, if the cache holds it; None otherwise. It never waits
        for the model or the store, so the API asks it on the event loop before handing a search
        to a worker thread."""
        found = self.kept(query, limit, staff=staff, department_id=department_id, clock=clock)
        return None if found is None else found[0].response(found[1])

    def kept(self, query: str, limit: int = 5, *, staff: bool = False, department_id: str | None = None,
             clock: StageClock | None = None) -> tuple[KeptAnswer, float] | None:
        """`cached`'s answer as the cache keeps it (`search_api.kept_answer`) and the milliseconds
        the lookup took (the answer's `took_ms`); None if the cache holds none."""
        started = time.perf_counter()
        kept = self.cache.get(_cache_key(query, limit, staff, department_id))
        if clock is not None:
            clock.lap("cache")
        return None if kept is None else (kept, round((time.perf_counter() - started) * 1000, 2))

    def holds(self, query: str, limit: int = 5, *, staff: bool = False, department_id: str | None = None) -> bool:
        """Whether `cached` would answer, without counting a hit or a miss."""
        return _cache_key(query, limit, staff, department_id) in self.cache

    def _search(self, query: str, limit: int, staff: bool, department_id: str | None, clock: StageClock,
                started: float) -> schemas.SearchResponse:
        outcome = self.retrieve(query, clock=clock)
        hits = outcome.hits
        if department_id is not None:
            hits = [hit for hit in hits[:NARROW_DEPTH] if hit.department_id == department_id]
        results = [self._result(hit, staff) for hit in hits[:limit]]
        answer = None
        if hits and outcome.routing.status != "off_topic":
            answer = self._answer(query, hits[0])
        nothing_fits = outcome.routing.status == "off_topic" or not results
        notice = notice_for(outcome.language, query)
        general = self.departments.get(GENERAL_DESK)
        phone = general.contact.phone if general and general.contact.phone else ""
        response_type = schemas.StaffSearchResponse if staff else schemas.SearchResponse
        return response_type(
            query=query,
            answer=answer,
            department=(self._department(outcome.routing) if department_id is None
                        else self._chosen_department(outcome.routing, department_id)),
            routing=self._routing_info(outcome.routing, has_results=bool(results)),
            language=outcome.language,
            notice=notice and schemas.LanguageNotice(
                lang=notice.lang, dir=notice.direction, text=notice.text.format(phone=phone)),
            corrections=[schemas.SpellingCorrection(original=c.original, suggestion=c.suggestion) for c in outcome.corrections],
            results=results,
            general_desk=schemas.DepartmentOut(**general.model_dump()) if nothing_fits and general else None,
            took_ms=round((time.perf_counter() - started) * 1000, 2),
        )

    def _answer(self, query: str, hit: ArticleHit) -> schemas.Answer | None:
        heading = hit.best_section or DEFAULT_SECTION
        article = self.articles[hit.article_id]
        section = article.section(heading)
        if section is None:
            return None
        return schemas.Answer(text=extract_answer(query, section.text), article_id=hit.article_id,
                              title=article.meta.title, section=heading)

    def _result(self, hit: ArticleHit, staff: bool) -> schemas.Result:
        article = self.articles[hit.article_id]
        heading = hit.best_section or DEFAULT_SECTION
        section = article.section(heading)
        fields = dict(
            article_id=hit.article_id,
            title=hit.title,
            department_id=hit.department_id,
            upl=hit.upl,
            section=heading,
            snippet=snippet(section.text) if section else "",
            score=round(hit.score, 4),
        )
        if staff:
            notes = article.staff_section
            return schemas.StaffResult(**fields, staff_notes=notes.markdown if notes else None)
        return schemas.Result(**fields)

    def _department(self, routing: Routing) -> schemas.RoutedDepartment | None:
        if routing.department_id is None:
            return None
        return self._routed(self.departments[routing.department_id], routing.confidence)

    def _chosen_department(self, routing: Routing, department_id: str) -> schemas.RoutedDepartment:
        probability = dict(routing.distribution).get(department_id, 0.0)
        return self._routed(self.departments[department_id], probability)

    @staticmethod
    def _routed(department: Department, confidence: float) -> schemas.RoutedDepartment:
        return schemas.RoutedDepartment(
            id=department.id,
            name=department.name,
            description=department.description,
            external=department.external,
            confidence=round(confidence, 3),
            contact=department.contact,
        )

    def _routing_info(self, routing: Routing, *, has_results: bool) -> schemas.RoutingInfo:
        reason = ROUTING_REASONS[routing.status]
        if routing.status == "off_topic" and has_results:
            reason = OFF_TOPIC_WITH_RESULTS
        if routing.status == "routed" and self.departments[routing.department_id].external:
            name = self.departments[routing.department_id].name
            reason = f"Dit regelt u niet bij de gemeente, maar bij {name}."
        alternatives = []
        if routing.status == "ambiguous":
            alternatives = [
                schemas.Alternative(id=dept, name=self.departments[dept].name, probability=round(p, 3))
                for dept, p in routing.alternatives
            ]
        return schemas.RoutingInfo(
            status=routing.status,
            reason=reason,
            alternatives=alternatives,
            in_scope=round(routing.in_scope, 3),
            in_scope_threshold=self.calibration.in_scope_threshold,
        )
