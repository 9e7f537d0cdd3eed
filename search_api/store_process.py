"""The service's writer process: the embedded store is opened, written, closed and read for its
snapshot here, so the service itself never loads qdrant-client nor local mode's copy of every
point (about 140 MB that a process keeps once it has written to the store).

`search_api.store_writer.StoreWriter` starts it (`python -m search_api.store_process`) when there
is something to write and sends it one call at a time, in the order of the saves, as pickles on
its standard input: `("apply", PendingWrites)` writes a save and keeps the store open for the
next one, `("finish", None)` closes the store, writes the snapshot and ends the process. Each call
is answered on standard output with `(True, result)` or `(False, "what went wrong")`; anything the
libraries print goes to standard error, the service's log.

Several services may serve one store, each with a writer process of its own; one at a time has
the store open (`kb.store_files.write_turn`). One that waits for its service's next save closes
the store as soon as another is waiting, and opens it again, in line, for that next save.
"""

from __future__ import annotations

import os
import pickle
import select
import sys
from contextlib import ExitStack
from typing import IO, TYPE_CHECKING, Any

from kb.environment import apply_defaults, without_unused_libraries

if TYPE_CHECKING:  # imported by `main` once the libraries a service never needs are refused
    from haystack_integrations.document_stores.qdrant import QdrantDocumentStore

    from indexer.indexing import PendingWrites
    from kb.settings import Settings

#: How often a writer that holds the store between saves looks whether another is waiting for it
WAITING_CHECK_SECONDS = 0.1


class StoreProcess:
    """The store of `settings`, held by the service that started this process."""

    def __init__(self, settings: Settings, dimension: int) -> None:
        from kb.store_files import write_for_service

        write_for_service(settings)
        self.settings = settings
        self.dimension = dimension
        self.store: QdrantDocumentStore | None = None
        self._turn = ExitStack()  # holds this process's turn while the store is open

    def _open(self) -> QdrantDocumentStore:
        from kb.store import open_document_store

        return open_document_store(self.settings, self.dimension)

    def apply(self, pending: PendingWrites) -> None:
        """Write a save's chunks and delete its old ones; the store stays open for the next save."""
        if self.store is None:
            from kb.store_files import write_turn

            self._turn.enter_context(write_turn(self.settings))
            self.store = self._open()
        pending.apply(self.store)

    def give_way(self) -> None:
        """Close the store if another service's writer waits for it (opened again by `apply`)."""
        from kb.store_files import others_waiting

        if self.store is not None and others_waiting(self.settings):
            self.close()

    def close(self) -> None:
        store, self.store = self.store, None
        try:
            if store is not None:
                store.close()
        finally:
            self._turn.close()

    def finish(self) -> int:
        """Close the store and write its snapshot from the store opened afresh
        (`ChunkSnapshot.take`): the number of chunks in it."""
        from kb.store_files import write_turn
        from search_api.chunk_snapshot import ChunkSnapshot

        self.close()
        with write_turn(self.settings):
            return len(ChunkSnapshot(self.settings).take(self._open))


def serve(calls: IO[bytes], answers: IO[bytes]) -> None:
    """Answer the calls on `calls` until `finish` or the end of the input."""
    settings, dimension = pickle.load(calls)
    process = StoreProcess(settings, dimension)
    while True:
        # Between saves, with the store open: give it up when another writer waits. A call is
        # read whole once it starts (the service sends one and waits for its answer).
        while process.store is not None and not select.select([calls], [], [], WAITING_CHECK_SECONDS)[0]:
            process.give_way()
        try:
            name, argument = pickle.load(calls)
        except EOFError:  # the service stopped it without finishing (a write failed), or is gone
            process.close()
            return
        try:
            result: Any = None
            if name == "finish":
                result = process.finish()
            else:
                process.apply(argument)
            answer: tuple[bool, Any] = (True, result)
        except Exception as exc:  # noqa: BLE001 - reported to the service, which logs it
            answer = (False, f"{type(exc).__name__}: {exc}")
        pickle.dump(answer, answers)
        answers.flush()
        if name == "finish":
            return


def main() -> None:
    apply_defaults()
    without_unused_libraries()
    answers = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())  # a library's print must not mix with the answers
    serve(sys.stdin.buffer, answers)


if __name__ == "__main__":
    main()
