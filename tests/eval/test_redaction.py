"""The redactor meets its targets on the labelled sentences; `kb redaction` reports them and fails below them."""

import io

import pytest
from rich.console import Console
from typer.testing import CliRunner

import kb.cli
from eval.redaction import (
    PRECISION_TARGET,
    RECALL_TARGETS,
    LabelledSentence,
    RedactionSetError,
    evaluate,
    load_sentences,
)
from search_api.privacy import KINDS


def test_the_labelled_set_is_large_and_covers_every_kind():
    sentences = load_sentences()
    assert len(sentences) >= 300
    kinds = {kind for sentence in sentences for item in sentence.mask for kind in item}
    assert kinds == set(KINDS)
    assert sum(not sentence.mask for sentence in sentences) >= 100  # look-alikes that must stay


def test_the_redactor_meets_the_targets_per_kind():
    report = evaluate(load_sentences())
    for score in report.scores:
        assert score.recall >= RECALL_TARGETS[score.kind], (score, [m for m in report.mistakes if m.kind == score.kind])
        assert score.precision >= PRECISION_TARGET, (score, [m for m in report.mistakes if m.kind == score.kind])


def test_scoring_counts_misses_extras_and_leaks():
    sentences = [
        LabelledSentence(text="bel 06-12345678 of mail a@b.nl", mask=[{"telefoon": "06-12345678"}, {"e-mail": "a@b.nl"}]),
        LabelledSentence(text="klantnummer 806380084", mask=[{"bsn": "806380084"}]),  # fails the 11-proof: missed
        LabelledSentence(text="bsn 123456782", mask=[]),  # masked but not labelled: an extra
    ]
    scores = {score.kind: score for score in evaluate(sentences).scores}
    assert (scores["telefoon"].recall, scores["e-mail"].precision) == (1.0, 1.0)
    assert (scores["bsn"].expected, scores["bsn"].found, scores["bsn"].correct, scores["bsn"].leaked) == (1, 1, 0, 1)
    assert scores["naam"].recall is None and scores["naam"].met


def test_a_broken_set_names_file_and_line(tmp_path):
    path = tmp_path / "redaction.yaml"
    path.write_text('- text: "bel 06-12345678"\n  mask: []\n- text: "mijn bsn"\n  mask: [{bsn: "123456782"}]\n', encoding="utf-8")
    with pytest.raises(RedactionSetError, match=r"redaction.yaml:3: '123456782' \(bsn\) is not in the text"):
        load_sentences(path)
    path.write_text('- text: "x"\n  mask: [{naam_: "x"}]\n', encoding="utf-8")
    with pytest.raises(RedactionSetError, match=r"redaction.yaml:1: .*naam_"):
        load_sentences(path)


@pytest.fixture
def narrow_console(monkeypatch):
    console = Console(width=80, record=True, file=io.StringIO(), color_system=None)
    monkeypatch.setattr(kb.cli, "console", console)
    monkeypatch.setattr(kb.cli, "err", console)
    return console


def test_kb_redaction_prints_the_table_and_passes(narrow_console):
    result = CliRunner().invoke(kb.cli.app, ["redaction"])
    text = narrow_console.export_text()
    assert result.exit_code == 0, text
    assert "All targets met" in text and "postcode+huisnummer" in text
    assert max(len(line) for line in text.splitlines()) <= 80 and "…" not in text


def test_kb_redaction_exits_1_below_the_targets_and_2_on_a_broken_set(tmp_path, narrow_console):
    path = tmp_path / "set.yaml"
    path.write_text('- text: "zaaknummer 806380084"\n  mask: [{bsn: "806380084"}]\n', encoding="utf-8")
    result = CliRunner().invoke(kb.cli.app, ["redaction", "--dataset", str(path), "--mistakes"])
    assert result.exit_code == 1
    text = narrow_console.export_text()
    assert "Below the targets: bsn" in text and "missed [bsn] '806380084'" in text
    path.write_text("- text: [", encoding="utf-8")
    result = CliRunner().invoke(kb.cli.app, ["redaction", "--dataset", str(path)])
    assert result.exit_code == 2 and "set.yaml:1: not valid YAML" in " ".join(narrow_console.export_text().split())
