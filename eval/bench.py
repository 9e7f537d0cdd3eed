"""HTTP load test of the running search API with the evaluation questions."""

from __future__ import annotations

import random
import statistics
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from http.client import HTTPConnection
from typing import Literal
from urllib.parse import urlencode, urlsplit

import httpx
from prometheus_client.parser import text_string_to_metric_families

from kb.questions import load_questions
from search_api.routes.search import BENCHMARK_HEADER
from search_api.stage_clock import STAGES, parse_server_timing

WARM_UP = 5


def percentile(sorted_values: list[float], share: float) -> float:
    index = min(len(sorted_values) - 1, max(0, round(share * (len(sorted_values) - 1))))
    return sorted_values[index]


def server_resident_mb(client: httpx.Client, headers: dict[str, str] | None = None) -> float | None:
    """The API process's resident memory in MB, from its `/metrics` (staff token); None if not there."""
    response = client.get("/metrics", headers=headers)
    if response.status_code != 200:
        return None
    for family in text_string_to_metric_families(response.text):
        if family.name == "process_resident_memory_bytes":
            return round(family.samples[0].value / 2**20, 1)
    return None


def zipf_questions(questions: list[str], requests: int, *, exponent: float = 1.0, seed: int = 0) -> list[str]:
    """`requests` questions drawn from `questions` as a few are asked very often and most rarely:
    the question of rank r (in a shuffled order) with probability proportional to 1 / r^exponent."""
    rng = random.Random(seed)
    ranked = questions[:]
    rng.shuffle(ranked)
    weights = [1 / (rank**exponent) for rank in range(1, len(ranked) + 1)]
    return rng.choices(ranked, weights=weights, k=requests)


def run_benchmark(base_url: str, staff_token: str, *, concurrency: int = 1, rounds: int = 1,
                  mix: Literal["unique", "zipf"] = "unique", requests: int | None = None, warm: bool = False) -> dict:
    """`mix` unique: every evaluation question once per round, each searched (`Cache-Control:
    no-cache`, honoured for staff clients); zipf: `requests` questions drawn with `zipf_questions`,
    a repeat answered from the cache as for citizens. `warm` (zipf): every question of the mix is
    asked once before the clock starts, as in a service that has been answering for a while, so
    the figures are those of the cache. Besides the
    latency seen by the client, each stage's median from the `Server-Timing` header, the
    ratio of the median search to the median embedding of the question in the same run, and
    the API process's resident memory before and after the timed requests."""
    unique = [question.q for question in load_questions()]
    if mix == "zipf":
        questions = zipf_questions(unique, requests or 20 * len(unique))
    else:
        questions = (unique * rounds)[: requests or None]
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    # With the staff token, the header keeps the benchmark's questions out of the counters and the
    # editors' list of searches that found nothing (and out of the rate limits).
    headers = {BENCHMARK_HEADER: "1", "Authorization": f"Bearer {staff_token}"}
    if mix == "unique":  # every question searched, also one asked before (a staff client may ask so)
        headers["Cache-Control"] = "no-cache"
    with httpx.Client(base_url=base_url, timeout=60, limits=limits, headers=headers) as client:
        health = client.get("/health")
        health.raise_for_status()
        for question in unique[-WARM_UP:]:  # questions the unique run asks last: no cached answer
            client.get("/search", params={"q": question})
        resident_before = server_resident_mb(client)

        # The timed requests go through the standard library's HTTP client, one keep-alive
        # connection per thread: httpx costs the client about half a millisecond of the
        # interpreter per request, which on two cores capped the benchmark below the server.
        target = urlsplit(base_url)
        connections = threading.local()
        opened: list[HTTPConnection] = []

        def one(question: str) -> tuple[float, int, dict[str, float]]:
            if not hasattr(connections, "http"):
                connections.http = HTTPConnection(target.hostname, target.port or 80, timeout=60)
                opened.append(connections.http)
            started = time.perf_counter()
            connections.http.request("GET", f"{target.path.rstrip('/')}/search?{urlencode({'q': question})}", headers=headers)
            response = connections.http.getresponse()
            response.read()
            elapsed = (time.perf_counter() - started) * 1000
            return elapsed, response.status, parse_server_timing(response.getheader("Server-Timing", ""))

        with ThreadPoolExecutor(max_workers=concurrency) as pool:
            if warm and mix == "zipf":
                list(pool.map(one, sorted(set(questions))))
            started = time.perf_counter()
            results = list(pool.map(one, questions))
        elapsed = time.perf_counter() - started
        for connection in opened:
            connection.close()
        resident_after = server_resident_mb(client)
    latencies = sorted(latency for latency, _, _ in results)
    searched = [stages for _, _, stages in results if "embed" in stages]
    stage_p50 = {stage: round(statistics.median([s.get(stage, 0.0) for s in searched]), 2)
                 for stage in STAGES if any(stage in s for s in searched)}
    embed_p50 = stage_p50.get("embed", 0.0)
    p50 = percentile(latencies, 0.50)
    return {
        "url": base_url,
        "mix": mix,
        "warm": warm and mix == "zipf",
        "requests": len(results),
        "errors": sum(1 for _, status, _ in results if status != 200),
        "concurrency": concurrency,
        "p50_ms": round(p50, 1),
        "p95_ms": round(percentile(latencies, 0.95), 1),
        "p99_ms": round(percentile(latencies, 0.99), 1),
        "mean_ms": round(statistics.fmean(latencies), 1),
        "requests_per_second": round(len(results) / elapsed, 1),
        "answered_from_cache": round(1 - len(searched) / len(results), 3),
        "stages_p50_ms": stage_p50,
        "embedding_p50_ms": embed_p50,
        "ratio_to_embedding": round(p50 / embed_p50, 2) if embed_p50 else None,
        "articles_indexed": health.json()["articles_indexed"],
        "server_resident_mb": {"before": resident_before, "after": resident_after},
    }


def run_page_comparison(base_url: str, staff_token: str, *, questions: int = 300) -> dict:
    """`GET /zoeken?q=` (the citizen page, rendered on the server) against `GET /search?q=` for the
    same questions, asked one after the other on one connection, alternating which goes first.
    Every question is searched once before the clock starts, so both are answered from the cache
    and the difference is what the page adds to an answer: rendering it."""
    asked = [question.q for question in load_questions()][:questions]
    headers = {BENCHMARK_HEADER: "1", "Authorization": f"Bearer {staff_token}"}
    timings: dict[str, list[float]] = {"/search": [], "/zoeken": []}
    with httpx.Client(base_url=base_url, timeout=60, headers=headers) as client:
        client.get("/health").raise_for_status()
        for question in asked:
            client.get("/search", params={"q": question})
        for question in asked[:WARM_UP]:
            client.get("/zoeken", params={"q": question})
        for number, question in enumerate(asked):
            order = ("/search", "/zoeken") if number % 2 == 0 else ("/zoeken", "/search")
            for path in order:
                started = time.perf_counter()
                response = client.get(path, params={"q": question})
                timings[path].append((time.perf_counter() - started) * 1000)
                response.raise_for_status()
    search_p50 = statistics.median(timings["/search"])
    page_p50 = statistics.median(timings["/zoeken"])
    return {
        "url": base_url,
        "questions": len(asked),
        "search_p50_ms": round(search_p50, 1),
        "page_p50_ms": round(page_p50, 1),
        "page_to_search_ratio": round(page_p50 / search_p50, 2),
    }
