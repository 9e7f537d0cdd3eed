"""The quality targets of the product, and how sure a measured rate is.

A rate measured on a few dozen questions is a rough estimate: 61 of 75 off-topic questions
rejected is 0.813, but anything from 0.71 to 0.89 fits those counts (95% Wilson interval). The
report lists every target with its interval, so that "met" and "not met" are read with the
uncertainty in view. The interval comes from `scipy.stats.binomtest`.
"""

from __future__ import annotations

from scipy.stats import binomtest

#: metric -> (target, the summary field that counts the questions it is measured on)
TARGETS: dict[str, tuple[float, str]] = {
    "hit@1": (0.85, "covered"),
    "hit@5": (0.95, "covered"),
    "routing_accuracy": (0.92, "covered"),
    "off_topic_rejection": (0.90, "off_topic"),
}
CONFIDENCE = 0.95


def wilson_interval(successes: int, trials: int, confidence: float = CONFIDENCE) -> tuple[float, float] | None:
    """The Wilson score interval of a rate (None without trials)."""
    if trials <= 0:
        return None
    interval = binomtest(successes, trials).proportion_ci(confidence_level=confidence, method="wilson")
    return round(float(interval.low), 4), round(float(interval.high), 4)


def against_targets(summary: dict) -> list[dict]:
    """One row per target: the measured rate, its interval, the number of questions and whether
    the rate reaches the target."""
    rows = []
    for metric, (target, counted) in TARGETS.items():
        value, trials = summary.get(metric), int(summary.get(counted) or 0)
        if value is None or not trials:
            continue
        low, high = wilson_interval(round(value * trials), trials)
        rows.append({"metric": metric, "value": value, "low": low, "high": high, "n": trials, "target": target, "met": value >= target})
    return rows
