"""Retrieval and routing metrics over labelled questions, overall and per group."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

RANK_DEPTH = 10


@dataclass
class Observation:
    """What the system answered to one labelled question."""

    question: str
    kind: str
    split: str
    expected: list[str]
    expected_department: str | None
    ranked: list[str]  # article ids, best first
    department: str | None  # routed department, None when the system abstained
    confidence: float
    top_score: float

    @property
    def off_topic(self) -> bool:
        return not self.expected

    @property
    def rank(self) -> int | None:
        """1-based rank of the first correct article within the depth, or None."""
        for position, article_id in enumerate(self.ranked[:RANK_DEPTH], start=1):
            if article_id in self.expected:
                return position
        return None

    @property
    def routed_correctly(self) -> bool:
        return self.department == self.expected_department


def summarize(observations: Iterable[Observation]) -> dict[str, float | int | None]:
    observations = list(observations)
    in_domain = [o for o in observations if not o.off_topic]
    off_topic = [o for o in observations if o.off_topic]
    ranks = [o.rank for o in in_domain]

    def share(values: list[bool]) -> float | None:
        return round(sum(values) / len(values), 4) if values else None

    return {
        "questions": len(observations),
        "in_domain": len(in_domain),
        "off_topic": len(off_topic),
        "hit@1": share([r == 1 for r in ranks]),
        "hit@5": share([r is not None and r <= 5 for r in ranks]),
        "mrr": round(sum(1 / r for r in ranks if r) / len(ranks), 4) if ranks else None,
        "routing_accuracy": share([o.routed_correctly for o in in_domain]),
        "abstained_in_domain": share([o.department is None for o in in_domain]),
        "off_topic_rejection": share([o.department is None for o in off_topic]),
    }


def summarize_by(observations: list[Observation], key: Callable[[Observation], str | None]) -> dict[str, dict]:
    groups: dict[str, list[Observation]] = defaultdict(list)
    for observation in observations:
        groups[key(observation) or "(none)"].append(observation)
    return {name: summarize(group) for name, group in sorted(groups.items())}
