"""The in-scope model and the out-of-fold probabilities the off-topic threshold is chosen on."""

import random

import numpy as np

from eval.run import IN_SCOPE_REPEATS, SearchedQuestion, fit_in_scope, out_of_fold_in_scope
from kb.questions import LabelledQuestion
from search_api.pipeline import SearchOutcome, SearchTrace
from search_api.routing import IN_SCOPE_FEATURES, Routing, RoutingCalibration, RoutingInput, in_scope_probability


def item(q: str, off_topic: bool, dense: float, sparse: float, words: int) -> SearchedQuestion:
    question = LabelledQuestion(
        q=q, expected=[] if off_topic else ["grofvuil-ophalen"], department=None if off_topic else "afval",
        kind="off_topic" if off_topic else "colloquial",
    )
    routing_input = RoutingInput(hits=[], top_dense=dense, top_sparse=sparse, words=words)
    outcome = SearchOutcome([], Routing("routed", "afval", 0.9, 0.9), routing_input, [], "nl", 1.0)
    return SearchedQuestion(question, outcome, SearchTrace())


def overlapping_questions(n_in: int = 60, n_off: int = 20) -> list[SearchedQuestion]:
    """In-scope questions score higher than off-topic ones on average, with overlap."""
    rng = random.Random(7)
    items = [item(f"in {i}", False, rng.gauss(0.89, 0.02), rng.gauss(14, 3), rng.randint(3, 15)) for i in range(n_in)]
    items += [item(f"off {i}", True, rng.gauss(0.85, 0.02), rng.gauss(11, 3), rng.randint(3, 15)) for i in range(n_off)]
    return items


def test_the_fitted_model_gives_in_scope_questions_the_higher_probability():
    items = overlapping_questions()
    calibration = fit_in_scope(items, RoutingCalibration())
    p = np.array([in_scope_probability(i.routing_input, calibration) for i in items])
    labels = np.array([not i.question.off_topic for i in items])
    assert p[labels].mean() > 0.6 > 0.4 > p[~labels].mean()


def test_out_of_fold_probabilities_are_less_sure_than_the_ones_the_model_was_fitted_on():
    items = overlapping_questions()
    calibration = fit_in_scope(items, RoutingCalibration())
    labels = np.array([0.0 if i.question.off_topic else 1.0 for i in items])
    in_sample = np.array([in_scope_probability(i.routing_input, calibration) for i in items])
    repeats = out_of_fold_in_scope(items, calibration)
    assert len(repeats) == IN_SCOPE_REPEATS and all(len(r) == len(items) for r in repeats)
    assert all(0.0 < p < 1.0 for r in repeats for p in r)
    assert repeats[0] != repeats[1]  # each repeat splits the questions differently
    in_sample_error = np.abs(in_sample - labels).mean()
    assert all(np.abs(np.array(r) - labels).mean() > in_sample_error for r in repeats)


def test_with_too_few_off_topic_questions_to_hold_apart_the_fitted_probabilities_are_used():
    items = overlapping_questions(n_in=20, n_off=1)
    calibration = RoutingCalibration()
    repeats = out_of_fold_in_scope(items, calibration)
    assert repeats == [[in_scope_probability(i.routing_input, calibration) for i in items]]


def test_a_model_fitted_on_standardised_features_is_stored_on_the_raw_ones():
    """The API applies the stored coefficients to the raw features, without a scaler."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    items = overlapping_questions()
    calibration = fit_in_scope(items, RoutingCalibration(in_scope_standardised=True, in_scope_c=1.0))
    features = np.array([i.routing_input.features() for i in items])
    labels = np.array([0 if i.question.off_topic else 1 for i in items])
    pipeline = make_pipeline(StandardScaler(), LogisticRegression(class_weight="balanced", C=1.0, max_iter=1000))
    expected = pipeline.fit(features, labels).predict_proba(features)[:, 1]
    stored = [in_scope_probability(i.routing_input, calibration) for i in items]
    assert np.allclose(stored, expected, atol=1e-9)
    assert calibration.in_scope_standardised and calibration.in_scope_c == 1.0


def test_standardising_frees_the_dense_cosine_from_the_penalty():
    """On raw features the cosine varies over hundredths, so the L2 penalty holds its weight down;
    standardised, every feature is penalised on the same scale."""
    items = overlapping_questions()
    raw = fit_in_scope(items, RoutingCalibration(in_scope_c=0.1))
    standardised = fit_in_scope(items, RoutingCalibration(in_scope_standardised=True, in_scope_c=0.1))
    assert standardised.in_scope_coef[0] > 5 * raw.in_scope_coef[0] > 0


def test_the_learned_rankings_confidence_is_a_signal_of_the_in_scope_model():
    """Covered and off-topic questions alike on cosine, BM25 and length; only the learned ranking's
    probability for its first article tells them apart."""
    rng = random.Random(5)
    items = []
    for i in range(80):
        off_topic = i % 4 == 0
        question = item(f"q {i}", off_topic, rng.gauss(0.87, 0.02), rng.gauss(12, 3), 4)
        question.outcome.routing_input.ranking_top = rng.uniform(0.0, 0.3) if off_topic else rng.uniform(0.4, 0.9)
        items.append(question)
    calibration = fit_in_scope(items, RoutingCalibration(in_scope_standardised=True, in_scope_c=1.0))
    assert len(calibration.in_scope_coef) == len(items[0].routing_input.features()) and calibration.in_scope_coef[3] > 0
    p = np.array([in_scope_probability(i.routing_input, calibration) for i in items])
    covered = np.array([not i.question.off_topic for i in items])
    assert p[covered].min() > p[~covered].max()


def test_the_question_memorys_margin_is_a_signal_of_the_in_scope_model():
    """Covered and off-topic questions alike on cosine, BM25 and length; only what the question is
    about (how much nearer it is to covered labelled questions than to off-topic ones) tells them
    apart."""
    rng = random.Random(11)
    items = []
    for i in range(160):
        off_topic = i % 4 == 0
        question = item(f"q {i}", off_topic, rng.gauss(0.87, 0.02), rng.gauss(12, 3), 4)
        question.outcome.routing_input.margin = rng.uniform(-0.3, -0.05) if off_topic else rng.uniform(0.05, 0.3)
        items.append(question)
    calibration = fit_in_scope(items, RoutingCalibration(in_scope_standardised=True, in_scope_c=1.0))
    assert calibration.in_scope_coef[IN_SCOPE_FEATURES.index("memory_margin")] > 0
    p = np.array([in_scope_probability(i.routing_input, calibration) for i in items])
    covered = np.array([not i.question.off_topic for i in items])
    assert p[covered].min() > p[~covered].max()
