"""Retrieval metrics through Haystack's evaluators, on questions whose answers are known."""

import pytest

from eval.metrics import Observation, decision_rates, summarize
from tests.eval.builders import observation as _observation


def observation(ranked: list[str], expected: list[str]) -> Observation:
    return _observation(question=" ".join(ranked), kind="formal", expected=expected, ranked=ranked, department="afval",
                        confidence=0.9, top_score=0.9)


def test_hit_at_k_and_mrr():
    articles = [f"a{i}" for i in range(12)]
    first = observation(articles, ["a0"])  # rank 1
    third = observation(articles, ["a2", "a9"])  # rank 3: the best-ranked expected article counts
    sixth = observation(articles, ["a5"])  # rank 6
    beyond = observation(articles, ["a11"])  # rank 12: beyond the depth of 10
    summary = summarize([first, third, sixth, beyond])
    assert summary["hit@1"] == 0.25
    assert summary["hit@5"] == 0.5
    assert summary["mrr"] == pytest.approx((1 + 1 / 3 + 1 / 6 + 0) / 4, abs=1e-4)


def test_a_question_without_results_counts_as_a_miss():
    summary = summarize([observation([], ["a0"]), observation(["a0"], ["a0"])])
    assert summary["hit@1"] == summary["hit@5"] == summary["mrr"] == 0.5


def test_the_right_desk_is_reached_by_routing_there_or_offering_it():
    routed_right = _observation(department="afval")
    routed_wrong = _observation(department="wonen")
    asked_with_it = _observation(status="ambiguous", alternatives=["wonen", "afval"])
    asked_without_it = _observation(status="ambiguous", alternatives=["wonen", "zorg"])
    told_nothing = _observation(status="off_topic")
    rates = decision_rates([routed_right, routed_wrong, asked_with_it, asked_without_it, told_nothing])
    assert rates["routing_accuracy"] == 0.2  # an answer "bedoelt u" is not a routing
    assert rates["right_desk_reached"] == 0.4


def test_the_most_likely_department_bounds_routing_accuracy_whatever_was_decided():
    routed_right = _observation(department="afval", top_department="afval")
    asked_right_first = _observation(status="ambiguous", alternatives=["afval", "wonen"], top_department="afval")
    told_nothing_right_first = _observation(status="off_topic", top_department="afval")
    wrong_first = _observation(status="ambiguous", alternatives=["wonen", "afval"], top_department="wonen")
    off_topic = _observation(kind="off_topic", expected=[], expected_department=None, top_department="afval")
    rates = decision_rates([routed_right, asked_right_first, told_nothing_right_first, wrong_first, off_topic])
    assert rates["routing_accuracy"] == 0.25
    assert rates["top_department_right"] == 0.75  # off-topic questions are not counted
