"""`kb bench-log`: what storing a search costs the request (the queue call), and how long the
writer thread takes to mask and write many searches. Figures to print, not a test."""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass

from kb.settings import Settings
from search_api.storage.db import describe
from search_api.storage.search_log import SearchLog

#: Questions as citizens type them, some with personal data for the redactor to mask
QUESTIONS = (
    "hoe vraag ik een nieuw paspoort aan",
    "mijn bsn is 123456782 en ik wil een uittreksel",
    "grofvuil laten ophalen in de Kerkstraat 12",
    "parkeervergunning kosten",
    "bel mij terug op 06-12345678 over mijn huurtoeslag",
    "ik ben verhuisd naar 1234 AB 56, wat moet ik regelen",
    "recept voor appeltaart",
    "wanneer wordt het gft opgehaald",
)


@dataclass(frozen=True)
class LogBenchmark:
    database: str
    calls: int
    enqueue_median_us: float
    enqueue_p99_us: float
    rows: int
    write_seconds: float

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.write_seconds if self.write_seconds else float("inf")


def _record(search_log: SearchLog, n: int) -> str:
    return search_log.record_search(
        query=QUESTIONS[n % len(QUESTIONS)], language="nl", channel="api", outcome="routed",
        department_id="burgerzaken", confidence=0.87, in_scope=0.95, top_article="paspoort-aanvragen", latency_ms=24.0,
    )


def run_log_benchmark(settings: Settings, *, calls: int = 10_000, rows: int = 100_000) -> LogBenchmark:
    """Time `calls` single `record_search` calls (the writer thread running meanwhile, as in the
    API), then queue `rows` searches at once and time until they are written."""
    search_log = SearchLog.open(settings)
    try:
        timings = []
        for n in range(calls):
            started = time.perf_counter_ns()
            _record(search_log, n)
            timings.append(time.perf_counter_ns() - started)
        search_log.flush(timeout=None)
        started = time.perf_counter()
        for n in range(rows):
            _record(search_log, n)
        search_log.flush(timeout=None)
        seconds = time.perf_counter() - started
    finally:
        search_log.close()
    timings.sort()
    return LogBenchmark(
        database=describe(settings),
        calls=calls,
        enqueue_median_us=statistics.median(timings) / 1000,
        enqueue_p99_us=timings[min(len(timings) - 1, int(len(timings) * 0.99))] / 1000,
        rows=rows,
        write_seconds=seconds,
    )
