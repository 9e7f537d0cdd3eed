"""The value of routing decisions that the abstention thresholds are fitted by."""

import pytest

from eval.metrics import Observation
from eval.run import utility


def observation(**fields) -> Observation:
    base = dict(question="q", kind="colloquial", split="dev", expected=["grofvuil-ophalen"], expected_department="afval",
                ranked=["grofvuil-ophalen"], department=None, confidence=0.5, top_score=0.8, status="routed")
    return Observation(**{**base, **fields})


OFF_TOPIC = dict(kind="off_topic", expected=[], expected_department=None)


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
