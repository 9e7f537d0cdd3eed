"""HTTP load test of the running search API with the evaluation questions."""

from __future__ import annotations

import statistics
import time
from concurrent.futures import ThreadPoolExecutor

import httpx

from kb.questions import load_questions
from search_api.routes.search import BENCHMARK_HEADER

WARM_UP = 5


def percentile(sorted_values: list[float], share: float) -> float:
    index = min(len(sorted_values) - 1, max(0, round(share * (len(sorted_values) - 1))))
    return sorted_values[index]


def run_benchmark(base_url: str, staff_token: str, *, concurrency: int = 1, rounds: int = 1) -> dict:
    questions = [question.q for question in load_questions()] * rounds
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    # With the staff token, the header keeps the benchmark's questions out of the counters and the
    # editors' list of searches that found nothing (and out of the rate limits).
    headers = {BENCHMARK_HEADER: "1", "Authorization": f"Bearer {staff_token}"}
    with httpx.Client(base_url=base_url, timeout=60, limits=limits, headers=headers) as client:
        health = client.get("/health")
        health.raise_for_status()
        for question in questions[:WARM_UP]:
            client.get("/search", params={"q": question})

        def one(question: str) -> tuple[float, int]:
            started = time.perf_counter()
            response = client.get("/search", params={"q": question})
            return (time.perf_counter() - started) * 1000, response.status_code

        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=concurrency) as pool:
            results = list(pool.map(one, questions))
        elapsed = time.perf_counter() - started
    latencies = sorted(latency for latency, _ in results)
    return {
        "url": base_url,
        "requests": len(results),
        "errors": sum(1 for _, status in results if status != 200),
        "concurrency": concurrency,
        "p50_ms": round(percentile(latencies, 0.50), 1),
        "p95_ms": round(percentile(latencies, 0.95), 1),
        "p99_ms": round(percentile(latencies, 0.99), 1),
        "mean_ms": round(statistics.fmean(latencies), 1),
        "requests_per_second": round(len(results) / elapsed, 1),
        "articles_indexed": health.json()["articles_indexed"],
    }


def run_page_comparison(base_url: str, staff_token: str, *, questions: int = 300) -> dict:
    """`GET /zoeken?q=` (the citizen page, rendered on the server) against `GET /search?q=` for the
    same questions, asked one after the other on one connection, alternating which goes first."""
    asked = [question.q for question in load_questions()][:questions]
    headers = {BENCHMARK_HEADER: "1", "Authorization": f"Bearer {staff_token}"}
    timings: dict[str, list[float]] = {"/search": [], "/zoeken": []}
    with httpx.Client(base_url=base_url, timeout=60, headers=headers) as client:
        client.get("/health").raise_for_status()
        for question in asked[:WARM_UP]:
            client.get("/search", params={"q": question})
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
