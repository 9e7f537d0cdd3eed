"""Answers to repeated questions come from the cache: the same answer, still logged and counted,
never one from before a re-index. Logic on a small cache; behaviour over real HTTP."""

from __future__ import annotations

import random
import string
from concurrent.futures import ThreadPoolExecutor

import pytest

from search_api.response_cache import ResponseCache
from search_api.stage_clock import parse_server_timing


def test_a_kept_answer_is_given_until_a_new_generation():
    cache: ResponseCache[str] = ResponseCache(10)
    key = ("paspoort verlengen", 5, False, None)
    assert cache.get(key) is None
    cache.put(key, "answer", cache.generation)
    assert cache.get(key) == "answer" and (cache.hits, cache.misses) == (1, 1)
    cache.new_generation()
    assert cache.get(key) is None


def test_an_answer_computed_before_a_re_index_is_not_kept():
    cache: ResponseCache[str] = ResponseCache(10)
    key = ("paspoort verlengen", 5, False, None)
    started_in = cache.generation
    cache.new_generation()  # a re-index finished while the search ran
    cache.put(key, "old answer", started_in)
    assert cache.get(key) is None


def test_the_cache_is_bounded_and_keeps_no_personal_data():
    cache: ResponseCache[int] = ResponseCache(3)
    for number in range(5):
        cache.put((f"vraag {'abcde'[number]}", 5, False, None), number, cache.generation)
    assert len(cache) == 3 and cache.get(("vraag a", 5, False, None)) is None
    cache.put(("mijn bsn is 123456782", 5, False, None), 1, cache.generation)
    assert cache.get(("mijn bsn is 123456782", 5, False, None)) is None
    off: ResponseCache[int] = ResponseCache(0)
    off.put(("vraag", 5, False, None), 1, off.generation)
    assert off.get(("vraag", 5, False, None)) is None


def _marker() -> str:
    return "".join(random.choices(string.ascii_lowercase, k=8))


@pytest.mark.slow
def test_a_repeated_question_is_answered_from_the_cache_and_still_logged(client, staff_headers, editor_headers):
    question = f"hoe lang is mijn paspoort geldig {_marker()}"
    first = client.get("/search", params={"q": question}, headers=staff_headers)
    second = client.get("/search", params={"q": question}, headers=staff_headers)
    assert first.status_code == second.status_code == 200
    searched, cached = (parse_server_timing(r.headers["Server-Timing"]) for r in (first, second))
    assert "embed" in searched and "rerank" in searched and "serialise" in searched
    assert "embed" not in cached and "cache" in cached
    a, b = first.json(), second.json()
    assert a["search_id"] != b["search_id"]  # two searches in the log
    for body in (a, b):
        del body["search_id"], body["took_ms"]
    assert a == b

    # a staff client may ask for a fresh search; citizens do not see the timings
    fresh = client.get("/search", params={"q": question}, headers={**staff_headers, "Cache-Control": "no-cache"})
    assert "embed" in parse_server_timing(fresh.headers["Server-Timing"])
    assert "Server-Timing" not in client.get("/search", params={"q": question}).headers
    metrics = client.get("/metrics", headers=staff_headers).text
    assert 'kb_response_cache_total{result="hit"}' in metrics

    # after a re-index the question is searched again
    reindexed = client.post("/admin/reindex", json={"article_ids": ["paspoort-aanvragen"]}, headers=editor_headers)
    assert reindexed.status_code == 200, reindexed.text
    again = client.get("/search", params={"q": question}, headers=staff_headers)
    assert "embed" in parse_server_timing(again.headers["Server-Timing"])


@pytest.mark.slow
def test_searches_in_parallel_all_get_an_answer(client):
    """Four clients at once, each question new: every search answered (the stemmer is per thread)."""
    marker = _marker()
    questions = [f"{word} {marker}{number}" for number, word in enumerate(
        ["paspoort kwijt", "grofvuil ophalen", "parkeervergunning", "bijstand aanvragen", "verhuizing doorgeven",
         "hondenbelasting", "kapvergunning boom", "rijbewijs verlengen", "huurtoeslag", "kinderopvangtoeslag"] * 8)]
    with ThreadPoolExecutor(max_workers=4) as pool:
        statuses = list(pool.map(lambda q: client.get("/search", params={"q": q}).status_code, questions))
    assert statuses == [200] * len(questions)
