"""The question memory: is a question nearer to the labelled questions we cover than to the
off-topic ones?

The in-scope model (`search_api.routing`) judges a question by what retrieval found for it: the
best cosine, the best BM25 score, its length and the learned ranking's confidence. Those signals
cannot tell a short everyday phrase we cover ("kind luistert niet meer", "nagelstudio in mijn
woning") from one we do not ("waterschapsbelasting te hoog", "visvergunning kopen"): both match
some chunk about as well. What tells them apart is what the question is about, which the
question vector itself carries. So the vectors of the labelled dev questions are kept, covered
and off-topic, and how much nearer a question is to its nearest covered ones than to its nearest
off-topic ones is a signal of the in-scope model.

It is fitted with the router (`eval.run.fit_memory`, saved in `eval/fitted/memory.npz`), and the
evaluation scores every question with a memory that does not hold it (`eval.run.out_of_fold`).
A logistic regression on the question vector beside it (a scope model, November 2026) added
less than a point on the blind sets once the memory was there (`kb ablation`, December 2026:
without it routing held out unchanged, all blind -0.8 points; off-topic rejection +2.5 and +1.0).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

#: How many nearest labelled questions of each kind `QuestionMemory.margin` averages. Chosen out of
#: fold on the dev questions (November 2026; off-topic rejection 0.92 while telling 4.7 / 4.5 / 4.6 /
#: 4.6% of the covered questions "geen informatie" for 1 / 2 / 3 / 5 neighbours, 6.1% without).
NEIGHBOURS = 2


@dataclass(frozen=True, eq=False)
class QuestionMemory:
    """The vectors of the labelled questions the router was fitted on, covered and off-topic,
    L2-normalised and kept as float16 (`eval/fitted/memory.npz`, about 0.8 KB per question).

    Its signal (`margin`) is how much nearer a question is to the questions we cover than to the
    off-topic ones. One hyperplane through the vector space would average away the local detail
    the nearest questions see: "mijn moeder is overleden" is in scope
    and "mijn vader is overleden, wie regelt het testament" is not. Measured (November 2026, 3 x
    5-fold on the dev questions, the in-scope models refitted with it as a sixth signal): AUC
    0.968 -> 0.977 (held out 0.962 -> 0.977); at the threshold that rejects 92% of the off-topic
    dev questions, covered questions told "geen informatie" 6.1% -> 4.5% (held out 5.5% -> 4.1%,
    with off-topic rejection 0.837 -> 0.898)."""

    covered: np.ndarray  # float16, one L2-normalised row per question
    off_topic: np.ndarray
    neighbours: int = NEIGHBOURS

    def __post_init__(self) -> None:
        for name in ("covered", "off_topic"):
            vectors = getattr(self, name)
            if vectors.ndim != 2 or vectors.shape[1] != self.covered.shape[1] or vectors.dtype != np.float16:
                raise ValueError(f"memory.{name} must be rows of float16 numbers of one length")

    @classmethod
    def from_vectors(cls, covered: np.ndarray, off_topic: np.ndarray, neighbours: int = NEIGHBOURS) -> QuestionMemory:
        def unit(vectors: np.ndarray) -> np.ndarray:
            vectors = np.asarray(vectors, dtype=np.float32)
            return (vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)).astype(np.float16)

        return cls(covered=unit(covered), off_topic=unit(off_topic), neighbours=neighbours)

    @property
    def dimensions(self) -> int:
        return int(self.covered.shape[1])

    @cached_property
    def _vectors(self) -> tuple[np.ndarray, np.ndarray]:  # float32 for the products, converted once
        return self.covered.astype(np.float32), self.off_topic.astype(np.float32)

    @property
    def size(self) -> tuple[int, int]:
        """How many covered and off-topic questions it holds."""
        return len(self.covered), len(self.off_topic)

    def margin(self, embedding: list[float] | None) -> float:
        """The mean cosine of the question's nearest covered questions minus that of its nearest
        off-topic ones (0 without a vector or for another model's vectors)."""
        if embedding is None or len(embedding) != self.dimensions or not all(self.size):
            return 0.0
        vector = np.asarray(embedding, dtype=np.float32)
        vector = vector / max(float(np.linalg.norm(vector)), 1e-12)  # a new array: the caller's vector stays as it is

        def nearest(memory: np.ndarray) -> float:
            k = min(self.neighbours, len(memory))
            return float(np.partition(memory @ vector, len(memory) - k)[-k:].mean())

        covered, off_topic = self._vectors
        return nearest(covered) - nearest(off_topic)
