"""A repeated question is answered before FastAPI routes it (`search_api.cached_searches`), with
the answer, the headers, the counting and the limits of the route; whatever is not a plain
repeat goes on to the route. Over real HTTP, against the live API."""

from __future__ import annotations

import itertools

import pytest

from search_api.cached_searches import CachedSearches
from search_api.routes.search import BENCHMARK_HEADER

pytestmark = pytest.mark.slow

_addresses = (f"198.51.100.{n}" for n in itertools.count(1))
VARYING = {"took_ms", "search_id"}


def layer(live_server) -> CachedSearches:
    """The app's instance of the layer (in its middleware stack, built at the first request)."""
    app = live_server.app.middleware_stack
    while not isinstance(app, CachedSearches):
        app = app.app
    return app


def same_answer(first, second) -> None:
    assert first.status_code == second.status_code == 200
    one, two = first.json(), second.json()
    assert {k: v for k, v in one.items() if k not in VARYING} == {k: v for k, v in two.items() if k not in VARYING}
    assert one["search_id"] and two["search_id"] and one["search_id"] != two["search_id"]  # each search logged
    varying = {"date", "server-timing", "content-length"}  # the length varies with the two fields above
    assert {k: v for k, v in first.headers.items() if k not in varying} == {
        k: v for k, v in second.headers.items() if k not in varying
    }


def test_a_repeated_question_gets_the_route_s_answer_and_headers(client, live_server):
    params = {"q": "Hoe vraag ik een gehandicaptenparkeerkaart aan?", "limit": "3"}
    headers = {"X-Forwarded-For": next(_addresses), "Origin": "https://www.voorbeeldstad.nl"}
    first = client.get("/search", params=params, headers=headers)  # searched by the route
    answered = layer(live_server).answered
    second = client.get("/search", params=params, headers=headers)
    assert layer(live_server).answered == answered + 1
    same_answer(first, second)
    assert "server-timing" not in second.headers  # not for citizens
    assert second.headers["x-content-type-options"] == "nosniff" and second.headers["cache-control"] == "no-store"


def test_staff_get_their_view_and_the_stages(client, live_server, staff_headers):
    params = {"q": "Kan ik mijn rijbewijs verlengen bij de gemeente?", "view": "staff"}
    first = client.get("/search", params=params, headers=staff_headers)
    answered = layer(live_server).answered
    second = client.get("/search", params=params, headers=staff_headers)
    assert layer(live_server).answered == answered + 1
    same_answer(first, second)
    assert "cache;dur=" in second.headers["server-timing"]
    assert client.get("/search", params=params).status_code == 401  # the staff view without a token: the route says no


def test_what_is_not_a_plain_repeat_goes_to_the_route(client, live_server, staff_headers):
    question = "Wanneer wordt het oud papier opgehaald?"
    client.get("/search", params={"q": question})
    answered = layer(live_server).answered
    unusual = [
        ({"q": question, "limit": "0"}, {}, 422),
        ({"q": question, "limit": "21"}, {}, 422),
        ({"q": question, "view": "alles"}, {}, 422),
        ({"q": question}, {"X-KB-Channel": "fax"}, 422),
        ({"q": question, "department": "bestaat_niet"}, {}, 404),
        ({"q": question, "extra": "1"}, {}, 200),  # an unknown parameter: the route ignores it
        ({"q": question}, {**staff_headers, "Cache-Control": "no-cache"}, 200),  # a staff client asks for a search
    ]
    for params, headers, status in unusual:
        assert client.get("/search", params=params, headers=headers).status_code == status, (params, headers)
    assert layer(live_server).answered == answered


def test_benchmark_repeats_are_neither_counted_nor_logged(client, staff_headers):
    question = "Hoe lang is een paspoort geldig?"
    headers = {**staff_headers, BENCHMARK_HEADER: "1"}
    client.get("/search", params={"q": question}, headers=headers)

    def searches() -> float:
        text = client.get("/metrics", headers=staff_headers).text
        return sum(float(line.split()[-1]) for line in text.splitlines() if line.startswith("kb_searches_total{"))

    before = searches()
    repeated = client.get("/search", params={"q": question}, headers=headers)
    assert repeated.status_code == 200 and repeated.json()["search_id"] is None
    assert searches() == before
    counted = client.get("/search", params={"q": question}, headers=staff_headers)
    assert counted.json()["search_id"] and searches() == before + 1


def test_a_failure_in_the_layer_leaves_the_question_to_the_route(client, live_server, monkeypatch):
    import search_api.cached_searches

    question = {"q": "Waar kan ik mijn grofvuil kwijt?"}
    first = client.get("/search", params=question)

    def broken(*args, **kwargs):
        raise RuntimeError("a fault")

    monkeypatch.setattr(search_api.cached_searches, "record_facts", broken)
    answered = layer(live_server).answered
    second = client.get("/search", params=question)
    assert layer(live_server).answered == answered
    same_answer(first, second)
