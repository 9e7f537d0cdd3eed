"""`kb eval` prints its tables readable in an 80-column terminal or CI log."""

import io
import json
from pathlib import Path

from rich.console import Console

import kb.cli

BASELINE = Path(__file__).resolve().parents[2] / "eval" / "baseline.json"


def test_the_report_tables_fit_80_columns_with_every_figure_whole(monkeypatch):
    report = json.loads(BASELINE.read_text(encoding="utf-8"))
    console = Console(width=80, record=True, file=io.StringIO(), color_system=None)
    monkeypatch.setattr(kb.cli, "console", console)
    kb.cli._print_report(report)
    text = console.export_text()
    assert max(len(line) for line in text.splitlines()) <= 80
    final = next(line for line in text.splitlines() if line.startswith("│ all "))
    overall = report["overall"]
    for metric in ("hit@1", "hit@5", "mrr", "routing_accuracy", "off_topic_rejection", "off_topic_auc"):
        assert f"{overall[metric]:.3f}" in final
    assert "…" not in final
