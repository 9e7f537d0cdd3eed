"""Monitoring counters over real HTTP: searches per routing outcome, search time, feedback,
index size; staff only, and no question text in them."""

import pytest
from prometheus_client.parser import text_string_to_metric_families

from search_api.routes.search import BENCHMARK_HEADER

pytestmark = pytest.mark.slow


def scrape(client, staff_headers) -> tuple[str, dict[tuple[str, tuple], float]]:
    response = client.get("/metrics", headers=staff_headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    samples = {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }
    return response.text, samples


def searches(samples: dict, outcome: str, view: str = "public") -> float:
    return samples.get(("kb_searches_total", (("outcome", outcome), ("view", view))), 0.0)


def test_searches_are_counted_by_routing_outcome_without_their_text(client, staff_headers):
    _, before = scrape(client, staff_headers)
    found = client.get("/search", params={"q": "ik wil mijn paspoort verlengen"}).json()
    off_topic = client.get("/search", params={"q": "recept voor appeltaart met kaneel en slagroom"}).json()
    staff = client.get("/search", params={"q": "grofvuil laten ophalen", "view": "staff"}, headers=staff_headers).json()
    client.get("/search", params={"q": "paspoort"}, headers={BENCHMARK_HEADER: "1", **staff_headers})  # kb bench: not counted
    text, after = scrape(client, staff_headers)

    assert found["routing"]["status"] == "routed" and off_topic["routing"]["status"] == "off_topic"
    assert searches(after, "routed") - searches(before, "routed") == 1
    assert searches(after, "off_topic") - searches(before, "off_topic") == 1
    assert searches(after, "routed", "staff") - searches(before, "routed", "staff") == (staff["routing"]["status"] == "routed")
    timed = ("kb_search_seconds_count", ())
    assert after[timed] - before.get(timed, 0.0) == 3
    assert after[("kb_search_seconds_sum", ())] > before.get(("kb_search_seconds_sum", ()), 0.0)
    assert after[("kb_index_articles", ())] > 200 and after[("kb_index_chunks", ())] > after[("kb_index_articles", ())]
    assert after[("process_resident_memory_bytes", ())] > 0
    assert "paspoort" not in text and "appeltaart" not in text


def test_feedback_is_counted_by_answer_and_channel(client, staff_headers):
    key = ("kb_feedback_total", (("channel", "web"), ("helpful", "no")))
    _, before = scrape(client, staff_headers)
    response = client.post("/feedback", json={"query": "grofvuil", "article_id": "grofvuil-ophalen", "helpful": False})
    assert response.status_code == 201, response.text
    _, after = scrape(client, staff_headers)
    assert after[key] - before.get(key, 0.0) == 1


def test_the_counters_are_for_staff_only(client):
    response = client.get("/metrics")
    assert response.status_code == 401
    assert "token" in response.json()["detail"]
