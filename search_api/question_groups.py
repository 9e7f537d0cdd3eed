"""Logged questions grouped by meaning: near-duplicates ("paspoort verlengen", "hoe kan ik mijn
paspoort verlengen", "paspoord verlengen") become one group, named by its most asked phrasing.

The questions are embedded with the query embedder searches use (the model's query prefix, unit
vectors), and kept in a small cache per normalised text, so that the next look at an overlapping
period embeds only the questions it has not seen. Grouping is greedy leader clustering: in order of
how often they were asked, a question joins the most similar group leader when the cosine is at
least `SIMILARITY`, else it leads a group of its own. The leader is thus the group's most asked
question, and a question is never grouped with another just through a chain of neighbours.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence

import numpy as np

from kb.embedding import TextEmbedder
from kb.onnx_embedder import OnnxTextEmbedder

#: The cosine from which two questions count as the same question. Picked on logged-style
#: phrasings with the packaged multilingual e5 (December 2026): paraphrases and typos score
#: 0.962-0.998 ("grofvuil ophalen" / "grofvuil laten ophalen" 0.993, "paspoort verlengen" / "hoe kan
#: ik mijn paspoort verlengen" 0.978, "paspoord verlengen" / "paspoort verlengen" 0.968,
#: "openingstijden gemeentehuis" / "wanneer is het gemeentehuis open" 0.963), while questions about
#: another product score just below: "mijn paspoort is verlopen" / "mijn idkaart is verlopen"
#: 0.956, "hondenbelasting" / "hondenbelasting afmelden" 0.956, "paspoort verlengen" / "rijbewijs
#: verlengen" 0.921. A wrong merge hides a question from the editors, a missed one only shows
#: two rows: the threshold errs on the side of keeping questions apart.
SIMILARITY = 0.96
BATCH = 32
MAX_CHARS = 300  # a long story is embedded by its start: it is rarely asked twice anyway

Embed = Callable[[list[str]], np.ndarray]


def batch_embedder(embedder: TextEmbedder) -> Embed:
    """Texts -> their question vectors (one row each), in length-sorted batches with ONNX."""
    prefix = embedder.prefix

    def embed(texts: list[str]) -> np.ndarray:
        if isinstance(embedder, OnnxTextEmbedder):
            order = sorted(range(len(texts)), key=lambda index: len(texts[index]))
            vectors = np.zeros((len(texts), embedder.dimension or 0), dtype=np.float32)
            for start in range(0, len(order), BATCH):
                batch = order[start : start + BATCH]
                vectors[batch] = embedder.session.embed_batch([prefix + texts[index] for index in batch])
            return vectors
        return np.asarray([embedder.run(text=text)["embedding"] for text in texts], dtype=np.float32)

    return embed


class QuestionVectors:
    """Unit vectors of normalised questions, the `capacity` most recently used kept in memory."""

    def __init__(self, embed: Embed, *, model: str = "", capacity: int = 20_000):
        self._embed = embed
        self.model = model
        self.capacity = capacity
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()
        self.embedded = 0  # texts embedded so far (not found in the cache)

    def __len__(self) -> int:
        return len(self._cache)

    def __call__(self, texts: Sequence[str]) -> np.ndarray:
        with self._lock:
            missing = list(dict.fromkeys(text for text in texts if text not in self._cache))
        if missing:
            vectors = self._embed([text[:MAX_CHARS] for text in missing]).astype(np.float32)
            vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
            with self._lock:
                self.embedded += len(missing)
                self._cache.update(zip(missing, vectors))
        with self._lock:
            found = []
            for text in texts:
                self._cache.move_to_end(text)
                found.append(self._cache[text])
            while len(self._cache) > self.capacity:
                self._cache.popitem(last=False)
        return np.stack(found) if found else np.zeros((0, 0), dtype=np.float32)


def leader_groups(vectors: np.ndarray, threshold: float = SIMILARITY) -> list[list[int]]:
    """Rows of `vectors` (unit length, most asked first) grouped: each group's row numbers, its
    leader first; groups in the order of their leaders."""
    groups: list[list[int]] = []
    leaders = np.zeros_like(vectors)  # the leaders' vectors, in the order of `groups`
    for row, vector in enumerate(vectors):
        if groups:
            similarities = leaders[: len(groups)] @ vector
            best = int(np.argmax(similarities))
            if similarities[best] >= threshold:
                groups[best].append(row)
                continue
        leaders[len(groups)] = vector
        groups.append([row])
    return groups
