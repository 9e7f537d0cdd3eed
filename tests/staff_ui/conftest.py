import time

import pytest

from kb.settings import get_settings
from tests.conftest import ADMIN_TOKEN, EDITOR_TOKEN, STAFF_TOKEN


@pytest.fixture
def console_env(live_api, api_settings, monkeypatch):
    """The console pointed at the test API, with both roles' tokens and the API's content copy."""
    monkeypatch.setenv("KB_API_URL", live_api)
    monkeypatch.setenv("KB_STAFF_TOKEN", STAFF_TOKEN)
    monkeypatch.setenv("KB_EDITOR_TOKEN", EDITOR_TOKEN)
    monkeypatch.setenv("KB_ADMIN_TOKEN", ADMIN_TOKEN)
    monkeypatch.setenv("KB_CONTENT_DIR", str(api_settings.content_dir))
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def wait_for_evaluation(client, headers, timeout: float = 600) -> None:
    deadline = time.monotonic() + timeout
    while client.get("/quality/eval", headers=headers).json()["running"]:
        assert time.monotonic() < deadline, "evaluation did not finish"
        time.sleep(2)


@pytest.fixture
def eval_report(client, staff_headers) -> str:
    """The name of the newest evaluation report of the test API (runs one when there is none)."""
    if not client.get("/quality/reports", headers=staff_headers).json():
        client.post("/quality/eval", headers=staff_headers)
        wait_for_evaluation(client, staff_headers)
    return client.get("/quality/reports", headers=staff_headers).json()[-1]["name"]
