"""Run the labelled questions through the search engine, fit routing calibration, report.

The engine is the one the API serves (`search_api.engine.SearchEngine`), so the figures
describe what citizens get. Retrieval happens once per question; routing variants are then
re-scored from the same hits, which is what makes calibration cheap.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression

from eval.metrics import Observation, summarize, summarize_by
from eval.questions import LabelledQuestion
from search_api.engine import SearchEngine
from search_api.grouping import ArticleHit
from search_api.routing import RoutingCalibration, department_distribution, route

TEMPERATURES = (0.005, 0.0075, 0.01, 0.015, 0.02, 0.03, 0.05, 0.08)
CONFIDENCE_GRID = tuple(round(0.05 * step, 2) for step in range(0, 19))


@dataclass
class Retrieved:
    question: LabelledQuestion
    hits: list[ArticleHit]
    took_ms: float


def retrieve_all(engine: SearchEngine, questions: list[LabelledQuestion], progress=None) -> list[Retrieved]:
    retrieved = []
    for question in questions:
        outcome = engine.retrieve(question.q)
        retrieved.append(Retrieved(question, outcome.hits, outcome.took_ms))
        if progress:
            progress()
    return retrieved


def observe(retrieved: list[Retrieved], calibration: RoutingCalibration) -> list[Observation]:
    observations = []
    for item in retrieved:
        routing = route(item.hits, calibration)
        question = item.question
        observations.append(
            Observation(
                question=question.q,
                kind=question.kind,
                split=question.split,
                expected=question.expected,
                expected_department=question.department,
                ranked=[hit.article_id for hit in item.hits],
                department=routing.department_id,
                confidence=routing.confidence,
                top_score=item.hits[0].score if item.hits else 0.0,
            )
        )
    return observations


def fit_calibration(retrieved: list[Retrieved], model: str) -> RoutingCalibration:
    """Fit the router on the given (dev) questions: vote temperature by likelihood of the
    right department, the in-domain logistic on the top score, the abstention threshold by
    accuracy (a correct abstention on an off-topic question counts as right)."""
    in_domain = [item for item in retrieved if not item.question.off_topic and item.hits]

    def nll(temperature: float) -> float:
        total = 0.0
        for item in in_domain:
            shares = dict(department_distribution(item.hits, temperature))
            total -= math.log(max(shares.get(item.question.department, 0.0), 1e-4))
        return total

    temperature = min(TEMPERATURES, key=nll)

    scores = np.array([[item.hits[0].score if item.hits else 0.0] for item in retrieved])
    labels = np.array([0 if item.question.off_topic else 1 for item in retrieved])
    calibration = RoutingCalibration(model=model, temperature=temperature, fitted_on=len(retrieved))
    if len(set(labels)) == 2:
        classifier = LogisticRegression(class_weight="balanced", C=100.0).fit(scores, labels)
        slope = float(classifier.coef_[0][0])
        calibration.in_domain_slope = slope
        calibration.in_domain_midpoint = float(-classifier.intercept_[0] / slope)

    # Platt scaling: P(routing right | raw confidence), fitted on what the router would say.
    raw = observe(retrieved, calibration.model_copy(update={"min_confidence": 0.0}))
    right = np.array([1 if o.department is not None and o.routed_correctly else 0 for o in raw])
    if len(set(right)) == 2:
        platt = LogisticRegression(C=100.0).fit(np.array([[o.confidence] for o in raw]), right)
        calibration.confidence_slope = float(platt.coef_[0][0])
        calibration.confidence_intercept = float(platt.intercept_[0])
        calibration.platt = True

    def accuracy(threshold: float) -> float:
        candidate = calibration.model_copy(update={"min_confidence": threshold})
        observations = observe(retrieved, candidate)
        return sum(o.routed_correctly for o in observations) / len(observations)

    calibration.min_confidence = max(CONFIDENCE_GRID, key=lambda t: (accuracy(t), -t))
    return calibration


def expected_calibration_error(observations: list[Observation], bins: int = 10) -> tuple[float, list[dict]]:
    """ECE of the routing confidence on the questions the router answered, with its table."""
    routed = [o for o in observations if o.department is not None]
    table = []
    error = 0.0
    for index in range(bins):
        low, high = index / bins, (index + 1) / bins
        members = [o for o in routed if low <= o.confidence < high or (index == bins - 1 and o.confidence == 1.0)]
        if not members:
            continue
        confidence = sum(o.confidence for o in members) / len(members)
        accuracy = sum(o.routed_correctly for o in members) / len(members)
        error += len(members) / len(routed) * abs(confidence - accuracy)
        table.append({"bin": f"{low:.1f}-{high:.1f}", "n": len(members), "confidence": round(confidence, 3), "accuracy": round(accuracy, 3)})
    return round(error, 4), table


def build_report(retrieved: list[Retrieved], calibration: RoutingCalibration, model: str) -> dict:
    observations = observe(retrieved, calibration)
    test = [o for o in observations if o.split == "test"]
    ece, reliability = expected_calibration_error(test or observations)
    latencies = sorted(item.took_ms for item in retrieved)
    failures = [
        {
            "question": o.question,
            "kind": o.kind,
            "expected": o.expected,
            "got": o.ranked[:3],
            "expected_department": o.expected_department,
            "department": o.department,
            "confidence": round(o.confidence, 3),
        }
        for o in observations
        if (o.rank != 1 and not o.off_topic) or not o.routed_correctly
    ]
    return {
        "generated": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "model": model,
        "calibration": calibration.model_dump(),
        "overall": summarize(observations),
        "dev": summarize(o for o in observations if o.split == "dev"),
        "test": summarize(test),
        "calibration_error_test": ece,
        "calibration_error_all": expected_calibration_error(observations)[0],
        "reliability_test": reliability,
        "latency_ms": {
            "p50": round(latencies[len(latencies) // 2], 1),
            "p95": round(latencies[int(len(latencies) * 0.95)], 1),
        },
        "by_kind": summarize_by(observations, lambda o: o.kind),
        "by_department": summarize_by(observations, lambda o: o.expected_department),
        "failures": failures,
    }


def write_report(report: dict, reports_dir: Path) -> Path:
    reports_dir.mkdir(parents=True, exist_ok=True)
    stamp = report["generated"].replace(":", "").replace("-", "")[:15]
    path = reports_dir / f"eval-{stamp}.json"
    path.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path
