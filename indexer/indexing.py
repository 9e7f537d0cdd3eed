"""Incremental indexing: embed and write only the articles whose fingerprint changed.

New chunks are written before the old ones are deleted (their ids contain the fingerprint),
so a running search never sees an article disappear while it is being re-indexed.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from haystack import Document
from haystack.document_stores.types import DuplicatePolicy
from haystack_integrations.document_stores.qdrant import QdrantDocumentStore

from indexer.chunking import article_documents, article_fingerprint
from kb.articles import Article
from kb.embedding import DocumentEmbedder
from kb.sparse import DutchSparseDocumentEmbedder

EMBED_BATCH = 32
ProgressCallback = Callable[[int, int], None]  # (chunks done, chunks total)


_sparse = DutchSparseDocumentEmbedder()


@dataclass
class IndexReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: int = 0
    chunks_written: int = 0
    chunks_deleted: int = 0
    seconds: float = 0.0

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.removed)

    def summary(self) -> str:
        return (
            f"{len(self.added)} added, {len(self.updated)} updated, {len(self.removed)} removed, "
            f"{self.unchanged} unchanged; {self.chunks_written} chunks embedded in {self.seconds:.1f} s"
        )


def indexed_articles(store: QdrantDocumentStore) -> dict[str, dict[str, list[str]]]:
    """article id -> fingerprint -> ids of its stored chunks."""
    found: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for document in store.filter_documents():
        meta = document.meta
        found[meta["article_id"]][meta.get("fingerprint", "")].append(document.id)
    return found


def index_articles(
    articles: Iterable[Article],
    store: QdrantDocumentStore,
    embedder: DocumentEmbedder,
    *,
    model_name: str,
    passage_prefix: str,
    keep_ids: Iterable[str] = (),
    only_ids: Iterable[str] | None = None,
    progress: ProgressCallback | None = None,
) -> IndexReport:
    """Bring the store in line with `articles`.

    keep_ids: article ids whose file exists but could not be parsed; their indexed version is
    kept rather than deleted. only_ids: restrict the run to these articles (editor saves one).
    """
    started = time.perf_counter()
    report = IndexReport()
    articles = list(articles)
    only = set(only_ids) if only_ids is not None else None
    existing = indexed_articles(store)

    to_write: list[Document] = []
    stale_ids: list[str] = []
    for article in articles:
        if only is not None and article.id not in only:
            continue
        fingerprint = article_fingerprint(article, model_name, passage_prefix)
        stored = existing.get(article.id, {})
        if set(stored) == {fingerprint}:
            report.unchanged += 1
            continue
        (report.updated if stored else report.added).append(article.id)
        to_write.extend(article_documents(article, fingerprint))
        stale_ids.extend(doc_id for fp, ids in stored.items() if fp != fingerprint for doc_id in ids)

    present = {article.id for article in articles} | set(keep_ids)
    for article_id, stored in existing.items():
        if article_id not in present and (only is None or article_id in only):
            report.removed.append(article_id)
            stale_ids.extend(doc_id for ids in stored.values() for doc_id in ids)

    if progress:
        progress(0, len(to_write))
    for start in range(0, len(to_write), EMBED_BATCH):
        batch = to_write[start : start + EMBED_BATCH]
        embedded = embedder.run(documents=batch)["documents"]
        embedded = _sparse.run(documents=embedded)["documents"]
        store.write_documents(embedded, policy=DuplicatePolicy.OVERWRITE)
        report.chunks_written += len(embedded)
        if progress:
            progress(report.chunks_written, len(to_write))
    if stale_ids:
        store.delete_documents(stale_ids)
        report.chunks_deleted = len(stale_ids)
    report.seconds = time.perf_counter() - started
    return report
