"""Which regularisation of the in-scope model the fit keeps (`eval.run.choose_in_scope_model`):
the first that is worth as much as the best, within one standard error, under the policy."""

import numpy as np

from eval.run import FittedRouter, choose_in_scope_model
from search_api.routing import RoutingCalibration


def candidate(name: str, values: list[float], reaches_target: bool = True) -> FittedRouter:
    return FittedRouter(RoutingCalibration(model=name), reaches_target, np.array(values, dtype=float))


def base_values(n: int = 200) -> list[float]:
    rng = np.random.default_rng(3)
    return list(rng.choice([1.0, 0.0, -1.0], size=n, p=[0.8, 0.1, 0.1]))


def test_a_gain_within_the_noise_keeps_the_first_candidate():
    first = base_values()
    slightly_better = list(first)
    slightly_better[0], slightly_better[1] = 1.0, 1.0  # two questions of 200 differ
    chosen = choose_in_scope_model([candidate("first", first), candidate("other", slightly_better)])
    assert chosen.model == "first"


def test_a_clear_gain_takes_the_better_candidate():
    first = base_values()
    clearly_better = [1.0 if value == 0.0 else value for value in first]  # 10% abstentions now right
    chosen = choose_in_scope_model([candidate("first", first), candidate("other", clearly_better)])
    assert chosen.model == "other"


def test_only_candidates_that_reach_the_rejection_target_count():
    first = base_values()
    worth_more_but_short_of_the_target = [1.0] * len(first)
    chosen = choose_in_scope_model([
        candidate("short", worth_more_but_short_of_the_target, reaches_target=False),
        candidate("reaches", first),
    ])
    assert chosen.model == "reaches"


def test_when_none_reaches_the_target_the_best_is_still_chosen():
    first = base_values()
    better = [1.0 if value == 0.0 else value for value in first]
    chosen = choose_in_scope_model([candidate("first", first, False), candidate("better", better, False)])
    assert chosen.model == "better"
