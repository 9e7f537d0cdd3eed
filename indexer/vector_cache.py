"""The passage vectors computed before, by the text they were computed from.

Embedding is what an index run spends its time on: about 42 million operations per token, some
100 seconds for the 4,235 chunks of the knowledge base on two cores. An article that is saved
again mostly has the same chunks (one section changed), and a rebuild (a new collection, another
Qdrant) has all of them. So every passage vector is kept in a small SQLite file in the data folder
(`passage-vectors.sqlite`, about 1.6 KB per chunk), by the SHA-256 of the model, the passage
prefix and the chunk's text: only a chunk whose text is new to the model is embedded.
`CachedDocumentEmbedder` wraps the document embedder as a Haystack component with the same `run`.
A full run keeps only the vectors of the chunks it indexed (`retain`).
"""

from __future__ import annotations

import hashlib
import sqlite3
import threading
from dataclasses import replace
from pathlib import Path

import numpy as np
from haystack import Document, component

FILE_NAME = "passage-vectors.sqlite"


class PassageVectorCache:
    def __init__(self, path: Path, model: str, prefix: str) -> None:
        self.path = path
        self.model, self.prefix = model, prefix
        self._lock = threading.Lock()
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, timeout=30, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("CREATE TABLE IF NOT EXISTS vectors (key BLOB PRIMARY KEY, vector BLOB NOT NULL)")

    def key(self, text: str) -> bytes:
        return hashlib.sha256(f"{self.model}\n{self.prefix}\n{text}".encode()).digest()

    def get_many(self, keys: list[bytes]) -> dict[bytes, np.ndarray]:
        found: dict[bytes, np.ndarray] = {}
        with self._lock:
            for start in range(0, len(keys), 500):
                batch = keys[start : start + 500]
                rows = self._db.execute(
                    f"SELECT key, vector FROM vectors WHERE key IN ({','.join('?' * len(batch))})", batch
                ).fetchall()
                found.update((key, np.frombuffer(vector, dtype=np.float32)) for key, vector in rows)
        return found

    def put_many(self, vectors: dict[bytes, np.ndarray]) -> None:
        with self._lock:
            self._db.executemany(
                "INSERT OR REPLACE INTO vectors (key, vector) VALUES (?, ?)",
                [(key, np.asarray(vector, dtype=np.float32).tobytes()) for key, vector in vectors.items()],
            )

    def retain(self, texts: list[str]) -> int:
        """Forget every vector but those of `texts`; returns how many were forgotten."""
        wanted = {self.key(text) for text in texts}
        with self._lock:
            stale = [(key,) for (key,) in self._db.execute("SELECT key FROM vectors") if key not in wanted]
            self._db.executemany("DELETE FROM vectors WHERE key = ?", stale)
        return len(stale)

    def __len__(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT count(*) FROM vectors").fetchone()[0])

    def close(self) -> None:
        with self._lock:
            self._db.close()


@component
class CachedDocumentEmbedder:
    """`embedder` (a Haystack document embedder), asked only for the chunks `cache` lacks."""

    def __init__(self, embedder, cache: PassageVectorCache) -> None:
        self.embedder = embedder
        self.cache = cache
        self.prefix = embedder.prefix
        self.embedded = 0  # chunks embedded by the model (the others came from the cache)
        self._counting = threading.Lock()  # `kb index` runs several batches at once

    def warm_up(self) -> None:
        self.embedder.warm_up()

    @component.output_types(documents=list[Document])
    def run(self, documents: list[Document]) -> dict[str, list[Document]]:
        keys = [self.cache.key(document.content or "") for document in documents]
        known = self.cache.get_many(keys)
        missing = [document for document, key in zip(documents, keys) if key not in known]
        if missing:
            computed = self.embedder.run(documents=missing)["documents"]
            new = {self.cache.key(document.content or ""): np.asarray(document.embedding, dtype=np.float32)
                   for document in computed}
            self.cache.put_many(new)
            known.update(new)
            with self._counting:
                self.embedded += len(missing)
        return {"documents": [replace(document, embedding=known[key].tolist()) for document, key in zip(documents, keys)]}


def cached_embedder(embedder, data_dir: Path, model: str) -> CachedDocumentEmbedder:
    """`embedder` with the vectors kept in `data_dir`."""
    return CachedDocumentEmbedder(embedder, PassageVectorCache(data_dir / FILE_NAME, model, embedder.prefix))
