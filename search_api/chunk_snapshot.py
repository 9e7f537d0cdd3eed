"""Every chunk of the embedded store in one file, so that the service starts and serves without
holding Qdrant's local mode open.

Local mode reads every point of the collection into Python objects when it opens: 0.35 s, then
0.2 s to hand them over as documents, and about 70 MB for as long as it is open, for 4,235
chunks. The service scores searches from its own arrays (`search_api.memory_index`), so it needs
the store only to write what an editor saves (`search_api.store_writer`). It starts from this file.

The file (`<data dir>/served-chunks.npz`) holds the chunks exactly as the store returns them
(content, meta, dense and sparse vectors; equal bit for bit, tested), and the sizes and
modification times of the store's files when it was written. The service writes it after every
change it makes to the index, and `kb index` after every run (`ChunkSnapshot.take`). A store
that changed otherwise (a restored copy) no longer matches, and the service reads the store itself
and writes the file anew. It is written whole or not at all (`kb.private_files`), so a reader sees
one whole file or the other.
"""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Callable
from contextlib import suppress
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from haystack import Document
from haystack.dataclasses import SparseEmbedding

from kb.private_files import write_private_bytes
from kb.settings import Settings
from kb.store_files import LOCK_FILES
from search_api.scored import with_compact_vector, with_fields

if TYPE_CHECKING:
    from haystack_integrations.document_stores.qdrant import QdrantDocumentStore

log = logging.getLogger(__name__)

SNAPSHOT_FILE = "served-chunks.npz"
#: Files of the store folder that say nothing about its content
_NOT_CONTENT = set(LOCK_FILES)
_TEMPLATE = Document(content="")


def store_state(folder: Path) -> str:
    """The store's files, their sizes and modification times: changes whenever anything writes to it."""
    if not folder.is_dir():
        return "[]"
    files = []
    for path in sorted(folder.rglob("*")):
        if path.is_file() and path.name not in _NOT_CONTENT:
            status = path.stat()
            files.append([path.relative_to(folder).as_posix(), status.st_size, status.st_mtime_ns])
    return json.dumps(files)


def write_snapshot(path: Path, documents: list[Document], state: str) -> bool:
    """Write `documents` (every chunk, each with both vectors) for a store in `state`. False, and a
    warning in the log, when the file cannot be written (a full disk, a read-only folder): the
    service serves on, and its next start reads the store itself."""
    try:
        if not documents:
            path.unlink(missing_ok=True)
            return True
        _write(path, documents, state)
        return True
    except OSError as exc:
        log.warning("The snapshot of the served chunks is not written (%s); the next start reads the store", exc)
        return False


def _write(path: Path, documents: list[Document], state: str) -> None:
    sparse = [doc.sparse_embedding for doc in documents]
    arrays = io.BytesIO()
    np.savez(
        arrays,
        state=np.frombuffer(state.encode("utf-8"), dtype=np.uint8),
        text=np.frombuffer(json.dumps([[doc.id, doc.content, doc.meta] for doc in documents],
                                      ensure_ascii=False).encode("utf-8"), dtype=np.uint8),
        dense=np.stack([np.asarray(doc.embedding, dtype=np.float32) for doc in documents]),
        lengths=np.asarray([len(vector.indices) if vector is not None else -1 for vector in sparse], dtype=np.int64),
        indices=np.asarray([i for vector in sparse if vector is not None for i in vector.indices], dtype=np.int64),
        values=np.asarray([v for vector in sparse if vector is not None for v in vector.values], dtype=np.float64),
    )
    write_private_bytes(path, arrays.getvalue())


def read_snapshot(path: Path, state: str) -> list[Document] | None:
    """The chunks of the snapshot, or None when there is none or it was written for another state
    of the store (or cannot be read: the store is read instead, and the file written anew)."""
    if not path.is_file():
        return None
    try:
        with np.load(path) as arrays:  # each array is read when asked for: the state first
            if not _written_for(arrays, state):
                return None
            chunks = json.loads(arrays["text"].tobytes().decode("utf-8"))
            dense, lengths = arrays["dense"], arrays["lengths"].tolist()
            indices, values = arrays["indices"].tolist(), arrays["values"].tolist()
    except (OSError, ValueError, KeyError, json.JSONDecodeError) as exc:
        log.warning("Reading the index itself: %s cannot be read (%s)", path, exc)
        return None
    documents = []
    start = 0
    for row, ((chunk_id, content, meta), length) in enumerate(zip(chunks, lengths, strict=True)):
        sparse = None
        if length >= 0:
            sparse = SparseEmbedding(indices=indices[start : start + length], values=values[start : start + length])
            start += length
        documents.append(with_fields(_TEMPLATE, id=chunk_id, content=content, meta=meta, embedding=dense[row],
                                     sparse_embedding=sparse))
    return documents


def _written_for(arrays, state: str) -> bool:
    return arrays["state"].tobytes().decode("utf-8") == state


def snapshot_is_current(path: Path, state: str) -> bool:
    """Whether the snapshot at `path` was written for a store in `state` (its chunks not read)."""
    try:
        with np.load(path) as arrays:
            return _written_for(arrays, state)
    except (OSError, ValueError, KeyError):
        return False


def read_store(store) -> list[Document]:
    """Every chunk of an open store, its dense vector as a float32 array."""
    read = store.filter_documents()
    documents = [with_compact_vector(doc) for doc in read]
    del read  # the lists of floats go before the next step allocates
    return documents


class ChunkSnapshot:
    """The snapshot of a service's embedded store (`<data dir>/served-chunks.npz`)."""

    def __init__(self, settings: Settings) -> None:
        self.path = settings.data_dir / SNAPSHOT_FILE
        self.store_folder = settings.resolved_qdrant_path

    @classmethod
    def of(cls, settings: Settings) -> ChunkSnapshot | None:
        """The snapshot the service serves from: with the in-memory scorer on the embedded store
        (None with the Qdrant retrievers or a Qdrant server, which search the store itself)."""
        if settings.qdrant_url or settings.resolved_retrieval_backend != "memory":
            return None
        return cls(settings)

    def read(self) -> list[Document] | None:
        """The chunks, while the store is as it was when they were written."""
        return read_snapshot(self.path, store_state(self.store_folder))

    def current(self) -> bool:
        """Whether `read` would return the chunks (without reading them)."""
        return snapshot_is_current(self.path, store_state(self.store_folder))

    def write(self, documents: list[Document]) -> bool:
        """Keep `documents`, every chunk of the store as it is now (closed)."""
        return write_snapshot(self.path, documents, store_state(self.store_folder))

    def take(self, open_store: Callable[[], QdrantDocumentStore]) -> list[Document]:
        """Read every chunk from the store, opened for this and closed again, and keep them.
        Opened afresh because local mode returns a vector written in the same session divided by
        its length, and one read from disk as it was written: as the engine keeps a chunk it wrote."""
        store = open_store()
        try:
            documents = read_store(store)
        finally:
            store.close()
        self.write(documents)
        return documents

    def remove(self) -> None:
        with suppress(OSError):
            self.path.unlink(missing_ok=True)
