"""A service started on a content folder that changed while no service ran (a deploy of new
articles) re-indexes what changed once it answers: edited articles are found in their new
version, removed ones no more, and the store holds it. Real processes, real HTTP."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import httpx
import pytest

from eval.serving_bench import serving
from kb.settings import PROJECT_DIR
from tests.conftest import small_content

pytestmark = pytest.mark.slow

ARTICLES = ("paspoort-aanvragen", "grofvuil-ophalen", "huurtoeslag")
TOKEN = "content-catch-up-token-0123456789"
HEADERS = {"Authorization": f"Bearer {TOKEN}"}
#: Long enough for a loaded machine; the service itself catches up within about a second
CATCH_UP_TIMEOUT_S = 30


def _first(client: httpx.Client, question: str) -> tuple[str, str] | None:
    results = client.get("/search", params={"q": question}, headers=HEADERS).json()["results"]
    return (results[0]["article_id"], results[0]["snippet"]) if results else None


def _soon(check) -> bool:
    deadline = time.monotonic() + CATCH_UP_TIMEOUT_S
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.1)
    return False


def _index(env: dict[str, str]) -> str:
    done = subprocess.run([sys.executable, "-m", "kb.cli", "index"], env={**env, "COLUMNS": "200"},
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_a_service_started_on_changed_content_reindexes_what_changed(tmp_path):
    content = small_content(tmp_path / "content", ARTICLES)
    env = {**os.environ, "KB_DATA_DIR": str(tmp_path / "data"), "KB_CONTENT_DIR": str(content),
           "KB_STAFF_TOKEN": TOKEN, "KB_EDITOR_TOKEN": TOKEN, "KB_ADMIN_TOKEN": TOKEN, "PYTHONPATH": str(PROJECT_DIR)}
    env.pop("KB_DATABASE_URL", None)
    env.pop("KB_QDRANT_URL", None)
    _index(env)

    # A deploy: one article edited, one removed, while no service runs
    pool, pool_question = "Ook een opblaasbaar zwembad halen we op.", "opblaasbaar zwembad weggooien"
    path = content / "grofvuil-ophalen.md"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("## Wat is het?\n\n", f"## Wat is het?\n\n{pool} ", 1), encoding="utf-8")
    (content / "huurtoeslag.md").unlink()

    log = tmp_path / "serve.log"
    with serving(env, log) as service, httpx.Client(base_url=service.url, timeout=120) as client:
        assert _soon(lambda: (found := _first(client, pool_question)) is not None
                     and found[0] == "grofvuil-ophalen" and pool in found[1])
        assert _soon(lambda: client.get("/health").json()["articles_indexed"] == 2)
        assert all(result["article_id"] != "huurtoeslag" for result in
                   client.get("/search", params={"q": "huurtoeslag aanvragen"}, headers=HEADERS).json()["results"])

    # Written to the store too: nothing is left for `kb index`, and a service started now has nothing to catch up
    assert "0 added, 0 updated, 0 removed, 2 unchanged" in _index(env)
    output = log.read_text(encoding="utf-8")
    assert output.count("The content folder changed since the index was written: re-indexing 2 articles") == 1, output[-3000:]
    assert "Traceback" not in output and " ERROR " not in output, output[-3000:]
