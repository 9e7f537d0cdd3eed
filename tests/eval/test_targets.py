"""The targets section of the report: each rate with its 95% interval and whether it is met."""

from eval.markdown import render_markdown
from eval.targets import TARGETS, against_targets, wilson_interval


def test_the_interval_is_wide_for_few_questions_and_narrow_for_many():
    low, high = wilson_interval(61, 75)
    assert 0.70 < low < 0.72 and 0.88 < high < 0.89  # 0.813 measured on 75 questions
    narrow_low, narrow_high = wilson_interval(610, 750)
    assert narrow_high - narrow_low < (high - low) / 2
    assert wilson_interval(0, 0) is None


def test_every_target_is_judged_on_the_questions_it_counts():
    summary = {"covered": 500, "off_topic": 75, "hit@1": 0.856, "hit@5": 0.969, "routing_accuracy": 0.899, "off_topic_rejection": 0.813}
    rows = {row["metric"]: row for row in against_targets(summary)}
    assert set(rows) == set(TARGETS)
    assert rows["hit@1"]["met"] and rows["hit@5"]["met"]
    assert not rows["routing_accuracy"]["met"] and not rows["off_topic_rejection"]["met"]
    assert rows["off_topic_rejection"]["n"] == 75 and rows["hit@1"]["n"] == 500
    assert rows["off_topic_rejection"]["low"] < 0.813 < rows["off_topic_rejection"]["high"]


def test_a_metric_without_questions_is_left_out():
    assert [row["metric"] for row in against_targets({"covered": 0, "off_topic": 10, "off_topic_rejection": 1.0})] == [
        "off_topic_rejection"
    ]


def test_the_markdown_report_shows_the_targets():
    summary = {"questions": 575, "covered": 500, "off_topic": 75, "hit@1": 0.856, "hit@5": 0.969, "routing_accuracy": 0.899,
               "off_topic_rejection": 0.813}
    report = {
        "generated": "now", "model": "m", "final": {"retrieval": "hybrid_plus", "routing": "combined"},
        "overall": summary, "dev": summary, "test": summary, "calibration_error_test": 0.05,
        "targets": {"all": against_targets(summary)},
        "comparison": {"retrieval": {}, "routing": {}}, "by_kind": {}, "by_department": {}, "reliability_test": [], "failures": [],
    }
    text = render_markdown(report)
    assert "## Against the targets" in text
    assert "| all | off_topic_rejection | 0.813 | 0.71–0.89 | 75 | ≥ 0.90 | **not met** |" in text
    assert "| all | hit@5 | 0.969 |" in text and "| met |" in text
