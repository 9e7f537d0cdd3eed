"""Rate limits per client on the public endpoints, over real HTTP. The test API raises its limits
for the rest of the suite (tests/conftest.py); here it runs with small ones, set as an operator
would set them. Clients are told apart by the address a trusted proxy forwards."""

from __future__ import annotations

import itertools

import pytest

from kb.settings import Settings
from search_api.rate_limit import RateLimits
from search_api.routes.search import BENCHMARK_HEADER
from tests.conftest import make_settings

pytestmark = pytest.mark.slow

_addresses = (f"192.0.2.{n}" for n in itertools.count(1))


@pytest.fixture
def small_limits(live_server):
    """The live API with these limits for the length of a test."""
    saved = live_server.app.state.rate_limits

    def apply(**limits) -> None:
        settings: Settings = make_settings(live_server.settings.data_dir, live_server.settings.content_dir, **limits)
        live_server.app.state.rate_limits = RateLimits(settings)

    yield apply
    live_server.app.state.rate_limits = saved


def client_headers() -> dict[str, str]:
    return {"X-Forwarded-For": next(_addresses)}


def test_a_client_over_the_limit_waits_and_others_do_not(client, small_limits):
    small_limits(rate_limit_search="3/minute")
    one, other = client_headers(), client_headers()
    statuses = [client.get("/search", params={"q": "paspoort"}, headers=one).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    refused = client.get("/search", params={"q": "paspoort"}, headers=one)
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    assert "Probeer het over" in refused.json()["detail"]
    assert client.get("/search", params={"q": "paspoort"}, headers=other).status_code == 200


def test_staff_are_never_limited(client, small_limits, staff_headers):
    small_limits(rate_limit_search="1/minute")
    headers = {**client_headers(), **staff_headers}
    assert all(client.get("/search", params={"q": "paspoort"}, headers=headers).status_code == 200 for _ in range(5))


def test_feedback_and_suggestions_have_their_own_limits(client, small_limits):
    small_limits(rate_limit_feedback="2/minute", rate_limit_suggest="2/minute")
    headers = client_headers()
    feedback = [
        client.post("/feedback", json={"query": "paspoort", "helpful": True}, headers=headers).status_code for _ in range(3)
    ]
    assert feedback == [201, 201, 429]
    suggestions = [client.get("/suggest", params={"q": "pasp"}, headers=headers).status_code for _ in range(3)]
    assert suggestions == [200, 200, 429]
    assert client.get("/search", params={"q": "paspoort"}, headers=headers).status_code == 200


def test_one_client_cannot_grow_the_unanswered_list_without_bound(client, small_limits, staff_headers):
    small_limits(rate_limit_unanswered="2/hour")
    headers = client_headers()
    for n in range(5):
        response = client.get("/search", params={"q": f"recept voor appeltaart nummer {n} vandaag"}, headers=headers)
        assert response.status_code == 200
    listed = client.get("/quality/unanswered", params={"limit": 10_000}, headers=staff_headers).json()
    mine = [row for row in listed if row["query"].startswith("recept voor appeltaart nummer")]
    assert len(mine) == 2


def test_the_benchmark_header_counts_only_with_a_staff_token(client, staff_headers):
    marker = "recept voor perentaart met gember"
    client.get("/search", params={"q": marker}, headers={BENCHMARK_HEADER: "1"})
    client.get("/search", params={"q": f"{marker} en kaneel"}, headers={BENCHMARK_HEADER: "1", **staff_headers})
    listed = [row["query"] for row in client.get("/quality/unanswered", params={"limit": 10_000}, headers=staff_headers).json()]
    assert marker in listed
    assert f"{marker} en kaneel" not in listed


def test_the_search_page_says_in_dutch_when_to_try_again(client, small_limits):
    small_limits(rate_limit_search="2/minute", rate_limit_feedback="1/minute")
    headers = client_headers()
    statuses = [client.get("/zoeken", params={"q": "paspoort"}, headers=headers).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    page = client.get("/zoeken", params={"q": "paspoort"}, headers=headers)
    assert page.status_code == 429 and page.headers["content-type"].startswith("text/html")
    assert 1 <= int(page.headers["retry-after"]) <= 60
    assert "<h1" in page.text and "Even wachten" in page.text and "Probeer het over" in page.text
    assert "frame-ancestors" in page.headers["content-security-policy"]  # a page, with the pages' policy
    form = {"q": "paspoort", "nuttig": "ja", "pagina": "zoeken"}
    sent = [client.post("/zoeken/feedback", data=form, headers=headers).status_code for _ in range(2)]
    assert sent == [303, 429]
