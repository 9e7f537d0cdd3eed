"""`kb bench-embed`: the question embedding alone, one at a time and several at once."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from kb.cli import app


def test_it_prints_the_embedding_floor_and_ceiling():
    result = CliRunner().invoke(app, ["bench-embed", "--questions", "40", "--concurrency", "1", "--concurrency", "4"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["questions"] == 40
    one, four = report["levels"]
    assert (one["concurrency"], four["concurrency"]) == (1, 4)
    assert one["p50_ms"] > 0 and one["questions_per_second"] > 0
    assert four["p50_ms"] > 0 and four["questions_per_second"] > 0


def test_a_concurrency_out_of_range_is_refused():
    result = CliRunner().invoke(app, ["bench-embed", "--concurrency", "0"])
    assert result.exit_code == 2 and "between 1 and 64" in result.output
