"""The quality figures of the README and docs/quality.md are written from the report, never copied by hand."""

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from eval.markdown import README_BLOCKS
from eval.readme import ReadmeBlockError, find_blocks, render_readme
from kb.cli import app

ROOT = Path(__file__).resolve().parents[2]
BASELINE = json.loads((ROOT / "eval" / "baseline.json").read_text(encoding="utf-8"))


def test_the_committed_readme_and_quality_page_show_the_committed_baseline():
    """Fails when eval/baseline.json changed and the README or docs/quality.md was not re-rendered (or
    the other way round). Mend: `.venv/bin/kb report eval/baseline.json --readme README.md --readme
    docs/quality.md` (`make baseline` does it)."""
    shown = {}
    for name in ("README.md", "docs/quality.md"):
        text = (ROOT / name).read_text(encoding="utf-8")
        assert render_readme(text, BASELINE, name) == text, name
        shown[name] = {block for block, _, _ in find_blocks(text, name)}
    assert shown["README.md"] == {"headline"}  # one small block of headline figures
    assert shown["docs/quality.md"] | shown["README.md"] == set(README_BLOCKS)  # every table is shown once at least
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert f"{BASELINE['overall']['hit@1']:.3f}" in readme and f"{BASELINE['test']['routing_accuracy']:.3f}" in readme


def test_only_the_lines_between_markers_change():
    text = "# Title\n\nOld words stay.\n\n<!-- kb eval: targets -->\n| stale | table |\n<!-- /kb eval: targets -->\n\nEnd.\n"
    rendered = render_readme(text, BASELINE)
    assert rendered.startswith("# Title\n\nOld words stay.\n\n<!-- kb eval: targets -->\n| split | metric |")
    assert "| stale |" not in rendered and rendered.endswith("<!-- /kb eval: targets -->\n\nEnd.\n")
    hit1 = next(row for row in BASELINE["targets"]["all"] if row["metric"] == "hit@1")
    assert f"| all | hit@1 | {hit1['value']:.3f} |" in rendered
    assert render_readme(rendered, BASELINE) == rendered  # writing twice changes nothing


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a\n<!-- kb eval: nonsense -->\n<!-- /kb eval: nonsense -->\n", "README.md:2: unknown block 'nonsense'"),
        ("a\nb\n<!-- kb eval: targets -->\n", "README.md:3: block 'targets' is never closed"),
        ("<!-- /kb eval: targets -->\n", "README.md:1: 'targets' closes a block that is not open"),
        ("<!-- kb eval: targets -->\n<!-- kb eval: sets -->\n", "README.md:2: block 'sets' opens inside block 'targets'"),
    ],
)
def test_a_broken_marker_is_named_by_its_line(text, message):
    with pytest.raises(ReadmeBlockError, match=message):
        render_readme(text, BASELINE)


def test_kb_report_writes_the_tables_and_refuses_a_broken_readme(tmp_path):
    readme, quality = tmp_path / "README.md", tmp_path / "quality.md"
    readme.write_text("Intro.\n\n<!-- kb eval: headline -->\n<!-- /kb eval: headline -->\n", encoding="utf-8")
    quality.write_text("Intro.\n\n<!-- kb eval: by-kind -->\n<!-- /kb eval: by-kind -->\n", encoding="utf-8")
    result = CliRunner().invoke(
        app, ["report", str(ROOT / "eval" / "baseline.json"), "--readme", str(readme), "--readme", str(quality)]
    )
    assert result.exit_code == 0, result.output
    long_story = BASELINE["by_kind"]["long_story"]
    assert f"| long_story | {long_story['questions']} | {long_story['hit@1']:.3f} |" in quality.read_text(encoding="utf-8")
    assert f"**{BASELINE['overall']['questions']:,} labelled questions**" in readme.read_text(encoding="utf-8")
    assert "- **hit@1 ≥ 0.85**" in readme.read_text(encoding="utf-8")

    broken, stale = "Intro.\n<!-- kb eval: by-kind -->\n", "<!-- kb eval: headline -->\n<!-- /kb eval: headline -->\n"
    readme.write_text(stale, encoding="utf-8")
    quality.write_text(broken, encoding="utf-8")
    result = CliRunner().invoke(
        app, ["report", str(ROOT / "eval" / "baseline.json"), "--readme", str(readme), "--readme", str(quality)]
    )
    output = " ".join(result.output.split())
    assert result.exit_code == 2 and "quality.md:2:" in result.output and "block 'by-kind' is never closed" in output
    assert readme.read_text(encoding="utf-8") == stale and quality.read_text(encoding="utf-8") == broken  # nothing written

    not_a_report = tmp_path / "notes.json"
    not_a_report.write_text("[1, 2]", encoding="utf-8")
    result = CliRunner().invoke(app, ["report", str(not_a_report), "--markdown", str(tmp_path / "report.md")])
    assert result.exit_code == 2 and "not a readable `kb eval` report" in " ".join(result.output.split())
    assert not (tmp_path / "report.md").exists()
