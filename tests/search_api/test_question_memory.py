"""The question memory: how much nearer a question is to the labelled questions we cover than to the off-topic ones."""

import math

import numpy as np

from search_api.question_memory import QuestionMemory


def test_the_memory_says_how_much_nearer_a_question_is_to_covered_questions_than_to_off_topic_ones():
    covered = np.array([[1.0, 0.0, 0.0], [0.9, 0.1, 0.0], [0.0, 0.0, 1.0]])
    off_topic = np.array([[0.0, 1.0, 0.0], [0.0, 0.9, 0.2]])
    memory = QuestionMemory.from_vectors(covered, off_topic, neighbours=2)
    assert memory.size == (3, 2)
    near_covered, near_off_topic = memory.margin([2.0, 0.1, 0.0]), memory.margin([0.1, 3.0, 0.0])
    assert near_covered > 0.5 and near_off_topic < -0.5
    # the mean cosine of the two nearest of each kind, vectors L2-normalised (stored as float16)
    unit = lambda v: np.asarray(v) / np.linalg.norm(v)  # noqa: E731
    question = unit([1.0, 1.0, 0.0])
    expected = np.mean(sorted(unit(c) @ question for c in covered)[-2:]) - np.mean([unit(o) @ question for o in off_topic])
    assert math.isclose(memory.margin([1.0, 1.0, 0.0]), expected, abs_tol=1e-3)
    # the same signal from its stored float16 rows
    again = QuestionMemory(covered=memory.covered.copy(), off_topic=memory.off_topic.copy(), neighbours=2)
    assert again.margin([2.0, 0.1, 0.0]) == near_covered


def test_no_memory_signal_without_a_vector_or_for_another_models_vectors():
    memory = QuestionMemory.from_vectors(np.eye(3)[:2], np.eye(3)[2:])
    assert memory.margin(None) == 0.0 and memory.margin([1.0] * 384) == 0.0
    assert memory.margin([1.0, 0.0, 0.0]) > 0
