"""Incremental indexing: embed and write only the articles whose chunks are not all stored.

Each chunk carries the fingerprint of its article's version, the number of chunks of that
version (`chunks`) and when it was written (`indexed_at`). New chunks are written before the
old ones are deleted (their ids contain the fingerprint), so a running search never sees an
article disappear while it is being re-indexed; and a run that is killed half-way leaves
the old version complete beside an incomplete new one. `served_documents` keeps, per article,
the newest complete version only: what the engine searches. The next run writes what is
missing: an article counts as unchanged only when every chunk of its current version is there.
"""

from __future__ import annotations

import time
from collections import defaultdict, deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Protocol

from haystack import Document
from haystack.document_stores.types import DuplicatePolicy

from indexer.chunking import article_documents, article_fingerprint
from indexer.vector_cache import CachedDocumentEmbedder
from kb.articles import Article
from kb.embedding import DocumentEmbedder
from kb.sparse import DutchSparseDocumentEmbedder

EMBED_BATCH = 32
CHUNKS = "chunks"  # payload: how many chunks the article's version has
INDEXED_AT = "indexed_at"  # payload: when the run that wrote the chunk started (UTC, ISO 8601)
ProgressCallback = Callable[[int, int], None]  # (chunks done, chunks total)


if TYPE_CHECKING:
    from haystack_integrations.document_stores.qdrant import QdrantDocumentStore

_sparse = DutchSparseDocumentEmbedder()


class ChunkWriter(Protocol):
    """What an index run needs of the store (a `QdrantDocumentStore` or `PendingWrites`)."""

    def filter_documents(self, filters: Any = None) -> list[Document]: ...

    def write_documents(self, documents: list[Document], policy: DuplicatePolicy = ...) -> int: ...

    def delete_documents(self, document_ids: list[str]) -> None: ...


@dataclass
class PendingWrites:
    """Stands in for the store in a run that is given what the store holds (`stored`): keeps the
    chunks to write and the ids to delete, for `apply` to the store afterwards."""

    written: list[Document] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)

    def filter_documents(self, filters: Any = None) -> list[Document]:
        raise TypeError("PendingWrites holds no documents: pass `stored` to index_articles")

    def write_documents(self, documents: list[Document], policy: DuplicatePolicy = DuplicatePolicy.OVERWRITE) -> int:
        self.written.extend(documents)
        return len(documents)

    def delete_documents(self, document_ids: list[str]) -> None:
        self.deleted.extend(document_ids)

    def apply(self, store: ChunkWriter) -> None:
        """Write the new chunks, then delete the old ones (the order of a run on the store itself)."""
        if self.written:
            store.write_documents(self.written, policy=DuplicatePolicy.OVERWRITE)
        if self.deleted:
            store.delete_documents(self.deleted)


@dataclass
class IndexReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: int = 0
    chunks_written: int = 0
    chunks_embedded: int | None = None  # of those, computed by the model (None: all; the rest were cached)
    chunks_deleted: int = 0
    seconds: float = 0.0
    versions: dict[str, str] = field(default_factory=dict)  # article id -> fingerprint of the version written
    written_documents: list[Document] = field(default_factory=list, repr=False)  # as written to the store
    deleted_ids: list[str] = field(default_factory=list, repr=False)  # chunks deleted from the store

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.removed)

    def summary(self) -> str:
        cached = self.chunks_written - self.chunks_embedded if self.chunks_embedded is not None else 0
        return (
            f"{len(self.added)} added, {len(self.updated)} updated, {len(self.removed)} removed, "
            f"{self.unchanged} unchanged; {self.chunks_written} chunks written"
            + (f" ({cached} with vectors computed before)" if cached else "")
            + f" in {self.seconds:.1f} s"
        )


