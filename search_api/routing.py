"""Department routing from the retrieved articles, with a confidence and honest abstention.

The department distribution is a softmax vote over the retrieved articles' scores. Whether the
question is about anything the knowledge base covers at all is a logistic function of the best
article score. Both are fitted on the labelled questions (`kb eval --calibrate`), because the
useful score range depends on the embedding model (e5 cosines sit in a narrow band).
"""

from __future__ import annotations

import json
import logging
import math
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from pydantic import BaseModel

from search_api.grouping import ArticleHit

log = logging.getLogger(__name__)

VOTE_DEPTH = 10


class RoutingCalibration(BaseModel):
    """Parameters of the router; `kb eval --calibrate` fits them for a model."""

    model: str = ""
    temperature: float = 0.02  # softmax temperature of the article vote
    in_domain_slope: float = 60.0  # logistic P(in domain) = sigmoid(slope * (top score - midpoint))
    in_domain_midpoint: float = 0.82
    # Platt scaling of the raw confidence (vote share x in-domain probability) into the
    # probability that the routing is right: sigmoid(slope * raw + intercept).
    confidence_slope: float = 1.0
    confidence_intercept: float = 0.0
    platt: bool = False
    min_confidence: float = 0.4  # below this (calibrated) the router abstains as "ambiguous"
    fitted_on: int = 0  # number of labelled questions the fit used

    @classmethod
    def load(cls, path: Path, model: str) -> "RoutingCalibration":
        if not path.exists():
            log.warning("No routing calibration at %s; using defaults", path)
            return cls(model=model)
        calibration = cls.model_validate_json(path.read_text(encoding="utf-8"))
        if calibration.model != model:
            log.warning("Routing calibration is for model %r, not %r; using defaults", calibration.model, model)
            return cls(model=model)
        return calibration

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.model_dump(), indent=2) + "\n", encoding="utf-8")


@dataclass
class Routing:
    status: Literal["routed", "ambiguous", "off_topic"]
    department_id: str | None
    confidence: float
    in_domain: float
    distribution: list[tuple[str, float]] = field(default_factory=list)  # best first

    @property
    def alternatives(self) -> list[tuple[str, float]]:
        return self.distribution[:3]


def department_distribution(hits: list[ArticleHit], temperature: float) -> list[tuple[str, float]]:
    """Softmax-weighted vote of the top articles for their departments."""
    top = hits[:VOTE_DEPTH]
    if not top:
        return []
    best = top[0].score
    weights: dict[str, float] = defaultdict(float)
    for hit in top:
        weights[hit.department_id] += math.exp((hit.score - best) / temperature)
    total = sum(weights.values())
    return sorted(((dept, weight / total) for dept, weight in weights.items()), key=lambda item: -item[1])


def in_domain_probability(top_score: float, calibration: RoutingCalibration) -> float:
    return _sigmoid(calibration.in_domain_slope * (top_score - calibration.in_domain_midpoint))


def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(min(z, 50.0), -50.0)))


def calibrated_confidence(raw: float, calibration: RoutingCalibration) -> float:
    if not calibration.platt:
        return raw
    return _sigmoid(calibration.confidence_slope * raw + calibration.confidence_intercept)


def route(hits: list[ArticleHit], calibration: RoutingCalibration) -> Routing:
    if not hits:
        return Routing("off_topic", None, 0.0, 0.0)
    distribution = department_distribution(hits, calibration.temperature)
    in_domain = in_domain_probability(hits[0].score, calibration)
    department_id, share = distribution[0]
    confidence = calibrated_confidence(share * in_domain, calibration)
    if in_domain < 0.5:
        return Routing("off_topic", None, confidence, in_domain, distribution)
    if confidence < calibration.min_confidence:
        return Routing("ambiguous", None, confidence, in_domain, distribution)
    return Routing("routed", department_id, confidence, in_domain, distribution)
