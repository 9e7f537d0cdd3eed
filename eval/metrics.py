"""Retrieval and routing metrics over labelled questions, overall and per group."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from haystack import Document
from haystack.components.evaluators import DocumentMRREvaluator, DocumentNDCGEvaluator, DocumentRecallEvaluator
from haystack.components.evaluators.document_recall import RecallMode
from sklearn.metrics import f1_score, roc_auc_score

from kb.questions import DEFAULT_SOURCE

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
    status: str = "routed"  # routed / ambiguous / off_topic
    alternatives: list[str] = field(default_factory=list)
    in_scope: float = 1.0  # the router's probability that the question is about something we cover
    source: str = DEFAULT_SOURCE  # where the question comes from (`kb.questions.LabelledQuestion.source`)
    top_department: str | None = None  # the most likely department, whatever the router decided

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


_ndcg = DocumentNDCGEvaluator()
_mrr = DocumentMRREvaluator()
_hit = DocumentRecallEvaluator(mode=RecallMode.SINGLE_HIT)


def _documents(observations: list[Observation], depth: int) -> dict[str, list[list[Document]]]:
    """Haystack's evaluator inputs: every expected article is relevant; the top `depth` articles
    were retrieved."""
    return {
        "ground_truth_documents": [[Document(id=a, content=a) for a in o.expected] for o in observations],
        "retrieved_documents": [[Document(id=a, content=a) for a in o.ranked[:depth]] for o in observations],
    }


def _score(evaluator, observations: list[Observation], depth: int) -> float | None:
    if not observations:
        return None
    return round(float(evaluator.run(**_documents(observations, depth))["score"]), 4)


def ndcg_at_10(observations: list[Observation]) -> float | None:
    """Haystack's nDCG evaluator over the top 10 articles."""
    return _score(_ndcg, observations, RANK_DEPTH)


def mrr_at_10(observations: list[Observation]) -> float | None:
    """Haystack's MRR evaluator over the top 10 articles (0 when no expected article is in them)."""
    return _score(_mrr, observations, RANK_DEPTH)


def hit_at(observations: list[Observation], k: int) -> float | None:
    """Share of questions with an expected article among the first k: Haystack's recall
    evaluator in single-hit mode over the top k."""
    return _score(_hit, observations, k)


def macro_f1(observations: list[Observation]) -> float | None:
    """Macro-F1 over the departments of in-scope questions (an abstention is a miss)."""
    if not observations:
        return None
    truth = [o.expected_department or "(none)" for o in observations]
    predicted = [o.department or "(none)" for o in observations]
    labels = sorted(set(truth) - {"(none)"})
    return round(float(f1_score(truth, predicted, labels=labels, average="macro", zero_division=0)), 4)


def off_topic_auc(observations: list[Observation]) -> float | None:
    """How well the in-scope probability separates the questions we cover from the ones we do
    not, whatever the threshold (ROC AUC; 0.5 is chance, 1.0 perfect). The rejection rate depends
    on where the threshold is put, and a variant can buy a higher one by telling more questions we
    do cover "geen informatie"; the AUC compares variants at every threshold at once."""
    labels = [0 if o.off_topic else 1 for o in observations]
    if len(set(labels)) < 2:
        return None
    return round(float(roc_auc_score(labels, [o.in_scope for o in observations])), 4)


def rejection_at_cost(observations: list[Observation], cost: float | None) -> float | None:
    """The share of off-topic questions rejected when the in-scope threshold tells at most a share
    `cost` of the questions we do cover "geen informatie": the threshold is the score of the
    lowest covered question that is kept, and every off-topic question below it is rejected.
    Compares the off-topic handling of two configurations at the same price."""
    covered = sorted(o.in_scope for o in observations if not o.off_topic)
    off_topic = [o.in_scope for o in observations if o.off_topic]
    if cost is None or not covered or not off_topic:
        return None
    told = math.floor(cost * len(covered) + 1e-9)
    threshold = covered[told] if told < len(covered) else math.inf
    return round(sum(p < threshold for p in off_topic) / len(off_topic), 4)


def _share(values: list[bool]) -> float | None:
    return round(sum(values) / len(values), 4) if values else None


def off_topic_rejection(observations: Iterable[Observation]) -> float | None:
    """The share of the questions we do not cover that the router told "geen informatie"."""
    return _share([o.status == "off_topic" for o in observations if o.off_topic])


def decision_rates(observations: Iterable[Observation]) -> dict[str, float | None]:
    """What the router decided, without the ranking metrics: cheap enough to compute for every
    candidate threshold."""
    observations = list(observations)
    covered = [o for o in observations if not o.off_topic]
    routed = [o for o in covered if o.department is not None]
    return {
        "routing_accuracy": _share([o.routed_correctly for o in covered]),
        "accuracy_when_routed": _share([o.routed_correctly for o in routed]),
        # routed to the right desk, or asked "bedoelt u ...?" with the right desk among the options
        "right_desk_reached": _share([
            o.routed_correctly or (o.status == "ambiguous" and o.expected_department in o.alternatives)
            for o in covered
        ]),
        # the most likely department is right: what routing accuracy would be if the router never
        # abstained, so the ceiling of routing accuracy under any abstention policy
        "top_department_right": _share([o.top_department == o.expected_department for o in covered]),
        "ambiguous_covered": _share([o.status == "ambiguous" for o in covered]),
        "right_among_alternatives": _share(
            [o.expected_department in o.alternatives for o in covered if o.status == "ambiguous"]
        ),
        "abstained_covered": _share([o.department is None for o in covered]),
        "off_topic_covered": _share([o.status == "off_topic" for o in covered]),  # told "geen informatie"
        "off_topic_rejection": off_topic_rejection(observations),
    }


def summarize(observations: Iterable[Observation]) -> dict[str, float | int | None]:
    observations = list(observations)
    covered = [o for o in observations if not o.off_topic]
    decisions = decision_rates(observations)
    return {
        "questions": len(observations),
        "covered": len(covered),
        "off_topic": len(observations) - len(covered),
        "hit@1": hit_at(covered, 1),
        "hit@5": hit_at(covered, 5),
        "mrr": mrr_at_10(covered),
        "ndcg@10": ndcg_at_10(covered),
        "routing_accuracy": decisions.pop("routing_accuracy"),
        "routing_macro_f1": macro_f1(covered),
        **decisions,
        "off_topic_auc": off_topic_auc(observations),
    }


def summarize_by(observations: list[Observation], key: Callable[[Observation], str | None]) -> dict[str, dict]:
    groups: dict[str, list[Observation]] = defaultdict(list)
    for observation in observations:
        groups[key(observation) or "(none)"].append(observation)
    return {name: summarize(group) for name, group in sorted(groups.items())}