@dataclass
class StoredVersion:
    """The stored chunks of one version (fingerprint) of an article."""

    article_id: str
    fingerprint: str
    ids: list[str] = field(default_factory=list)
    expected: int | None = None  # `chunks` of its payload; None in an index written without it
    indexed_at: str = ""  # the newest `indexed_at` of its chunks; "" without it

    @property
    def complete(self) -> bool:
        """All its chunks are stored (a version written without chunk counts is taken as complete)."""
        return self.expected is None or len(self.ids) >= self.expected


def stored_versions(documents: Iterable[Document]) -> dict[str, list[StoredVersion]]:
    """article id -> the versions of it in the store."""
    versions: dict[tuple[str, str], StoredVersion] = {}
    for document in documents:
        meta = document.meta
        key = (meta["article_id"], meta.get("fingerprint", ""))
        version = versions.setdefault(key, StoredVersion(*key))
        version.ids.append(document.id)
        if meta.get(CHUNKS) is not None:
            version.expected = int(meta[CHUNKS])
        version.indexed_at = max(version.indexed_at, str(meta.get(INDEXED_AT, "")))
    found: dict[str, list[StoredVersion]] = defaultdict(list)
    for version in versions.values():
        found[version.article_id].append(version)
    return dict(found)


def served_versions(versions: dict[str, list[StoredVersion]]) -> dict[str, StoredVersion]:
    """article id -> its newest complete version (articles without one are left out)."""
    served: dict[str, StoredVersion] = {}
    for article_id, candidates in versions.items():
        complete = [version for version in candidates if version.complete]
        if complete:
            served[article_id] = max(complete, key=lambda version: version.indexed_at)
    return served


def served_documents(documents: list[Document], served: dict[str, StoredVersion] | None = None) -> list[Document]:
    """The chunks of each article's newest complete version, in the store's order: never a mix
    of two versions, never an incomplete one. `served`: `served_versions` of these documents,
    when the caller has them already."""
    if served is None:
        served = served_versions(stored_versions(documents))
    keep = {chunk_id for version in served.values() for chunk_id in version.ids}
    return [document for document in documents if document.id in keep]


def indexed_articles(store: QdrantDocumentStore) -> dict[str, dict[str, list[str]]]:
    """article id -> fingerprint -> ids of its stored chunks."""
    return {
        article_id: {version.fingerprint: version.ids for version in versions}
        for article_id, versions in stored_versions(store.filter_documents()).items()
    }


def embedded_in_order(embedder: DocumentEmbedder | CachedDocumentEmbedder, batches: list[list[Document]],
                      workers: int = 1) -> Iterator[list[Document]]:
    """Each batch embedded, in the order given. With `workers` > 1 that many batches are embedded
    side by side on threads (the model does not hold the interpreter while it runs) and one more
    waits, while the caller writes the batch before: with a model that runs on one core each, this
    keeps every core busy, where one run on all cores left a third of them idle (small matrices
    share out badly). The vectors are the same to the last bit."""
    if workers <= 1:
        for batch in batches:
            yield embedder.run(documents=batch)["documents"]
        return
    pool = ThreadPoolExecutor(workers, thread_name_prefix="embed")
    pending: deque[Future[dict[str, list[Document]]]] = deque()
    try:
        for batch in batches:
            pending.append(pool.submit(embedder.run, documents=batch))
            if len(pending) > workers:
                yield pending.popleft().result()["documents"]
        while pending:
            yield pending.popleft().result()["documents"]
    finally:  # stopped early (a write failed): the batches not started are dropped
        pool.shutdown(wait=True, cancel_futures=True)


