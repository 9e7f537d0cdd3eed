"""`kb bench --page`: the citizen page and the JSON search timed side by side on the live API,
as staff benchmark traffic that no counter and no list of the editors keeps."""

import pytest

from eval.bench import run_page_comparison
from tests.conftest import STAFF_TOKEN

pytestmark = pytest.mark.slow


def test_the_page_is_timed_beside_search_and_not_counted(live_api, client, staff_headers):
    before = client.get("/metrics", headers=staff_headers).text
    result = run_page_comparison(live_api, STAFF_TOKEN, questions=8)
    assert result["questions"] == 8
    assert result["search_p50_ms"] > 0 and result["page_p50_ms"] > 0
    # the ratio is taken of the medians before they are rounded to 0.1 ms for printing
    rounding = 0.05 / result["search_p50_ms"] + 0.05 / result["page_p50_ms"]
    assert result["page_to_search_ratio"] == pytest.approx(result["page_p50_ms"] / result["search_p50_ms"], rel=rounding + 0.01)
    after = client.get("/metrics", headers=staff_headers).text
    counted = [line for line in after.splitlines() if line.startswith("kb_searches_total")]
    assert counted == [line for line in before.splitlines() if line.startswith("kb_searches_total")]


def test_the_benchmark_reports_every_stage_and_the_cached_share(live_api):
    from eval.bench import run_benchmark

    unique = run_benchmark(live_api, STAFF_TOKEN, requests=12)
    assert unique["requests"] == 12 and unique["errors"] == 0
    assert {"detect", "embed", "retrieve", "rerank", "route", "answer", "serialise"} <= set(unique["stages_p50_ms"])
    assert unique["ratio_to_embedding"] == pytest.approx(unique["p50_ms"] / unique["embedding_p50_ms"], abs=0.05)
    assert all(megabytes > 100 for megabytes in unique["server_resident_mb"].values())  # the API process's
    zipf = run_benchmark(live_api, STAFF_TOKEN, mix="zipf", requests=60, concurrency=2)
    assert zipf["errors"] == 0 and zipf["answered_from_cache"] > 0.1  # a few questions asked many times
    warm = run_benchmark(live_api, STAFF_TOKEN, mix="zipf", requests=60, concurrency=2, warm=True)
    # every question was asked before the clock started: only one with personal data is searched again
    assert warm["warm"] and warm["errors"] == 0 and warm["answered_from_cache"] > 0.9


def test_zipf_questions_ask_a_few_often_and_most_rarely():
    from collections import Counter

    from eval.bench import zipf_questions

    asked = Counter(zipf_questions([f"vraag {n}" for n in range(1000)], 20_000))
    counts = sorted(asked.values(), reverse=True)
    assert counts[0] > 100 * counts[len(counts) // 2] / 10 and len(asked) < 1000
