"""Writing saved articles to the embedded store after they are searchable.

Opening the store (qdrant-client local mode) reads every point into Python objects: 0.35 s for
4,235 chunks, more than embedding a saved article. So a save is served first (the engine updates
its own copy of the chunks) and written here after, on one thread, in the order of the saves. The
store stays open while saves keep coming and is closed once none came for `store_idle_seconds`;
then the snapshot of the chunks (`search_api.chunk_snapshot`) is written for the store as it is.
Anything else that opens the store waits for `flush` first.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

from haystack import Document

from indexer.indexing import PendingWrites
from kb.environment import release_free_memory
from search_api.chunk_snapshot import ChunkSnapshot

if TYPE_CHECKING:
    from haystack_integrations.document_stores.qdrant import QdrantDocumentStore

log = logging.getLogger(__name__)


class StoreWriter:
    def __init__(self, open_store: Callable[[], QdrantDocumentStore], snapshot: ChunkSnapshot, idle_seconds: float) -> None:
        self._open_store = open_store
        self._snapshot = snapshot
        self._idle_seconds = idle_seconds
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="store-writer")
        self._store: QdrantDocumentStore | None = None  # open between saves
        self._written: list[Document] | None = None  # every chunk, as the open store now holds them
        self._idle: threading.Timer | None = None

    def submit(self, pending: PendingWrites, everything: list[Document]) -> None:
        """Write a save's changes; `everything`: every chunk as served after it."""
        self._thread.submit(self._write, pending, everything)

    def flush(self) -> None:
        """Return once every save is written and the store is closed (the snapshot written)."""
        self._thread.submit(self._close_store).result()

    def close(self) -> None:
        if self._idle is not None:
            self._idle.cancel()
        self.flush()
        self._thread.shutdown()

    def _write(self, pending: PendingWrites, everything: list[Document]) -> None:
        try:
            if self._store is None:
                self._store = self._open_store()
            pending.apply(self._store)
            self._written = everything
        except Exception:  # searches have the saved version; a restart would not
            self._close_store(snapshot=False)
            self._snapshot.remove()  # so a restart reads the store itself
            articles = ", ".join(sorted({str(doc.meta.get("article_id")) for doc in pending.written}))
            log.exception("Writing the saved articles %s to the store failed; a full re-index "
                          "(`kb index --via-api`) writes them", articles)
            return
        if self._idle is not None:
            self._idle.cancel()
        self._idle = threading.Timer(self._idle_seconds, self._close_when_idle)
        self._idle.daemon = True
        self._idle.start()

    def _close_when_idle(self) -> None:
        try:
            self._thread.submit(self._close_store)  # after any write still queued
        except RuntimeError:  # shut down meanwhile
            pass

    def _close_store(self, *, snapshot: bool = True) -> None:
        store, self._store = self._store, None
        written, self._written = self._written, None
        if store is None:
            return
        store.close()
        release_free_memory()  # local mode's copy of every point, just freed
        if snapshot and written is not None:
            self._snapshot.write(written)
