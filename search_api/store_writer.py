"""Writing saved articles to the embedded store after they are searchable, in a process of its own.

Opening the store (qdrant-client local mode) reads every point into Python objects: 0.35 s for
4,235 chunks, more than embedding a saved article, and a process that did so keeps qdrant-client,
scipy.optimize and most of that memory for good (about 140 MB). So a save is served first (the
engine updates its own copy of the chunks), and its writes go to a writer process
(`search_api.store_process`), started when there is something to write, in the order of the
saves. The store stays open there while saves keep coming; once none came for
`store_idle_seconds`, the process closes it, writes the snapshot of the chunks
(`search_api.chunk_snapshot`) and ends. Anything else that opens the store waits for `flush` first.
"""

from __future__ import annotations

import logging
import pickle
import subprocess
import sys
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from indexer.indexing import PendingWrites
from kb.settings import Settings
from search_api.chunk_snapshot import ChunkSnapshot

log = logging.getLogger(__name__)


class StoreProcessError(RuntimeError):
    """The writer process reported a failure, or ended without answering."""


class StoreWriter:
    def __init__(self, settings: Settings, dimension: int, snapshot: ChunkSnapshot) -> None:
        self._settings = settings
        self._dimension = dimension
        self._snapshot = snapshot
        self._idle_seconds = settings.store_idle_seconds
        # Orders the calls to the process and waits for their answers, so a save returns at once
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="store-writer")
        self._process: subprocess.Popen[bytes] | None = None  # running between saves
        self._idle: threading.Timer | None = None

    def submit(self, pending: PendingWrites, then: Callable[[], None] | None = None) -> None:
        """Write a save's changes (in the background, after the saves before it), then call `then`."""
        if pending.written or pending.deleted:
            self._thread.submit(self._write, pending, then)
        elif then is not None:
            then()

    def flush(self) -> None:
        """Return once every save is written and the store is closed (the snapshot written)."""
        self._thread.submit(self._close_store).result()

    def take(self) -> Future[int | None]:
        """Have the store read and its snapshot written (after every save before): the number of
        chunks in the store, or None when that failed, when done."""
        return self._thread.submit(self._close_store, always=True)

    def close(self) -> None:
        if self._idle is not None:
            self._idle.cancel()
        self.flush()
        self._thread.shutdown()

    def _call(self, name: str, argument: Any = None) -> Any:
        if self._process is None:
            # A session of its own: Ctrl+C in a terminal stops the service, which then lets the
            # writer finish; the writer ends by itself when the service is gone (its input closes)
            self._process = subprocess.Popen(
                [sys.executable, "-m", "search_api.store_process"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                start_new_session=True,
            )
            self._send((self._settings, self._dimension))
        self._send((name, argument))
        assert self._process.stdout is not None
        try:
            done, result = pickle.load(self._process.stdout)
        except EOFError:
            raise StoreProcessError(f"the writer process ended (exit status {self._process.wait()})") from None
        if not done:
            raise StoreProcessError(result)
        return result

    def _send(self, message: object) -> None:
        assert self._process is not None and self._process.stdin is not None
        try:
            pickle.dump(message, self._process.stdin)
            self._process.stdin.flush()
        except BrokenPipeError:
            raise StoreProcessError(f"the writer process ended (exit status {self._process.wait()})") from None

    def _write(self, pending: PendingWrites, then: Callable[[], None] | None = None) -> None:
        try:
            self._call("apply", pending)
        except StoreProcessError as exc:  # searches have the saved version; a restart would not
            self._stop()
            self._snapshot.remove()  # so a restart reads the store itself
            articles = ", ".join(sorted({str(doc.meta.get("article_id")) for doc in pending.written}))
            log.error("Writing the saved articles %s to the store failed (%s); a full re-index "
                      "(`kb index --via-api`) writes them", articles, exc)
            return
        if then is not None:
            then()
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

    def _close_store(self, *, always: bool = False) -> int | None:
        """Have the writer process close the store, write its snapshot and end: when it runs (it
        wrote something), or `always`. The number of chunks in the store."""
        if self._process is None and not always:
            return None
        try:
            return int(self._call("finish"))
        except StoreProcessError as exc:
            self._snapshot.remove()  # so a restart reads the store itself
            log.error("Closing the store and writing its snapshot failed (%s); the next start reads the store", exc)
            return None
        finally:
            self._stop()

    def _stop(self) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        assert process.stdin is not None and process.stdout is not None
        process.stdin.close()  # a process still waiting for a call ends
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        process.stdout.close()
