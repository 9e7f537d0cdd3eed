"""Answers to repeated questions without searching again.

A bounded cache (least recently used out first) of question → response, for the questions
citizens ask over and over. The key is the question exactly as it is searched (spaces collapsed
by `deps.valid_query`; case and punctuation kept, as they can change the answer), with the number
of results, the view (public or staff) and the chosen department. Every entry carries the
generation of the index and the fitted models it was computed with: a re-index or new fitted
models start a new generation, so an answer computed before is never served after (also not one
that finished while the re-index ran). A question with personal data in it (`privacy.redact`
changes it) is not kept. The cache lives in the process's memory only.
"""

from __future__ import annotations

import threading
from typing import Generic, TypeVar

from cachetools import Cache, LRUCache

from search_api.privacy import redact

Value = TypeVar("Value")
Key = tuple[str, int, bool, str | None]


class ResponseCache(Generic[Value]):
    def __init__(self, size: int) -> None:
        self.size = size
        self._entries: LRUCache[Key, tuple[int, Value]] = LRUCache(maxsize=max(size, 1))
        self._lock = threading.Lock()
        self.generation = 0
        self.hits = 0
        self.misses = 0

    def new_generation(self) -> None:
        """What searches read changed (a re-index, other fitted models): forget every answer."""
        with self._lock:
            self.generation += 1
            self._entries.clear()

    def get(self, key: Key) -> Value | None:
        if not self.size:
            return None
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None and entry[0] == self.generation:
                self.hits += 1
                return entry[1]
            self.misses += 1
            return None

    def __contains__(self, key: object) -> bool:
        """Whether `get` would answer `key`, without counting it or moving it up."""
        if not self.size:
            return False
        with self._lock:
            if key not in self._entries:
                return False
            generation, _ = Cache.__getitem__(self._entries, key)  # type: ignore[misc]  # the base class's lookup keeps the order
            return generation == self.generation

    def put(self, key: Key, value: Value, generation: int) -> None:
        """Keep `value`, computed in `generation` (read before the search started)."""
        if not self.size or redact(key[0]) != key[0]:
            return
        with self._lock:
            if generation == self.generation:
                self._entries[key] = (generation, value)

    def __len__(self) -> int:
        return len(self._entries)
