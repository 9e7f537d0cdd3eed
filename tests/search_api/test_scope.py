"""The scope model: log-odds of the question vector being about something the knowledge base covers."""

import math

from search_api.scope import ScopeModel


def test_log_odds_of_a_question_vector():
    model = ScopeModel(coef=[2.0, -1.0, 0.5], intercept=-0.25)
    assert math.isclose(model.log_odds([1.0, 0.5, 2.0]), 2.0 - 0.5 + 1.0 - 0.25)


def test_no_signal_without_a_vector_or_for_another_models_vectors():
    model = ScopeModel(coef=[2.0, -1.0, 0.5], intercept=-0.25)
    assert model.log_odds(None) == 0.0
    assert model.log_odds([1.0] * 384) == 0.0
