"""Comparing how configurations handle questions we do not cover, whatever their thresholds."""

import pytest

from eval.metrics import Observation, off_topic_auc, rejection_at_cost, summarize
from tests.eval.builders import OFF_TOPIC
from tests.eval.builders import observation as _observation


def observation(in_scope: float, off_topic: bool, status: str = "routed") -> Observation:
    return _observation(
        question=f"q {in_scope} {off_topic}", **(OFF_TOPIC if off_topic else {}), department="afval" if status == "routed" else None,
        confidence=0.9, top_score=0.85, status=status, in_scope=in_scope,
    )


COVERED = [observation(p, False) for p in (0.2, 0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95, 0.97, 0.99)]
NOT_COVERED = [observation(p, True) for p in (0.1, 0.3, 0.55, 0.75)]


def test_auc_is_the_chance_that_a_covered_question_scores_above_one_we_do_not_cover():
    pairs = [(c.in_scope > n.in_scope) for c in COVERED for n in NOT_COVERED]
    assert off_topic_auc(COVERED + NOT_COVERED) == pytest.approx(sum(pairs) / len(pairs), abs=1e-4)
    assert off_topic_auc(COVERED) is None  # needs both kinds


@pytest.mark.parametrize(("cost", "rejected"), [(0.0, 0.25), (0.1, 0.5), (0.25, 0.75), (0.45, 1.0), (1.0, 1.0)])
def test_rejection_at_a_given_cost(cost, rejected):
    """At cost c at most a share c of the covered questions is told "geen informatie" (0.1: the
    one at 0.2); the threshold is the lowest covered question kept (0.5), and the off-topic
    questions below it are rejected (0.1 and 0.3)."""
    assert rejection_at_cost(COVERED + NOT_COVERED, cost) == rejected


def test_the_summary_counts_covered_questions_told_geen_informatie():
    told = [observation(0.1, False, status="off_topic"), observation(0.9, False), observation(0.8, False, status="ambiguous")]
    summary = summarize(told + NOT_COVERED)
    assert summary["off_topic_covered"] == pytest.approx(1 / 3, abs=1e-4)
    assert summary["off_topic_auc"] is not None
