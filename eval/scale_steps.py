"""What `kb bench-scale` runs in a child process per size and store (`eval.scale`), so that the
memory one size or store holds is measured apart from the others.

- `write`: the real chunks and their variants (`eval.variants`) into a fresh embedded Qdrant,
  through `kb.store` as `kb index` writes them (alias, collection, payload indexes);
- `qdrant`: open the store as the API does and search it through the Qdrant retrievers
  (`KB_RETRIEVAL_BACKEND=qdrant` on the embedded store);
- `memory`: open the store, read the served chunks and build the in-memory scorer as the API does
  by default (`search_api.memory_index`), then search that;
- `scorer`: the in-memory scorer alone, built from the chunks made here (no store): what the
  scorer itself holds and how fast it searches, also at sizes the embedded store cannot hold.

Resident memory (VmRSS) is read before and after loading, and again once the memory Python freed
is handed back to the system (the process keeps it otherwise); the peak (VmHWM) is reset first.
Queries are timed one by one, after three unmeasured ones, until all are done or the time
budget is spent (local mode scores sparse vectors in Python: at 100x one query takes seconds).
"""

from __future__ import annotations

import gc
import pickle
import time
import warnings
from collections.abc import Callable
from typing import Any

from haystack.document_stores.types import DuplicatePolicy
from haystack_integrations.components.retrievers.qdrant import (
    QdrantEmbeddingRetriever,
    QdrantSparseEmbeddingRetriever,
)
from haystack_integrations.document_stores.qdrant import QdrantDocumentStore

from eval.bench import percentile
from eval.scale import MB, Query, ScaleJob, folder_bytes, memory_mb, reset_peak
from eval.variants import BaseChunks, variant_documents
from indexer.indexing import served_documents
from kb.environment import release_free_memory
from kb.settings import Settings
from kb.store import open_document_store
from search_api.memory_index import InMemoryEmbeddingRetriever, InMemorySparseEmbeddingRetriever, InMemoryVectorIndex
from search_api.retrieval import TOP_K

Report = Callable[..., None]
WARM_UP = 3
WRITE_BATCH = 256  # documents per call (the store upserts 256 at a time)


def store_settings(job: ScaleJob) -> Settings:
    """An embedded store in the job's folder, whatever the environment configures."""
    return Settings(data_dir=job.folder, qdrant_url=None, qdrant_path=None, qdrant_api_key=None)


def write(job: ScaleJob, report: Report) -> None:
    """Write as `kb index` does (batches through `QdrantDocumentStore.write_documents`, which local
    mode commits to its SQLite file point by point) for `job.write_budget` seconds; then the rest
    without waiting for the disk at each commit (the same file, written faster), and the time the
    whole would have taken projected from the rate measured."""
    base: BaseChunks = pickle.loads(job.base_file.read_bytes())
    settings = store_settings(job)
    store = open_document_store(settings, base.dimension)
    timed_chunks, timed_seconds, bulk_seconds, written = 0, 0.0, 0.0, 0
    for number in range(job.size):
        documents = variant_documents(base, number)
        for start in range(0, len(documents), WRITE_BATCH):
            batch = documents[start : start + WRITE_BATCH]
            bulk = timed_seconds > job.write_budget and _without_waiting_for_the_disk(store)
            started = time.perf_counter()
            store.write_documents(batch, policy=DuplicatePolicy.OVERWRITE)
            elapsed = time.perf_counter() - started
            written += len(batch)
            if bulk:
                bulk_seconds += elapsed
            else:
                timed_chunks, timed_seconds = timed_chunks + len(batch), timed_seconds + elapsed
        projected = timed_seconds * job.size * len(base) / max(timed_chunks, 1)
        report(write_s=projected, written=written, timed_chunks=timed_chunks, bulk_s=bulk_seconds)
    store.close()
    report(disk_mb=folder_bytes(settings.resolved_qdrant_path) / MB)


def _without_waiting_for_the_disk(store: QdrantDocumentStore) -> bool:
    """Let local mode's SQLite files commit without waiting for the disk (`PRAGMA synchronous=OFF`,
    for this connection only: the files are the same). False when the store is no local one."""
    local = getattr(getattr(store, "_client", None), "_client", None)
    collections = getattr(local, "collections", None)
    if not isinstance(collections, dict):
        return False
    for collection in collections.values():
        connection = getattr(getattr(collection, "storage", None), "storage", None)
        if connection is None:
            return False
        connection.execute("PRAGMA synchronous=OFF")
    return True


def _open(job: ScaleJob) -> tuple[QdrantDocumentStore, list[Query], float, float]:
    """Open the job's store as the API does; the queries, the seconds it took and the resident
    memory (MB) before."""
    queries: list[Query] = pickle.loads(job.queries_file.read_bytes())
    settings = store_settings(job)
    gc.collect()
    before = memory_mb()["rss"]
    reset_peak()
    started = time.perf_counter()
    store = open_document_store(settings, len(queries[0].dense))
    return store, queries, time.perf_counter() - started, before


