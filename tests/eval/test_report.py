"""The report's list of failures: every question the system got wrong, off-topic ones included."""

from eval.metrics import Observation
from eval.run import _failures
from tests.eval.builders import OFF_TOPIC
from tests.eval.builders import observation as _observation


def observation(question: str, **fields) -> Observation:
    """An off-topic question, rejected unless `fields` say otherwise."""
    return _observation(question=question, **{**OFF_TOPIC, "status": "off_topic", **fields})


def test_an_off_topic_question_answered_with_departments_is_a_failure():
    rejected = observation("mijn kat is ziek")
    offered = observation("waar koop ik een goedkope fiets", status="ambiguous", alternatives=["afval"])
    routed = observation("hoe laat begint de voetbal", status="routed", department="afval")
    assert [f["question"] for f in _failures([rejected, offered, routed])] == [offered.question, routed.question]


def test_a_right_first_article_at_the_right_desk_is_no_failure():
    right = observation("grofvuil", kind="keyword", expected=["grofvuil-ophalen"], expected_department="afval",
                        department="afval", status="routed")
    assert _failures([right]) == []
