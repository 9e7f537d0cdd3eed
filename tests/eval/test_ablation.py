"""`kb ablation`: each part of the product left out in turn, refitted and scored on the blind
question sets, with what it costs per search."""

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

import search_api.ranking as ranking
import search_api.routing as routing
from eval.ablation import (
    ABLATION_BLOCKS,
    EVERY,
    GROUPS,
    METRICS,
    STAGES,
    VARIANT_KEYS,
    VARIANTS,
    earns_its_place,
    render_table,
    run_ablation,
    swapped,
)
from eval.readme import render_readme
from eval.run import FINAL_ROUTING, build_report, run_variants
from kb.cli import app
from kb.questions import load_questions
from search_api.fusion import RANK_CONSTANT
from search_api.retrieval import DEFAULT_MODE

ROOT = Path(__file__).resolve().parents[2]
REPORT = ROOT / "eval" / "ablation.json"
#: One of each way a part is left out: a pipeline component, a module setting, the retriever and
#: the article vectors, no ranking, a routing signal, a routing setting, no Platt scaling
SAMPLE = ("classifier", "depth", "rank_constant", "ranking", "memory", "vote_depth", "platt")


def scores(everything: float, variant: float) -> tuple[dict, dict]:
    whole = {group: dict.fromkeys(METRICS, 0.8) for group in GROUPS}
    without = {group: dict.fromkeys(METRICS, 0.8) for group in GROUPS}
    whole["all"]["hit@1"], without["all"]["hit@1"] = everything, variant
    return whole, without


def test_a_part_earns_its_place_when_leaving_it_out_costs_a_point_anywhere():
    assert earns_its_place(*scores(0.85, 0.84))  # one point, on all blind questions only
    assert not earns_its_place(*scores(0.85, 0.8401))
    assert not earns_its_place(*scores(0.85, 0.87))  # better without it
    whole, without = scores(0.85, 0.85)
    without["held_out"]["off_topic_rejection"] = None  # no off-topic question among them
    assert not earns_its_place(whole, without)


def test_the_variants_leave_out_every_model_and_every_hand_set_weight():
    models = {variant.key for variant in VARIANTS if variant.kind == "model"}
    assert models == {"classifier", "ranking", "memory", "in_scope", "platt"}
    weights = {"fusion_weights", "rank_constant", "article_vectors", "best_bets", "language_centering", "typo_correction",
               "article_chunks", "depth", "vote_depth"}
    assert weights <= set(VARIANT_KEYS)
    assert len(set(VARIANT_KEYS)) == len(VARIANTS)
    assert {stage for variant in VARIANTS for stage in variant.stages} <= set(STAGES)


def test_a_swapped_setting_comes_back_whatever_happens():
    with pytest.raises(RuntimeError), swapped(ranking, "DEPTH", 40):
        assert ranking.DEPTH == 40
        raise RuntimeError
    assert ranking.DEPTH == 10


def test_the_ablation_on_some_questions_with_the_real_engine(live_server):
    """Every row there, the whole product as `kb eval` scores it on the same questions, and the
    engine as it was afterwards."""
    engine = live_server.app.state.engine
    pipeline = engine.pipeline
    questions = [q for q in load_questions() if q.source in ("development", "blind-1")][::8]
    variants = tuple(variant for variant in VARIANTS if variant.key in SAMPLE)
    started = []
    report = run_ablation(engine, questions, variants, progress=started.append)

    assert started == ["everything", *(variant.key for variant in variants)]
    everything, *rows = report["rows"]
    assert [row["key"] for row in report["rows"]] == ["everything", *(variant.key for variant in variants)]
    evaluation = build_report(run_variants(engine, questions, (DEFAULT_MODE,)), engine.settings.embedding_model)
    assert evaluation["final"]["routing"] == FINAL_ROUTING
    for group, figures in (
        ("all", evaluation["by_source"]["blind-1"]), ("held_out", evaluation["by_source_test"]["blind-1"]),
        (EVERY, evaluation["overall"]),
    ):
        assert everything[group]["questions"] == figures["questions"] > 0
        assert {metric: everything[group][metric] for metric in METRICS} == {metric: figures[metric] for metric in METRICS}
    assert everything["ms"] > 0 and report["stages_ms"]["ranking"] > 0 and report["stages_ms"]["classifier"] > 0
    for row in rows:
        assert isinstance(row["earns_its_place"], bool)
        assert all(row[group]["questions"] == everything[group]["questions"] for group in GROUPS)
        assert (row["ms"] is None) == (row["kind"] == "weight")
    assert next(row for row in rows if row["key"] == "memory")["ms"] == report["stages_ms"]["memory"]

    # the engine searches as before
    assert engine.pipeline is pipeline and pipeline.retriever.fusion.k == RANK_CONSTANT
    assert ranking.DEPTH == 10 and routing.VOTE_DEPTH == 10
    table = render_table(report)
    assert len([line for line in table if line.startswith("| ")]) == 1 + len(report["rows"])
    assert table[2].startswith("| **everything** |")


def test_the_quality_page_shows_the_committed_ablation():
    """Mend: `kb ablation --render eval/ablation.json --readme docs/quality.md`."""
    text = (ROOT / "docs" / "quality.md").read_text(encoding="utf-8")
    report = json.loads(REPORT.read_text(encoding="utf-8"))
    assert render_readme(text, report, "docs/quality.md", ABLATION_BLOCKS, "kb ablation") == text
    assert "<!-- kb ablation: parts -->" in text
    assert [row["key"] for row in report["rows"]] == ["everything", *VARIANT_KEYS]  # every part of the product


def test_kb_ablation_draws_a_saved_report_and_refuses_bad_options(tmp_path):
    page = tmp_path / "quality.md"
    page.write_text("Intro.\n\n<!-- kb ablation: parts -->\n<!-- /kb ablation: parts -->\n\nEnd.\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["ablation", "--render", str(REPORT), "--readme", str(page)])
    assert result.exit_code == 0, result.output
    written = page.read_text(encoding="utf-8")
    assert "| **everything** |" in written and written.endswith("<!-- /kb ablation: parts -->\n\nEnd.\n")

    result = CliRunner().invoke(app, ["ablation", "--variant", "nonsense"])
    assert result.exit_code == 2 and "--variant nonsense: unknown" in " ".join(result.output.split())
    not_a_report = tmp_path / "notes.json"
    not_a_report.write_text("[1, 2]", encoding="utf-8")
    result = CliRunner().invoke(app, ["ablation", "--render", str(not_a_report)])
    assert result.exit_code == 2 and "not a readable `kb ablation` report" in " ".join(result.output.split())