def index_articles(
    articles: Iterable[Article],
    store: ChunkWriter,
    embedder: DocumentEmbedder | CachedDocumentEmbedder,
    *,
    model_name: str,
    passage_prefix: str,
    keep_ids: Iterable[str] = (),
    only_ids: Iterable[str] | None = None,
    progress: ProgressCallback | None = None,
    written: Callable[[IndexReport], None] | None = None,
    stored: Iterable[Document] | None = None,
    workers: int = 1,
) -> IndexReport:
    """Bring the store in line with `articles`.

    keep_ids: article ids whose file exists but could not be parsed; their indexed version is
    kept rather than deleted. only_ids: restrict the run to these articles (editor saves one).
    Only missing chunks are embedded: after an interrupted run, the rest of a version that was
    half written; other versions of an article are deleted once its current one is complete.
    written: called when every new version is complete, before the old ones are deleted.
    stored: what the store holds, when the caller knows it (the engine keeps a copy); else read.
    workers: batches embedded side by side (`embedded_in_order`), for an embedder whose model
    runs on one core each (`kb index`).
    """
    started = time.perf_counter()
    indexed_at = datetime.now(UTC).isoformat(timespec="microseconds")
    report = IndexReport()
    articles = list(articles)
    only = set(only_ids) if only_ids is not None else None
    # the stored versions of the articles this run is about (all of them, or the ones named)
    if stored is None:
        stored = store.filter_documents(
            filters={"field": "meta.article_id", "operator": "in", "value": sorted(only)} if only is not None else None
        )
    existing = stored_versions(doc for doc in stored if only is None or doc.meta.get("article_id") in only)
    embedded_before = embedder.embedded if isinstance(embedder, CachedDocumentEmbedder) else 0

    to_write: list[Document] = []
    stale_ids: list[str] = []
    texts: list[str] = []  # of every chunk indexed: a full run keeps only their cached vectors
    for article in articles:
        if only is not None and article.id not in only:
            continue
        fingerprint = article_fingerprint(article, model_name, passage_prefix)
        documents = article_documents(article, fingerprint)
        texts.extend(document.content or "" for document in documents)
        wanted = {document.id for document in documents}
        versions = existing.get(article.id, [])
        complete = {chunk_id for version in versions if version.fingerprint == fingerprint for chunk_id in version.ids}
        missing = [document for document in documents if document.id not in complete]
        stale = [chunk_id for version in versions for chunk_id in version.ids if chunk_id not in wanted]
        if not missing and not stale:
            report.unchanged += 1
            continue
        (report.updated if versions else report.added).append(article.id)
        report.versions[article.id] = fingerprint
        for document in missing:
            document.meta.update({CHUNKS: len(documents), INDEXED_AT: indexed_at})
        to_write.extend(missing)
        stale_ids.extend(stale)

    present = {article.id for article in articles} | set(keep_ids)
    for article_id, versions in existing.items():
        if article_id not in present and (only is None or article_id in only):
            report.removed.append(article_id)
            stale_ids.extend(chunk_id for version in versions for chunk_id in version.ids)

    if only is None and not existing:
        # Into an empty store (a first build, a rebuild's new collection) no article has a
        # version to keep serving, so the chunks go in by length rather than article by article:
        # the model pads a batch to its longest chunk, and in article order it ran 40% more
        # tokens (the whole knowledge base: 284,000 against 203,000 sorted; the rebuild 67 -> 45
        # s). The store returns its chunks in the order of their ids, however they were written.
        to_write.sort(key=lambda document: len(document.content or ""))
    if progress:
        progress(0, len(to_write))
    batches = [to_write[start : start + EMBED_BATCH] for start in range(0, len(to_write), EMBED_BATCH)]
    for embedded in embedded_in_order(embedder, batches, workers):
        embedded = _sparse.run(documents=embedded)["documents"]
        store.write_documents(embedded, policy=DuplicatePolicy.OVERWRITE)
        report.written_documents.extend(embedded)
        report.chunks_written += len(embedded)
        if progress:
            progress(report.chunks_written, len(to_write))
    if isinstance(embedder, CachedDocumentEmbedder):
        report.chunks_embedded = embedder.embedded - embedded_before
        if only is None:
            embedder.cache.retain(texts)
    if written:
        written(report)
    if stale_ids:
        store.delete_documents(stale_ids)
        report.chunks_deleted = len(stale_ids)
        report.deleted_ids = stale_ids
    report.seconds = time.perf_counter() - started
    return report
