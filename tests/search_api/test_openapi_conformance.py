"""The OpenAPI document tells the truth: schemathesis generates requests for every operation from
it (valid and invalid ones), sends them over real HTTP to the running API, without a token and
with each role's token, and runs all of its checks on the answers: no server error, every status,
header, content type and body as documented, invalid data refused, valid data accepted, and
authentication enforced where the document says so.

The API under test serves a small knowledge base in its own data folder (writes by generated
requests, such as feedback and labelled questions, stay there)."""

from __future__ import annotations

import random
import shutil

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from tests.conftest import ADMIN_TOKEN, EDITOR_TOKEN, SHIPPED_CONTENT, STAFF_TOKEN, LiveServer, make_settings

pytestmark = pytest.mark.slow

ARTICLES = 20
EXAMPLES = 30  # per operation and token: bounded, so the gate takes about a minute
TOKENS = {"none": None, "staff": STAFF_TOKEN, "editor": EDITOR_TOKEN, "admin": ADMIN_TOKEN}


@pytest.fixture(scope="module")
def conformance_server(tmp_path_factory):
    content = tmp_path_factory.mktemp("conformance") / "content"
    content.mkdir()
    for path in random.Random(7).sample(sorted(SHIPPED_CONTENT.glob("*.md")), ARTICLES):
        shutil.copy(path, content / path.name)
    questions = tmp_path_factory.mktemp("conformance-eval") / "questions.yaml"
    shutil.copy(SHIPPED_CONTENT.parent.parent / "eval" / "questions.yaml", questions)
    server = LiveServer(make_settings(tmp_path_factory.mktemp("conformance-data"), content, questions_file=questions))
    yield server.start()
    server.stop()


@pytest.fixture(scope="module")
def api_schema(conformance_server):
    schema = schemathesis.openapi.from_url(f"{conformance_server.url}/openapi.json")
    # An evaluation run takes minutes of CPU: it is started once by the console tests, not here.
    return schema.exclude(path="/quality/eval", method="POST")


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_every_operation_answers_as_documented(case):
    """Each generated request is sent once per role: without a token and with each role's token."""
    for token in TOKENS.values():
        case.call_and_validate(headers={"Authorization": f"Bearer {token}"} if token else {})
