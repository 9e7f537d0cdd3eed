"""A learned scope model: does the question itself read like one the municipality answers?

The in-scope model (`search_api.routing`) judges a question by what retrieval found for it: the
best cosine, the best BM25 score, its length and the learned ranking's confidence. Those signals
cannot tell a short everyday phrase we cover ("kind luistert niet meer", "nagelstudio in mijn
woning") from one we do not ("waterschapsbelasting te hoog", "visvergunning kopen"): both match
some chunk about as well. What tells them apart is what the question is about, which the
question vector itself carries. So a logistic regression on the question vector (the one dense
search used) learns from the labelled dev questions, covered against off-topic, and its log-odds
are one more signal of the in-scope model.

It is fitted with the router (`eval.run.fit_scope`, saved in `eval/calibration.json` as `scope`),
and the evaluation scores every question with a model that did not see it
(`eval.run.out_of_fold`). Measured (session 11, 1,354 questions; router refitted, held out):
value of the decisions 0.730 -> 0.779, off-topic rejection 0.837 -> 0.898, questions we cover
told "geen informatie" 10.5% -> 6.0%, routing accuracy 0.780 -> 0.817. Alone it separates less
well than the retrieval signals (AUC out of fold on dev 0.928 against 0.952); together they
separate better than either (0.974). It is a signal of both in-scope models: given to the Dutch
and English one only, the shared Platt scaling asked "bedoelt u" for most questions in other
languages (their routing 0.736 -> 0.590).
"""

from __future__ import annotations

from functools import cached_property

import numpy as np
from pydantic import BaseModel

REGULARISATION_C = 10.0  # out of fold on the dev questions, AUC for C = 0.3 / 1 / 10 / 30 / 100: 0.905 / 0.919 / 0.928 / 0.924 / 0.916


class ScopeModel(BaseModel):
    """Coefficients on the question vector, and the intercept."""

    coef: list[float]
    intercept: float

    @cached_property
    def _weights(self) -> np.ndarray:  # converted once, not on every search
        return np.asarray(self.coef)

    def log_odds(self, embedding: list[float] | None) -> float:
        """How much the question reads like one we cover (0 without a vector or when the vector
        has another length, e.g. a model saved for a different embedding model)."""
        if embedding is None or len(embedding) != len(self.coef):
            return 0.0
        return float(np.dot(self._weights, np.asarray(embedding, dtype=float)) + self.intercept)
