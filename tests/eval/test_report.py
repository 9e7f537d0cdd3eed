"""The report's list of failures: every question the system got wrong, off-topic ones included."""

from eval.markdown import render_markdown
from eval.metrics import Observation, summarize, summarize_by
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


def test_the_report_shows_each_question_set_apart():
    """The blind sets say how the product does on questions no choice was measured on."""
    right = dict(kind="keyword", expected=["grofvuil-ophalen"], expected_department="afval", department="afval", status="routed")
    observations = [
        observation("grofvuil", **right),
        observation("bank ophalen", **right, split="test"),
        observation("oude kast weg", **{**right, "ranked": ["milieustraat"], "department": None}, source="blind-2"),
        observation("kast weg", **{**right, "ranked": ["milieustraat"], "department": None}, source="blind-2", split="test"),
    ]
    by_source = summarize_by(observations, lambda o: o.source)
    assert by_source["development"]["hit@1"] == 1.0 and by_source["blind-2"]["hit@1"] == 0.0
    summary = summarize(observations)
    report = {
        "generated": "now", "model": "m", "final": {"retrieval": "hybrid_plus", "routing": "combined"},
        "overall": summary, "dev": summary, "test": summary, "calibration_error_test": 0.05,
        "comparison": {"retrieval": {}, "routing": {}}, "by_kind": {}, "by_department": {}, "reliability_test": [],
        "failures": [], "by_source": by_source,
        "by_source_test": summarize_by([o for o in observations if o.split == "test"], lambda o: o.source),
    }
    text = render_markdown(report)
    assert "## Per question set (final)" in text
    assert "| development — all | 2 | 1.000 |" in text and "| development — test | 1 | 1.000 |" in text
    assert "| blind-2 — all | 2 | 0.000 |" in text and "| blind-2 — test | 1 | 0.000 |" in text
    del report["by_source"], report["by_source_test"]  # a report written before the sets were told apart
    assert "Per question set" not in render_markdown(report)
