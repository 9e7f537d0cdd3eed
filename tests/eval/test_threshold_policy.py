"""How the off-topic threshold is chosen: by the value of the decisions, or to reach a rejection
rate the municipality sets (`KB_OFF_TOPIC_REJECTION_TARGET`); and what each threshold costs."""

import pytest

import eval.run as eval_run
from eval.markdown import render_markdown
from eval.metrics import off_topic_rejection, summarize
from eval.run import choose_off_topic_threshold, fit_calibration, observe, operating_points
from kb.settings import Settings
from tests.eval.builders import OFF_TOPIC, observation


def decisions(rejected: int, told: int, routed_wrong: int = 0) -> list:
    """Ten off-topic questions of which `rejected` are rejected; ten in-scope ones of which
    `told` are told "geen informatie" and `routed_wrong` are sent to a wrong desk."""
    off = [observation(**OFF_TOPIC, status="off_topic" if i < rejected else "routed", department=None if i < rejected else "afval")
           for i in range(10)]
    covered = [observation(status="off_topic") for _ in range(told)]
    covered += [observation(department="wonen") for _ in range(routed_wrong)]
    covered += [observation(department="afval") for _ in range(10 - told - routed_wrong)]
    return off + covered


# threshold -> one list of decisions per cross-validation repeat
OUTCOMES = {
    0.2: [decisions(rejected=7, told=0)],
    0.4: [decisions(rejected=8, told=1)],
    0.6: [decisions(rejected=9, told=4), decisions(rejected=9, told=4)],
    0.8: [decisions(rejected=9, told=6)],
}


def test_without_a_target_the_threshold_worth_most_is_chosen():
    # 0.2: 7 - 3 + 10 = 14; 0.4: 8 - 2 + 9 = 15; 0.6: 9 - 1 + 6 = 14; 0.8: 12
    assert choose_off_topic_threshold(OUTCOMES) == 0.4


def test_a_target_takes_the_lowest_threshold_that_reaches_it_whatever_it_costs():
    assert choose_off_topic_threshold(OUTCOMES, rejection_target=0.9) == 0.6
    assert choose_off_topic_threshold(OUTCOMES, rejection_target=0.75) == 0.4


def test_a_target_no_threshold_reaches_takes_the_lowest_that_rejects_most():
    assert choose_off_topic_threshold(OUTCOMES, rejection_target=1.0) == 0.6


def test_the_target_is_a_rate():
    with pytest.raises(ValueError):
        Settings(off_topic_rejection_target=1.5)
    assert Settings(off_topic_rejection_target=0.9).off_topic_rejection_target == 0.9


def test_a_rejection_target_buys_rejection_with_questions_we_cover(retrieved_questions, live_server, monkeypatch):
    """On the real dev questions and retrievals: the target's threshold rejects what it was set to
    reject, and the report's operating points show what that costs."""
    model = live_server.app.state.engine.settings.embedding_model
    dev = [item for item in retrieved_questions if item.question.split == "dev"]
    by_value = fit_calibration(dev, model)
    by_target = fit_calibration(dev, model, rejection_target=0.97)  # above what the value of the decisions rejects
    assert by_value.off_topic_rejection_target is None and by_target.off_topic_rejection_target == 0.97
    value, target = summarize(observe(dev, by_value)), summarize(observe(dev, by_target))
    assert target["off_topic_rejection"] >= 0.95 and target["off_topic_rejection"] > value["off_topic_rejection"]
    assert target["off_topic_covered"] > value["off_topic_covered"]
    assert target["routing_accuracy"] < value["routing_accuracy"]
    # the standardised in-scope model buys the target with fewer questions we cover
    monkeypatch.setattr(eval_run, "IN_SCOPE_REGULARISATIONS", eval_run.IN_SCOPE_REGULARISATIONS[:1])
    raw_only = fit_calibration(dev, model, rejection_target=0.97)
    assert not raw_only.in_scope_standardised and by_target.in_scope_standardised
    raw_target = summarize(observe(dev, raw_only))
    assert raw_target["off_topic_rejection"] >= 0.95
    assert target["routing_accuracy"] > raw_target["routing_accuracy"]

    points = operating_points(dev, by_value)
    assert [p["threshold"] for p in points if p["fitted"]] == [by_value.in_scope_threshold]
    fitted = next(p for p in points if p["fitted"])
    assert fitted["all"]["off_topic_rejection"] == off_topic_rejection(observe(dev, by_value))
    rejection = [p["all"]["off_topic_rejection"] for p in points]
    told = [p["all"]["off_topic_covered"] for p in points]
    assert rejection == sorted(rejection) and told == sorted(told)  # a higher threshold rejects more of both
    markdown = render_markdown_section(points, by_value.model_dump())
    assert "## Operating points" in markdown and f"→ {by_value.in_scope_threshold:.2f}" in markdown


def render_markdown_section(points: list[dict], calibration: dict) -> str:
    """The report's Markdown with only what the operating-points section reads filled in."""
    empty = {"questions": 0}
    report = {
        "generated": "now", "model": "m", "final": {"retrieval": "hybrid_plus", "routing": "combined"},
        "overall": empty, "dev": empty, "test": empty, "calibration_error_test": 0.0, "calibration": calibration,
        "comparison": {"retrieval": {}, "routing": {}}, "by_kind": {}, "by_department": {}, "reliability_test": [],
        "failures": [], "operating_points": points,
    }
    return render_markdown(report)
