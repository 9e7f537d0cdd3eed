"""Operational metrics in Prometheus's text format (`GET /metrics`, staff token).

What a municipal IT team watches on a dashboard: how many searches end in which routing outcome
(routed, "bedoelt u", "geen informatie", nothing found), how long the engine takes per search,
feedback on answers, the size of the index and the process's own CPU and memory. Counts only:
no question text leaves through it. Each app has its own registry (`prometheus_client`), so that
several apps in one process (the tests) do not share counters. Searches of `kb bench` are not
counted, as they are not kept among the searches that found nothing either.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal, get_args

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    ProcessCollector,
    generate_latest,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

if TYPE_CHECKING:  # the console reads `SEARCHES` and `OUTCOMES` without loading the engine
    from search_api.engine import SearchEngine

#: Upper bounds (seconds) of the search-time histogram: `kb bench` measures about 0.02 s per search.
SEARCH_SECONDS_BUCKETS = (0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0)
Outcome = Literal["routed", "ambiguous", "off_topic", "no_results"]
OUTCOMES: tuple[Outcome, ...] = get_args(Outcome)
SEARCHES = "kb_searches"  # the counter of searches per outcome and view; exposed as `kb_searches_total`
CONTENT_TYPE = CONTENT_TYPE_LATEST


class ServiceMetrics:
    def __init__(self, engine: SearchEngine):
        self.registry = CollectorRegistry()
        self._searches = Counter(
            SEARCHES, "Searches answered, by routing outcome and view (public or staff)",
            ["outcome", "view"], registry=self.registry,
        )
        self._search_seconds = Histogram(
            "kb_search_seconds", "Time the engine took for one search", buckets=SEARCH_SECONDS_BUCKETS,
            registry=self.registry,
        )
        self._feedback = Counter(
            "kb_feedback", "Feedback on answers, by helpful (yes or no) and channel (web or staff)",
            ["helpful", "channel"], registry=self.registry,
        )
        self.registry.register(_IndexSize(engine))
        ProcessCollector(registry=self.registry)

    def searched(self, outcome: Outcome, view: Literal["public", "staff"], seconds: float) -> None:
        self._searches.labels(outcome=outcome, view=view).inc()
        self._search_seconds.observe(seconds)

    def feedback(self, helpful: bool, channel: str) -> None:
        self._feedback.labels(helpful="yes" if helpful else "no", channel=channel).inc()

    def render(self) -> bytes:
        return generate_latest(self.registry)


class _IndexSize(Collector):
    """Articles and chunks in the index, from the engine's snapshot (`/health` reports the same):
    a scrape never waits for a re-index; 0 until the engine has loaded the index. The cache of
    answers to repeated questions (`search_api.response_cache`), and the re-indexes of other
    processes followed (`search_api.index_changes`)."""

    def __init__(self, engine: SearchEngine):
        self.engine = engine

    def describe(self):
        return self._families(0, 0)

    def collect(self):
        state, cache = self.engine.index_state, self.engine.cache
        return self._families(state.articles, state.chunks, cache.hits, cache.misses, len(cache),
                              self.engine.changes_followed)

    @staticmethod
    def _families(articles: int, chunks: int, hits: int = 0, misses: int = 0, kept: int = 0, followed: int = 0) -> list:
        answers = CounterMetricFamily("kb_response_cache", "Searches answered from the cache of repeated questions "
                                      "(hit) or searched (miss)", labels=["result"])
        answers.add_metric(["hit"], hits)
        answers.add_metric(["miss"], misses)
        return [GaugeMetricFamily("kb_index_articles", "Articles in the search index", value=articles),
                GaugeMetricFamily("kb_index_chunks", "Chunks in the search index", value=chunks),
                answers,
                GaugeMetricFamily("kb_response_cache_entries", "Answers kept for repeated questions", value=kept),
                CounterMetricFamily("kb_index_changes_followed", "Re-indexes of other API processes on the same "
                                    "data folder that this one followed", value=followed)]
