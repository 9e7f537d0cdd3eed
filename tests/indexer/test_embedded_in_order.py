"""The order and the stop of `embedded_in_order` (the model side is tested in test_indexing)."""

import threading
import time

import pytest
from haystack import Document

from indexer.indexing import embedded_in_order


class SlowEmbedder:
    """Gives each document its batch's number as vector; the first batches take longest."""

    def __init__(self) -> None:
        self.started: list[int] = []
        self.running = 0
        self.most_at_once = 0
        self._lock = threading.Lock()

    def run(self, documents: list[Document]) -> dict[str, list[Document]]:
        number = int(documents[0].content or "0")
        with self._lock:
            self.started.append(number)
            self.running += 1
            self.most_at_once = max(self.most_at_once, self.running)
        time.sleep(0.02 if number < 2 else 0.001)
        with self._lock:
            self.running -= 1
        return {"documents": [Document(content=d.content, embedding=[float(number)]) for d in documents]}


def batches(count: int) -> list[list[Document]]:
    return [[Document(content=str(number))] for number in range(count)]


@pytest.mark.parametrize("workers", [1, 2, 3])
def test_batches_come_back_in_the_order_given(workers):
    embedder = SlowEmbedder()
    embedded = list(embedded_in_order(embedder, batches(8), workers))
    assert [batch[0].embedding for batch in embedded] == [[float(number)] for number in range(8)]
    assert embedder.most_at_once <= workers


def test_a_caller_that_stops_early_leaves_the_batches_not_started():
    embedder = SlowEmbedder()
    for embedded in embedded_in_order(embedder, batches(40), workers=2):
        assert embedded[0].embedding == [0.0]
        break  # as when writing the batch to the store fails
    assert len(embedder.started) <= 4
