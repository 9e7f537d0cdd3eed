"""The learned ranking is fitted on the dev questions, and the report ranks every question with a
model that did not see it."""

import random

import numpy as np

import eval.run as eval_run
from eval.run import SearchedQuestion, fit_ranking, out_of_fold
from kb.questions import LabelledQuestion
from search_api.pipeline import SearchOutcome, SearchTrace
from search_api.ranking import RANKING_FEATURES, SIGNALS, BoostedRanking, LearnedRanking
from search_api.routing import Routing, RoutingInput

WIDTH = len(RANKING_FEATURES)
CLUE = SIGNALS.index("keyword")


def question(text: str, right: str, rng: random.Random) -> SearchedQuestion:
    """Ten candidates in a random order; only the right one has the clue."""
    candidates = [f"{text}-{i}" for i in range(10)]
    rng.shuffle(candidates)
    rows = np.zeros((10, WIDTH))
    for position, article_id in enumerate(candidates):
        rows[position, SIGNALS.index("rank")] = position + 1
        rows[position, CLUE] = 1.0 if article_id == right else rng.random() * 0.2
    labelled = LabelledQuestion(q=text, expected=[right], department="afval", kind="colloquial")
    outcome = SearchOutcome([], Routing("routed", "afval", 0.9, 0.9), RoutingInput(hits=[]), [], "nl", 1.0)
    return SearchedQuestion(labelled, outcome, SearchTrace(ranking_features=rows, ranking_candidates=candidates))


def questions(n: int, seed: int = 1) -> list[SearchedQuestion]:
    rng = random.Random(seed)
    return [question(f"q{i}", f"q{i}-{rng.randrange(10)}", rng) for i in range(n)]


def test_the_fitted_ranking_puts_the_right_article_first_on_new_questions():
    ranking = fit_ranking(questions(40))
    assert isinstance(ranking, BoostedRanking) and ranking.trees
    new = questions(20, seed=2)
    first = [item.trace.ranking_candidates[int(np.argmax(ranking.probabilities(item.trace.ranking_features)))]
             for item in new]
    assert all(article_id in item.question.expected for article_id, item in zip(first, new))


def test_no_ranking_without_questions_to_learn_from():
    assert fit_ranking([]) is None


def test_every_question_is_ranked_by_a_model_that_did_not_see_it():
    items = questions(30)
    held_out = [item for item in items if item.question.split == "test"]
    assert held_out, "the hash split holds some of them out"
    seen: dict[int, set[str]] = {}

    def recording_fit(retrieved: list[SearchedQuestion]) -> LearnedRanking:
        ranking = LearnedRanking(coef=[float(len(seen))] * WIDTH, intercept=0.0)
        seen[id(ranking)] = {item.question.q for item in retrieved}
        return ranking

    rankings, _ = out_of_fold(items, recording_fit)
    dev = {item.question.q for item in items if item.question.split == "dev"}
    for item, ranking in zip(items, rankings):
        trained_on = seen[id(ranking)]
        assert item.question.q not in trained_on
        assert trained_on <= dev  # never the held-out questions
        if item.question.split == "test":
            assert trained_on == dev  # the model the API uses
    assert len({id(r) for r in rankings}) == eval_run.RANKING_FOLDS + 1
