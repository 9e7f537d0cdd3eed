"""A learned scope model: does the question itself read like one the municipality answers?

The in-scope model (`search_api.routing`) judges a question by what retrieval found for it: the
best cosine, the best BM25 score, its length and the learned ranking's confidence. Those signals
cannot tell a short everyday phrase we cover ("kind luistert niet meer", "nagelstudio in mijn
woning") from one we do not ("waterschapsbelasting te hoog", "visvergunning kopen"): both match
some chunk about as well. What tells them apart is what the question is about, which the
question vector itself carries. So a logistic regression on the question vector (the one dense
search used) learns from the labelled dev questions, covered against off-topic, and its log-odds
are one more signal of the in-scope model.

The model also remembers the labelled questions' vectors (`QuestionMemory`): how much nearer a
question is to the nearest covered ones than to the nearest off-topic ones is a sixth signal of
the in-scope model.

It is fitted with the router (`eval.run.fit_scope`, saved in `eval/fitted/scope.json`),
and the evaluation scores every question with a model that did not see it
(`eval.run.out_of_fold`). Measured (November 2026, 1,354 questions; router refitted, held out):
value of the decisions 0.730 -> 0.779, off-topic rejection 0.837 -> 0.898, questions we cover
told "geen informatie" 10.5% -> 6.0%, routing accuracy 0.780 -> 0.817. Alone it separates less
well than the retrieval signals (AUC out of fold on dev 0.928 against 0.952); together they
separate better than either (0.974). It is a signal of both in-scope models: given to the Dutch
and English one only, the shared Platt scaling asked "bedoelt u" for most questions in other
languages (their routing 0.736 -> 0.590).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

REGULARISATION_C = 10.0  # out of fold on the dev questions, AUC for C = 0.3 / 1 / 10 / 30 / 100: 0.905 / 0.919 / 0.928 / 0.924 / 0.916
#: How many nearest labelled questions of each kind `QuestionMemory.margin` averages. Chosen out of
#: fold on the dev questions (November 2026; off-topic rejection 0.92 while telling 4.7 / 4.5 / 4.6 /
#: 4.6% of the covered questions "geen informatie" for 1 / 2 / 3 / 5 neighbours, 6.1% without).
NEIGHBOURS = 2


@dataclass(frozen=True, eq=False)
class QuestionMemory:
    """The vectors of the labelled questions a scope model was fitted on, covered and off-topic,
    L2-normalised and kept as float16 (`eval/fitted/memory.npz`, about 0.8 KB per question).

    Its signal (`margin`) is how much nearer a question is to the questions we cover than to the
    off-topic ones. The scope model weighs the whole vector space with one hyperplane; the
    nearest questions see local detail it averages away: "mijn moeder is overleden" is in scope
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
    def from_vectors(cls, covered: np.ndarray, off_topic: np.ndarray, neighbours: int = NEIGHBOURS) -> "QuestionMemory":
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


class ScopeModel(BaseModel):
    """Coefficients on the question vector, and the intercept; with the labelled questions'
    vectors (`QuestionMemory`) for the second signal."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    coef: list[float]
    intercept: float
    memory: QuestionMemory | None = Field(None, exclude=True)  # arrays, in their own file

    @cached_property
    def _weights(self) -> np.ndarray:  # converted once, not on every search
        return np.asarray(self.coef)

    def log_odds(self, embedding: list[float] | None) -> float:
        """How much the question reads like one we cover (0 without a vector or when the vector
        has another length, e.g. a model saved for a different embedding model)."""
        if embedding is None or len(embedding) != len(self.coef):
            return 0.0
        return float(np.dot(self._weights, np.asarray(embedding, dtype=float)) + self.intercept)

    def margin(self, embedding: list[float] | None) -> float:
        """`QuestionMemory.margin`, 0 without a memory."""
        return self.memory.margin(embedding) if self.memory is not None else 0.0
