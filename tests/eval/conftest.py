"""The labelled questions answered once by the live engine, for the tests that need real retrievals."""

import pytest

from eval.run import SearchedQuestion, retrieve_out_of_fold
from kb.questions import load_questions


@pytest.fixture(scope="session")
def retrieved_questions(live_server) -> list[SearchedQuestion]:
    """Every question of `eval/questions.yaml` through the engine the test API serves, as `kb eval`
    retrieves them: each ranked and scored by learned models that did not see it. (With the
    committed ones, fitted on the dev questions, a router fitted on the dev questions would see
    signals sharper than any new question gets.)"""
    return retrieve_out_of_fold(live_server.app.state.engine, load_questions()).retrieved
