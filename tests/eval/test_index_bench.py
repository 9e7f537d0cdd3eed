"""`kb bench-index` over real HTTP: a saved article is found by its new question, and its text is
saved back as it was."""

from __future__ import annotations

import pytest

from eval.index_bench import run_index_benchmark
from tests.conftest import EDITOR_TOKEN, STAFF_TOKEN

pytestmark = pytest.mark.slow


def test_a_saved_article_is_found_by_its_new_question_and_restored(live_api, content_copy):
    path = content_copy / "grofvuil-ophalen.md"
    before = path.read_text(encoding="utf-8")
    result = run_index_benchmark(live_api, EDITOR_TOKEN, STAFF_TOKEN, content_copy, article_ids=("grofvuil-ophalen",))
    row = result["articles"][0]
    assert row["article"] == "grofvuil-ophalen" and row["found_s"] >= row["save_s"] > 0
    assert row["chunks_embedded"] is not None and row["chunks_embedded"] < row["chunks_written"]  # one new question
    assert path.read_text(encoding="utf-8") == before
    assert result["server_resident_mb"]["after"] > 100  # the API process's, from its /metrics
