"""`kb bench-scale` on a small indexed knowledge base: the real model embeds the questions, real
embedded Qdrant stores are written, opened and searched in child processes, and the table comes
out; a step over the memory cap is reported as not fitting, and an empty store gets a clear word."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from indexer.indexing import index_articles
from indexer.validate import validate_knowledge_base
from kb.embedding import document_embedder, embedding_dimension
from kb.model import resolve_embedding_model
from kb.settings import PROJECT_DIR
from kb.store import open_document_store
from tests.conftest import SHIPPED_CONTENT, make_settings

ARTICLES = ["paspoort-aanvragen", "grofvuil-ophalen", "huurtoeslag", "parkeervergunning-bewoners"]


def bench_scale(data_dir: Path, content_dir: Path, *arguments: str) -> subprocess.CompletedProcess:
    environment = {
        "KB_DATA_DIR": str(data_dir),
        "KB_CONTENT_DIR": str(content_dir),
        "PYTHONPATH": str(PROJECT_DIR),
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(Path.home()),
        "COLUMNS": "250",
    }
    return subprocess.run(
        [sys.executable, "-m", "kb.cli", "bench-scale", *arguments],
        env=environment, capture_output=True, text=True, timeout=900,
    )


@pytest.fixture(scope="module")
def indexed_kb(tmp_path_factory):
    folder = tmp_path_factory.mktemp("scale")
    content = folder / "content"
    content.mkdir()
    for article_id in ARTICLES:
        text = (SHIPPED_CONTENT / f"{article_id}.md").read_text(encoding="utf-8")
        text = re.sub(r"\[([^\]]+)\]\([^)]+\.md\)", r"\1", text)  # links out of this small set
        (content / f"{article_id}.md").write_text(text, encoding="utf-8")
    settings = make_settings(folder / "data", content)
    model = resolve_embedding_model(settings)
    embedder = document_embedder(settings, model)
    store = open_document_store(settings, embedding_dimension(embedder))
    report = validate_knowledge_base(settings)
    index_articles(report.articles, store, embedder, model_name=model, passage_prefix=settings.resolved_passage_prefix)
    chunks = {document.meta["article_id"]: 0 for document in store.filter_documents()}
    for document in store.filter_documents():
        chunks[document.meta["article_id"]] += 1
    store.close()
    return settings, chunks


@pytest.mark.slow
def test_the_benchmark_prints_every_size_and_store(indexed_kb, tmp_path):
    settings, chunks = indexed_kb
    markdown = tmp_path / "scale.md"
    result = bench_scale(settings.data_dir, settings.content_dir,
                         "--sizes", "2,1", "--queries", "20", "--articles", "3", "--markdown", str(markdown),
                         "--min-free-mb", "0")  # tiny stores: whatever else the machine runs
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "Traceback" not in output and "did not fit" not in output
    first_three = sum(count for _, count in sorted(chunks.items())[:3])
    assert f"3 articles, {first_three} chunks" in output
    text = markdown.read_text(encoding="utf-8")
    assert text.startswith("`kb bench-scale --sizes 2,1 --queries 20 --articles 3 --markdown ")
    rows = [line.split(" | ") for line in text.splitlines() if re.match(r"\| \dx \|", line)]
    stores = ["embedded Qdrant", "embedded + in-memory", "in-memory alone"]
    assert [(row[0], row[3]) for row in rows] == [("| 1x", store) for store in stores] + [("| 2x", store) for store in stores]
    assert [row[2] for row in rows] == [str(first_three)] * 3 + [str(2 * first_three)] * 3
    for row in rows:
        load, rss, dense_p50, sparse_p50 = float(row[6]), float(row[7].replace(",", "")), float(row[10]), float(row[12])
        assert dense_p50 > 0 and sparse_p50 > 0 and load >= 0 and rss >= 0
        if row[3] != "in-memory alone":  # a few dozen chunks take no measurable time or memory by themselves
            assert load > 0 and rss > 0
        assert row[14].rstrip(" |") == "20 / 20"  # all questions timed: well within the budget
    assert float(rows[3][4]) > 0 and float(rows[3][5]) > 0  # write time and disk size, given once per size
    assert "Against the smallest size, in the same run" in text and "| 2x / 1x | embedded + in-memory | 2 |" in text
    assert "B per chunk" in text
    for size in ("1x", "2x"):  # the table in the terminal too
        assert re.search(rf"│\s+{size} │.*embedded Qdrant", result.stdout), result.stdout


@pytest.mark.slow
def test_a_step_over_the_memory_cap_did_not_fit_and_the_run_goes_on(indexed_kb):
    settings, _ = indexed_kb
    result = bench_scale(settings.data_dir, settings.content_dir,
                         "--sizes", "1", "--queries", "5", "--articles", "1", "--max-rss-mb", "100")
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    said = " ".join(output.split())
    assert "1x, embedded Qdrant: writing did not fit: over 100 MB resident" in said
    assert "1x, embedded + in-memory: writing did not fit: over 100 MB resident" in said
    assert "1x, in-memory alone: did not fit: over 100 MB resident" in said  # tried all the same
    assert "Traceback" not in output


def test_an_empty_store_is_named_not_a_stack_trace(tmp_path):
    content = tmp_path / "content"
    content.mkdir()
    result = bench_scale(tmp_path / "data", content, "--sizes", "1")
    assert result.returncode == 2
    assert "No indexed chunks in the embedded Qdrant at" in " ".join(result.stderr.split())
    assert "run `kb index` first" in " ".join(result.stderr.split())
    assert "Traceback" not in result.stdout + result.stderr
    result = bench_scale(tmp_path / "data", content, "--sizes", "ten")
    assert result.returncode == 2 and "--sizes ten: give whole multiples" in result.stderr
