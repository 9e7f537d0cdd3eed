"""Several `kb serve` processes on one data folder (behind a proxy, or the old and the new one of a
rolling restart): an article saved through one is found through the other, either may save
(their writer processes take turns with the embedded store), `kb index` still refuses while any
serves, and a service started after them serves every save. With the Qdrant retrievers on the
embedded store (which a service holds open) a second one says why it cannot serve. Real
processes, real HTTP."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import httpx
import pytest

from eval.serving_bench import serving
from kb.settings import PROJECT_DIR
from tests.conftest import free_port, small_content

pytestmark = pytest.mark.slow

ARTICLES = ("paspoort-aanvragen", "grofvuil-ophalen", "huurtoeslag")
TOKEN = "several-services-token-0123456789"
HEADERS = {"Authorization": f"Bearer {TOKEN}"}
#: Long enough for a loaded machine; the service itself follows within about half a second
FOLLOW_TIMEOUT_S = 20


def _first(client: httpx.Client, question: str) -> tuple[str, str] | None:
    """The first result's article and the text it shows from the article."""
    results = client.get("/search", params={"q": question}, headers=HEADERS).json()["results"]
    return (results[0]["article_id"], results[0]["snippet"]) if results else None


def _shows(client: httpx.Client, question: str, article_id: str, sentence: str) -> bool:
    first = _first(client, question)
    return first is not None and first[0] == article_id and sentence in first[1]


def _soon_shows(client: httpx.Client, question: str, article_id: str, sentence: str) -> bool:
    deadline = time.monotonic() + FOLLOW_TIMEOUT_S
    while time.monotonic() < deadline:
        if _shows(client, question, article_id, sentence):
            return True
        time.sleep(0.1)
    return False


def _save_with_sentence(client: httpx.Client, content, article_id: str, sentence: str) -> None:
    """Save the article with `sentence` opening its first section, as an editor does."""
    text = (content / f"{article_id}.md").read_text(encoding="utf-8")
    changed = text.replace("## Wat is het?\n\n", f"## Wat is het?\n\n{sentence} ", 1)
    assert changed != text
    saved = client.put(f"/admin/articles/{article_id}", json={"text": changed}, headers=HEADERS)
    assert saved.status_code == 200, saved.text


def test_services_on_one_data_folder_follow_each_other(tmp_path):
    content = small_content(tmp_path / "content", ARTICLES)
    env = {**os.environ, "KB_DATA_DIR": str(tmp_path / "data"), "KB_CONTENT_DIR": str(content),
           "KB_STAFF_TOKEN": TOKEN, "KB_EDITOR_TOKEN": TOKEN, "KB_ADMIN_TOKEN": TOKEN, "PYTHONPATH": str(PROJECT_DIR)}
    env.pop("KB_DATABASE_URL", None)
    env.pop("KB_QDRANT_URL", None)
    log = tmp_path / "serve.log"
    indexed = subprocess.run([sys.executable, "-m", "kb.cli", "index"], env=env, capture_output=True, text=True, timeout=600)
    assert indexed.returncode == 0, indexed.stderr

    pool, pool_question = "Ook een opblaasbaar zwembad halen we op.", "opblaasbaar zwembad weggooien"
    camel, camel_question = "Ook voor een reis met een kameel.", "paspoort voor een reis met een kameel"
    with serving(env, log) as first, serving(env, log) as second, \
            httpx.Client(base_url=first.url, timeout=120) as one, httpx.Client(base_url=second.url, timeout=120) as two:
        assert not _shows(two, pool_question, "grofvuil-ophalen", pool)

        _save_with_sentence(one, content, "grofvuil-ophalen", pool)
        assert _shows(one, pool_question, "grofvuil-ophalen", pool)  # at once where it was saved
        assert _soon_shows(two, pool_question, "grofvuil-ophalen", pool)  # and soon through the other

        # The first one's writer process still holds the store: the second's takes its turn after it
        assert not _shows(one, camel_question, "paspoort-aanvragen", camel)
        _save_with_sentence(two, content, "paspoort-aanvragen", camel)
        assert _soon_shows(one, camel_question, "paspoort-aanvragen", camel)
        for client in (one, two):
            assert "kb_index_changes_followed_total 1.0" in client.get("/metrics", headers=HEADERS).text

        refused = subprocess.run([sys.executable, "-m", "kb.cli", "index"], env=env, capture_output=True, text=True,
                                 timeout=600)
        assert refused.returncode != 0 and "in use by another process" in refused.stdout + refused.stderr

    # Both writer processes wrote their saves to the store: nothing is left for `kb index` to do
    again = subprocess.run([sys.executable, "-m", "kb.cli", "index"], env={**env, "COLUMNS": "200"}, capture_output=True,
                           text=True, timeout=600)
    assert again.returncode == 0, again.stdout + again.stderr
    assert "0 added, 0 updated, 0 removed, 3 unchanged" in again.stdout, again.stdout

    with serving(env, log) as third, httpx.Client(base_url=third.url, timeout=120) as three:
        assert _shows(three, pool_question, "grofvuil-ophalen", pool)
        assert _shows(three, camel_question, "paspoort-aanvragen", camel)
        assert three.get("/health").status_code == 200
    output = log.read_text(encoding="utf-8")
    assert "Traceback" not in output and " ERROR " not in output, output[-3000:]
    assert output.count("Re-indexed after another service") >= 2


def test_with_the_store_held_open_a_second_service_says_why_it_cannot_serve(tmp_path):
    content = small_content(tmp_path / "content", ARTICLES)
    env = {**os.environ, "KB_DATA_DIR": str(tmp_path / "data"), "KB_CONTENT_DIR": str(content),
           "KB_STAFF_TOKEN": TOKEN, "KB_EDITOR_TOKEN": TOKEN, "KB_ADMIN_TOKEN": TOKEN, "PYTHONPATH": str(PROJECT_DIR),
           "KB_RETRIEVAL_BACKEND": "qdrant"}
    env.pop("KB_DATABASE_URL", None)
    env.pop("KB_QDRANT_URL", None)
    log = tmp_path / "second.log"
    with serving(env, tmp_path / "first.log"):
        port = free_port()
        with log.open("w") as output:
            second = subprocess.Popen([sys.executable, "-m", "kb.cli", "serve", "--port", str(port)], env=env,
                                      stdout=output, stderr=subprocess.STDOUT)
        try:
            deadline, health = time.monotonic() + 120, None
            while time.monotonic() < deadline:
                try:
                    health = httpx.get(f"http://127.0.0.1:{port}/health", timeout=5)
                    if health.json()["status"] == "error":
                        break
                except httpx.TransportError:
                    pass
                time.sleep(0.2)
            assert health is not None and health.status_code == 503
            assert "in use by another process" in health.json()["detail"]
        finally:
            second.terminate()
            second.wait(timeout=60)
    output = log.read_text(encoding="utf-8")
    assert "The search engine could not start: The embedded store" in output
    assert "Traceback" not in output
