"""The value of routing decisions that the abstention thresholds are fitted by."""

import pytest

from eval.run import ambiguity_threshold, second_chance, utility
from tests.eval.builders import OFF_TOPIC, observation


@pytest.mark.parametrize(
    "fields,value",
    [
        (dict(department="afval"), 1.0),  # the right desk
        (dict(department="zorg"), -1.0),  # a wrong desk
        (dict(status="ambiguous", alternatives=["zorg", "afval"]), 0.5),  # "bedoelt u", right desk offered
        (dict(status="ambiguous", alternatives=["zorg", "wonen"]), -0.5),  # "bedoelt u", right desk missing
        (dict(status="off_topic"), 0.0),  # "weet ik niet" to a question we cover
        ({**OFF_TOPIC, "status": "off_topic"}, 1.0),  # "weet ik niet" to a question we do not cover
        ({**OFF_TOPIC, "status": "ambiguous", "alternatives": ["afval"]}, -0.5),  # departments offered for it
        ({**OFF_TOPIC, "department": "afval"}, -1.0),  # routed anyway
    ],
)
def test_what_each_decision_is_worth(fields, value):
    assert utility([observation(**fields)]) == value


def expected_values(p: float, second: float) -> tuple[float, float]:
    """(routing, asking) for a question whose most likely department is right with probability p."""
    offered = p + (1 - p) * second
    return p * 1.0 + (1 - p) * -1.0, offered * 0.5 + (1 - offered) * -0.5


@pytest.mark.parametrize("second", [0.0, 0.3, 0.64, 1.0])
def test_the_ambiguity_threshold_is_where_asking_and_routing_are_worth_the_same(second):
    threshold = ambiguity_threshold(second)
    route, ask = expected_values(threshold, second)
    assert route == pytest.approx(ask, abs=1e-3)
    below, above = expected_values(threshold - 0.05, second), expected_values(threshold + 0.05, second)
    assert below[1] > below[0] and above[0] > above[1]  # ask below it, route above it


def test_the_better_the_second_choices_the_more_often_it_asks():
    assert ambiguity_threshold(0.0) < ambiguity_threshold(0.5) < ambiguity_threshold(1.0)


def test_second_chance_counts_only_in_scope_questions_routed_wrongly():
    wrong_but_offered = observation(department="zorg", alternatives=["zorg", "afval"])
    wrong_not_offered = observation(department="zorg", alternatives=["zorg", "wonen"])
    right = observation(department="afval", alternatives=["afval"])
    off_topic = observation(**OFF_TOPIC, department="afval", alternatives=["afval"])
    assert second_chance([wrong_but_offered, wrong_not_offered, right, off_topic]) == 0.5
    assert second_chance([right]) == 0.0
