"""The in-scope model and the department distribution."""

import math

import pytest

from search_api.grouping import ArticleHit
from search_api.routing import (
    IN_SCOPE_FEATURES,
    RoutingCalibration,
    RoutingInput,
    department_distribution,
    in_scope_probability,
)


def coefficients(**named: float) -> list[float]:
    """Coefficients in the order of `IN_SCOPE_FEATURES`, 0 for the ones not named."""
    assert set(named) <= set(IN_SCOPE_FEATURES)
    return [named.get(name, 0.0) for name in IN_SCOPE_FEATURES]


CALIBRATION = RoutingCalibration(in_scope_coef=coefficients(dense_cosine=10.0, bm25_log=2.0), in_scope_intercept=-10.0)


def test_the_bm25_score_counts_for_being_in_scope():
    weak = RoutingInput(hits=[], top_dense=0.85, top_sparse=0.0)
    strong = RoutingInput(hits=[], top_dense=0.85, top_sparse=20.0)
    assert in_scope_probability(strong, CALIBRATION) > in_scope_probability(weak, CALIBRATION)
    assert math.isclose(in_scope_probability(weak, CALIBRATION), 1 / (1 + math.exp(-(10.0 * 0.85 - 10.0))))


def test_the_labelled_questions_margin_counts_only_in_a_router_fitted_with_it():
    question = RoutingInput(hits=[], top_dense=0.85, top_sparse=3.0, margin=0.2)
    before = in_scope_probability(question, CALIBRATION)  # fitted before the signal existed
    assert before == in_scope_probability(RoutingInput(hits=[], top_dense=0.85, top_sparse=3.0), CALIBRATION)
    fitted = CALIBRATION.model_copy(
        update={"in_scope_coef": coefficients(dense_cosine=10.0, bm25_log=2.0, memory_margin=30.0)}
    )
    assert math.isclose(in_scope_probability(question, fitted), 1 / (1 + math.exp(-(math.log(before / (1 - before)) + 30.0 * 0.2))))


def test_a_short_question_needs_less_evidence_to_count_as_in_scope():
    calibration = RoutingCalibration(in_scope_coef=coefficients(dense_cosine=10.0, bm25_log=2.0, shortness=7.0),
                                     in_scope_intercept=-13.0)
    one_word = RoutingInput(hits=[], top_dense=0.84, top_sparse=5.0, words=1)
    sentence = RoutingInput(hits=[], top_dense=0.84, top_sparse=5.0, words=12)
    assert one_word.features()[2] == 0.5 and sentence.features()[2] == 1 / 13
    assert in_scope_probability(one_word, calibration) > 0.5 > in_scope_probability(sentence, calibration)


def test_departments_tied_in_the_vote_keep_the_order_of_their_articles():
    """BM25 often gives two articles the same score; the department of the better-ranked one comes
    first, the same in every process (a set of names ordered them by the string hash of the run)."""
    def hit(article_id: str, department: str) -> ArticleHit:
        return ArticleHit(article_id=article_id, title=article_id, department_id=department, upl=[], score=3.0, best_section=None)

    for first, second in (("zorg", "afval"), ("afval", "zorg")):
        question = RoutingInput(hits=[hit("a", first), hit("b", second)])
        assert [d for d, _ in department_distribution(question, CALIBRATION)] == [first, second]


def test_one_coefficient_per_named_feature():
    with pytest.raises(ValueError, match="one coefficient per feature"):
        RoutingCalibration(in_scope_coef=[60.0, 0.0, 0.0, 0.0])  # one short: it would drop the last feature
    assert len(RoutingCalibration().in_scope_coef) == len(IN_SCOPE_FEATURES) == len(RoutingInput(hits=[]).features())
