"""The question memory is fitted on the dev questions' vectors, and the report scores every
question with one that does not hold it."""


import numpy as np

from eval.run import RANKING_FOLDS, SearchedQuestion, fit_memory, out_of_fold
from kb.questions import LabelledQuestion
from search_api.pipeline import SearchOutcome, SearchTrace
from search_api.routing import Routing, RoutingInput

COVERED, OFF_TOPIC = np.eye(8)[0], np.eye(8)[1]  # what covered and off-topic questions are about, in a toy space


def question(i: int, off_topic: bool, rng: np.random.Generator) -> SearchedQuestion:
    vector = (OFF_TOPIC if off_topic else COVERED) + rng.normal(0, 0.15, 8)
    labelled = LabelledQuestion(
        q=f"vraag {i}", expected=[] if off_topic else ["grofvuil-ophalen"], department=None if off_topic else "afval",
        kind="off_topic" if off_topic else "short",
    )
    outcome = SearchOutcome([], Routing("routed", "afval", 0.9, 0.9), RoutingInput(hits=[]), [], "nl", 1.0)
    return SearchedQuestion(labelled, outcome, SearchTrace(embedding=list(vector)))


def questions(n: int, seed: int) -> list[SearchedQuestion]:
    rng = np.random.default_rng(seed)
    return [question(i + 1000 * seed, i % 4 == 0, rng) for i in range(n)]


def test_the_memory_tells_new_covered_questions_from_off_topic_ones():
    memory = fit_memory(questions(60, seed=1))
    assert memory is not None and memory.dimensions == 8
    new = questions(40, seed=2)
    margins = np.array([memory.margin(item.trace.embedding) for item in new])
    covered = np.array([not item.question.off_topic for item in new])
    assert margins[covered].min() > 0 > margins[~covered].max()


def test_the_memory_holds_the_questions_it_was_fitted_on():
    items = questions(60, seed=1)
    memory = fit_memory(items)
    off_topic = sum(item.question.off_topic for item in items)
    assert memory is not None and memory.size == (len(items) - off_topic, off_topic)


def test_no_memory_without_both_kinds_of_question():
    covered_only = [item for item in questions(60, seed=1) if not item.question.off_topic]
    assert fit_memory(covered_only) is None and fit_memory([]) is None


def test_every_question_is_scored_by_a_memory_that_does_not_hold_it():
    items = questions(60, seed=3)
    memories, on_all_dev = out_of_fold(items, fit_memory)
    dev = [item for item in items if item.question.split == "dev"]
    assert len({id(model) for model in memories}) == RANKING_FOLDS + 1
    for item, model in zip(items, memories):
        if item.question.split == "test":
            assert model is on_all_dev  # the model the API uses, fitted on the dev questions only
        else:
            assert model is not on_all_dev
    again = fit_memory(dev)
    assert np.array_equal(on_all_dev.covered, again.covered) and np.array_equal(on_all_dev.off_topic, again.off_topic)
    # no question meets itself among the labelled questions a memory holds
    for item, model in zip(items, memories):
        vector = np.asarray(item.trace.embedding) / np.linalg.norm(item.trace.embedding)
        remembered = np.vstack([model.covered, model.off_topic]).astype(np.float32)
        assert (remembered @ vector).max() < 0.999