def qdrant(job: ScaleJob, report: Report) -> None:
    store, queries, seconds, before = _open(job)
    memory = memory_mb()
    report(load_s=seconds, rss_mb=memory["rss"] - before, peak_mb=memory["peak"] - before)
    report(trimmed_mb=_trimmed(before))
    dense = QdrantEmbeddingRetriever(document_store=store, top_k=TOP_K)
    sparse = QdrantSparseEmbeddingRetriever(document_store=store, top_k=TOP_K)
    report(**timed("dense", [q.dense for q in queries], lambda v: dense.run(query_embedding=v), job.query_budget))
    report(**timed("sparse", [q.sparse for q in queries if q.sparse.indices],
                   lambda v: sparse.run(query_sparse_embedding=v), job.query_budget))
    store.close()


def memory(job: ScaleJob, report: Report) -> None:
    store, queries, opening, before = _open(job)
    opened = memory_mb()["rss"]
    started = time.perf_counter()
    everything = store.filter_documents()
    index = InMemoryVectorIndex(served_documents(everything))
    del everything
    gc.collect()
    reading = time.perf_counter() - started
    memory = memory_mb()
    report(load_s=opening + reading, open_s=opening, read_s=reading, rss_mb=memory["rss"] - before,
           peak_mb=memory["peak"] - before, scorer_mb=memory["rss"] - opened, served=len(index))
    report(trimmed_mb=_trimmed(before))
    _search_in_memory(index, queries, job, report)
    store.close()


def scorer(job: ScaleJob, report: Report) -> None:
    base: BaseChunks = pickle.loads(job.base_file.read_bytes())
    queries: list[Query] = pickle.loads(job.queries_file.read_bytes())
    gc.collect()
    before = memory_mb()["rss"]
    reset_peak()
    documents = [document for number in range(job.size) for document in variant_documents(base, number)]
    started = time.perf_counter()
    index = InMemoryVectorIndex(documents)  # from chunks with vectors as lists, as the store gives them
    del documents
    gc.collect()
    seconds = time.perf_counter() - started
    memory = memory_mb()
    report(load_s=seconds, rss_mb=memory["rss"] - before, peak_mb=memory["peak"] - before, served=len(index),
           matrices_mb=sum(a.nbytes for a in (index.dense, index.sparse.starts, index.sparse.rows, index.sparse.values)) / MB)
    report(trimmed_mb=_trimmed(before))
    _search_in_memory(index, queries, job, report)


def _trimmed(before: float) -> float:
    """Resident memory (MB, over `before`) once what Python freed is handed back to the system."""
    gc.collect()
    release_free_memory()
    return memory_mb()["rss"] - before


def _search_in_memory(index: InMemoryVectorIndex, queries: list[Query], job: ScaleJob, report: Report) -> None:
    dense = InMemoryEmbeddingRetriever(index, top_k=TOP_K)
    sparse = InMemorySparseEmbeddingRetriever(index, top_k=TOP_K)
    report(**timed("dense", [q.dense for q in queries], lambda v: dense.run(query_embedding=v), job.query_budget))
    report(**timed("sparse", [q.sparse for q in queries if q.sparse.indices],
                   lambda v: sparse.run(query_sparse_embedding=v), job.query_budget))


def timed(kind: str, vectors: list[Any], search: Callable[[Any], dict], budget: float) -> dict[str, float]:
    """p50 and p95 in ms of `search` over `vectors` (after WARM_UP unmeasured ones), and how many
    were timed: all, or as many as `budget` seconds allowed."""
    for vector in vectors[:WARM_UP]:
        search(vector)
    times: list[float] = []
    spent = 0.0
    for vector in vectors:
        started = time.perf_counter()
        search(vector)
        elapsed = time.perf_counter() - started
        times.append(elapsed * 1000)
        spent += elapsed
        if spent > budget:
            break
    times.sort()
    return {f"{kind}_p50_ms": percentile(times, 0.50), f"{kind}_p95_ms": percentile(times, 0.95), f"{kind}_n": len(times)}


STEPS: dict[str, Callable[[ScaleJob, Report], None]] = {"write": write, "qdrant": qdrant, "memory": memory, "scorer": scorer}


def run(step: str, job: ScaleJob, report: Report) -> None:
    # qdrant-client's own warnings (payload indexes do nothing in local mode; local mode is not
    # meant for more than 20,000 points) would interleave with the progress lines
    warnings.filterwarnings("ignore", message="Payload indexes have no effect in the local Qdrant")
    warnings.filterwarnings("ignore", message="Local mode is not recommended for collections with more than")
    STEPS[step](job, report)

