"""The routing confidence is a probability: when it says 0.85, the desk it names is right for about
85% of the questions, off-topic questions that get a desk included (their desk is always wrong)."""

from eval.run import expected_calibration_error, fit_calibration, observe


def test_the_confidence_matches_how_often_the_desk_is_right(retrieved_questions, live_server):
    model = live_server.app.state.engine.settings.embedding_model
    dev = [item for item in retrieved_questions if item.question.split == "dev"]
    calibration = fit_calibration(dev, model)
    routed_or_not = observe(dev, calibration.model_copy(update={"min_confidence": 0.0, "in_scope_threshold": 0.0}))
    assert any(o.off_topic and o.department is not None for o in routed_or_not)  # they are in the population
    error, table = expected_calibration_error(observe(dev, calibration))
    assert error < 0.03, table
    for row in table:
        if row["n"] >= 30:
            assert abs(row["confidence"] - row["accuracy"]) < 0.08, row
