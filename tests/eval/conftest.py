"""The labelled questions answered once by the live engine, for the tests that need real retrievals."""

import pytest

from eval.questions import load_questions
from eval.run import Retrieved, retrieve_all


@pytest.fixture(scope="session")
def retrieved_questions(live_server) -> list[Retrieved]:
    """Every question of `eval/questions.yaml` through the engine the test API serves."""
    return retrieve_all(live_server.app.state.engine, load_questions())
