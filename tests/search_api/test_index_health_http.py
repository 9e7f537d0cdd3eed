"""/health and /metrics answer from a snapshot of the index, also while a full re-index runs;
health says `degraded` with a reason when the index differs from the content; the API's
re-index names each invalid file with line and reason, and takes ids, never paths. Real API over
HTTP on a small copy of the knowledge base (real model, real embedded Qdrant)."""

from __future__ import annotations

import logging
import re
import statistics
import threading
import time

import httpx
import pytest

from tests.conftest import ADMIN_TOKEN, EDITOR_TOKEN, STAFF_TOKEN, LiveServer, make_settings
from tests.indexer.test_interrupted_indexing import ARTICLES, copy_articles
from tests.search_api.test_reindex_http import NEW_ARTICLE

pytestmark = pytest.mark.slow

ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
EDITOR = {"Authorization": f"Bearer {EDITOR_TOKEN}"}
STAFF = {"Authorization": f"Bearer {STAFF_TOKEN}"}
HEALTH_BOUND_MS = 100  # a liveness probe must get its answer, whatever runs
METRICS_BOUND_MS = 1000  # not blocked by the re-index (seconds); a scrape renders every counter, up to 0.4 s on a busy machine


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    root = tmp_path_factory.mktemp("health")
    server = LiveServer(make_settings(root / "data", copy_articles(root / "content", ARTICLES))).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def client(server):
    with httpx.Client(base_url=server.url, timeout=60) as http:
        yield http


def test_health_metrics_and_searches_answer_while_everything_is_re_indexed(server, client):
    assert client.get("/health").json()["status"] == "ok"
    for path in server.settings.content_dir.glob("*.md"):  # every title changed: every chunk embedded anew
        path.write_text(retitled(path.read_text(encoding="utf-8")), encoding="utf-8")
    done: list[httpx.Response] = []
    reindex = threading.Thread(target=lambda: done.append(client.post("/admin/reindex", headers=ADMIN, timeout=600)))
    reindex.start()
    health_ms, metrics_ms, searches = [], [], []
    with httpx.Client(base_url=server.url, timeout=60) as probe:
        while reindex.is_alive():
            started = time.perf_counter()
            health = probe.get("/health")
            health_ms.append((time.perf_counter() - started) * 1000)
            assert health.status_code == 200 and health.json()["articles_indexed"] == len(ARTICLES), health.text
            started = time.perf_counter()
            assert probe.get("/metrics", headers=STAFF).status_code == 200
            metrics_ms.append((time.perf_counter() - started) * 1000)
            search = probe.get("/search", params={"q": "wat kost een paspoort"})
            searches.append((search.status_code, search.json()["results"][0]["article_id"]))
            time.sleep(0.01)  # a full re-index of these few articles takes a second or two
    reindex.join()
    assert done[0].status_code == 200 and sorted(done[0].json()["updated"]) == sorted(ARTICLES)
    assert len(health_ms) >= 5  # the re-index ran long enough to be watched
    assert max(health_ms) <= HEALTH_BOUND_MS, health_ms
    assert max(metrics_ms) <= METRICS_BOUND_MS, metrics_ms  # a scrape also renders the process counters
    assert statistics.median(metrics_ms) <= HEALTH_BOUND_MS, metrics_ms  # and a typical one is as quick as health
    assert set(searches) == {(200, "paspoort-aanvragen")}  # every search answered, from a complete index
    assert client.get("/health").json()["status"] == "ok"


def retitled(text: str) -> str:
    """The article with " (bijgewerkt)" after its title (quoted or not): a new text for every chunk."""
    return re.sub(r"^title: (['\"]?)(.*?)\1$", lambda m: f"title: {m[1]}{m[2]} (bijgewerkt){m[1]}", text, count=1, flags=re.M)


def test_health_is_degraded_with_a_reason_when_the_index_misses_an_article(server, client):
    path = server.settings.content_dir / "kippen-houden.md"
    path.write_text(NEW_ARTICLE, encoding="utf-8")
    try:
        # an editor re-indexes another article: the new file is now known, but not indexed
        assert client.post("/admin/reindex", json={"article_ids": [ARTICLES[0]]}, headers=EDITOR).status_code == 200
        health = client.get("/health")
        body = health.json()
        assert health.status_code == 200 and body["status"] == "degraded" and body["ready"] is True
        assert "1 artikel ontbreekt (kippen-houden)" in body["detail"]
        assert body["articles_indexed"] == len(ARTICLES)  # counted in the store, not in the folder

        client.post("/admin/reindex", json={"article_ids": ["kippen-houden"]}, headers=EDITOR).raise_for_status()
        body = client.get("/health").json()
        assert body["status"] == "ok" and body["detail"] is None and body["articles_indexed"] == len(ARTICLES) + 1
    finally:
        path.unlink()
    client.post("/admin/reindex", json={"article_ids": [ARTICLES[0]]}, headers=EDITOR).raise_for_status()
    body = client.get("/health").json()
    assert body["status"] == "degraded" and "1 artikel is verwijderd maar nog vindbaar (kippen-houden)" in body["detail"]
    client.post("/admin/reindex", json={"article_ids": ["kippen-houden"]}, headers=EDITOR).raise_for_status()
    assert client.get("/health").json()["status"] == "ok"


def test_reindex_names_each_invalid_file_with_line_and_reason_and_logs_it(server, client, caplog):
    broken = NEW_ARTICLE.replace("id: kippen-houden", "id: kapot-artikel").replace(
        "department: openbare_ruimte", "department: onbekend"
    )
    path = server.settings.content_dir / "kapot-artikel.md"
    path.write_text(broken, encoding="utf-8")
    line = broken.split("\n").index("department: onbekend") + 1
    try:
        with caplog.at_level(logging.WARNING, logger="search_api.engine"):
            response = client.post("/admin/reindex", headers=ADMIN)
    finally:
        path.unlink()
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["invalid_files"] == ["kapot-artikel.md"]
    assert report["problems"] == [f"kapot-artikel.md:{line}: unknown department 'onbekend' (see kb/departments.yaml)"]
    assert str(server.settings.content_dir) not in response.text  # no path of the server's disk
    assert any(f"kapot-artikel.md:{line}: unknown department" in r.getMessage() for r in caplog.records if r.levelno == logging.WARNING)


@pytest.mark.parametrize("article_id", ["../../../../etc/README", "paspoort-aanvragen/../x", "Paspoort", ""])
def test_reindex_takes_article_ids_never_paths(client, article_id):
    response = client.post("/admin/reindex", json={"article_ids": [article_id]}, headers=EDITOR)
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert detail == "Ongeldig verzoek: article_ids.0 heeft een ongeldige vorm." and response.json()["errors"]


def test_reindex_takes_a_limited_number_of_articles(client):
    response = client.post("/admin/reindex", json={"article_ids": ["paspoort-aanvragen"] * 101}, headers=EDITOR)
    assert response.status_code == 422 and response.json()["detail"] == "Ongeldig verzoek: article_ids bevat te veel items."
