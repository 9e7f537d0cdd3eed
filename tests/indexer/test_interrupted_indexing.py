"""A re-index killed at any point never leaves searches a partial or mixed index, and the next
`kb index` restores every chunk. `kb index --rebuild` and `kb index` run as processes over a
small copy of the knowledge base and are killed (SIGKILL) at several points of their progress;
real model, real embedded Qdrant."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from qdrant_client import QdrantClient

from indexer.chunking import article_documents, article_fingerprint
from indexer.indexing import served_documents, served_versions, stored_versions
from indexer.validate import validate_knowledge_base
from kb.embedding import embedding_dimension, text_embedder
from kb.model import resolve_embedding_model
from kb.settings import PROJECT_DIR, Settings
from kb.store import open_document_store
from search_api.grouping import group_by_article
from search_api.retrieval import HybridRetriever
from tests.conftest import SHIPPED_CONTENT, make_settings

pytestmark = pytest.mark.slow

ARTICLES = [
    "paspoort-aanvragen", "grofvuil-ophalen", "huurtoeslag", "parkeervergunning-bewoners",
    "hondenbelasting", "trouwen-en-partnerschap", "boom-kappen", "rijbewijs-verlengen",
]
QUESTIONS = [
    "wat kost een paspoort", "grofvuil laten ophalen", "hoeveel hondenbelasting betaal ik",
    "ik wil trouwen", "mag ik de boom in mijn tuin kappen", "mijn rijbewijs is verlopen",
]
PROGRESS = re.compile(r"Embedded (\d+) of (\d+) chunks")


def copy_articles(target: Path, article_ids: list[str]) -> Path:
    """A small knowledge base: these shipped articles, their links to others made plain text."""
    target.mkdir(parents=True)
    for article_id in article_ids:
        text = (SHIPPED_CONTENT / f"{article_id}.md").read_text(encoding="utf-8")
        (target / f"{article_id}.md").write_text(re.sub(r"\[([^\]]+)\]\([^)]+\.md\)", r"\1", text), encoding="utf-8")
    return target


def kb_command(settings: Settings, *args: str) -> subprocess.Popen:
    env = {
        **os.environ,
        "KB_DATA_DIR": str(settings.data_dir),
        "KB_CONTENT_DIR": str(settings.content_dir),
        "PYTHONPATH": os.pathsep.join([str(PROJECT_DIR), os.environ.get("PYTHONPATH", "")]),
        "PYTHONUNBUFFERED": "1",
        "HF_HUB_OFFLINE": "1",
        "HAYSTACK_TELEMETRY_ENABLED": "False",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "kb.cli", *args], env=env, cwd=settings.data_dir.parent,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )


def run_kb(settings: Settings, *args: str) -> str:
    process = kb_command(settings, *args)
    output, _ = process.communicate(timeout=600)
    assert process.returncode == 0, output
    return output


def kill_when(settings: Settings, args: list[str], reached: Callable[[int, int], bool]) -> str:
    """Run `kb index ...` and kill it (SIGKILL) at the first progress line where `reached(done, total)`."""
    process = kb_command(settings, *args)
    assert process.stdout is not None
    seen = []
    for line in process.stdout:
        seen.append(line)
        match = PROGRESS.search(line)
        if match and reached(int(match[1]), int(match[2])):
            process.send_signal(signal.SIGKILL)
            break
    process.wait(timeout=60)
    assert process.returncode == -signal.SIGKILL, "".join(seen)  # killed, not finished
    return "".join(seen)


@pytest.fixture(scope="module")
def small_kb(tmp_path_factory):
    root = tmp_path_factory.mktemp("interrupted")
    settings = make_settings(root / "data", copy_articles(root / "content", ARTICLES))
    settings.data_dir.mkdir()
    assert validate_knowledge_base(settings).ok
    model = resolve_embedding_model(settings)
    embedder = text_embedder(settings, model)
    retriever = HybridRetriever(None, embedder, backend="memory")  # what the engine searches with
    return settings, model, embedder, retriever


def served(small_kb) -> tuple[dict[str, list[str]], list[str]]:
    """What the engine would serve from the store now: the chunk ids per article (each checked
    complete) and the first article for each question."""
    settings, _, embedder, retriever = small_kb
    store = open_document_store(settings, embedding_dimension(embedder))
    try:
        documents = store.filter_documents()
    finally:
        store.close()
    chunks: dict[str, list[str]] = {}
    for article_id, version in served_versions(stored_versions(documents)).items():
        assert version.expected is not None and len(version.ids) == version.expected, article_id
        assert sorted(version.ids) == sorted(f"{article_id}:{version.fingerprint}:{n}" for n in range(version.expected))
        chunks[article_id] = sorted(version.ids)
    retriever.refresh(served_documents(documents))
    first = [group_by_article(retriever.run(question, "hybrid").documents, 2)[0].article_id for question in QUESTIONS]
    return chunks, first


def expected_chunks(small_kb) -> dict[str, list[str]]:
    """The chunk ids a clean build of the content writes."""
    settings, model, *_ = small_kb
    articles = validate_knowledge_base(settings).articles
    return {
        article.id: sorted(d.id for d in article_documents(article, article_fingerprint(article, model, settings.resolved_passage_prefix)))
        for article in articles
    }


def collections(settings: Settings) -> tuple[list[str], dict[str, str]]:
    client = QdrantClient(path=str(settings.resolved_qdrant_path))
    try:
        names = sorted(c.name for c in client.get_collections().collections)
        aliases = {a.alias_name: a.collection_name for a in client.get_aliases().aliases}
    finally:
        client.close()
    return names, aliases


def test_a_killed_rebuild_leaves_the_previous_index_served_in_full(small_kb):
    settings = small_kb[0]
    run_kb(settings, "index")
    before = served(small_kb)
    assert before[0] == expected_chunks(small_kb) and sorted(before[0]) == sorted(ARTICLES)
    assert before[1][:2] == ["paspoort-aanvragen", "grofvuil-ophalen"]

    for reached in (lambda done, total: done >= total / 2, lambda done, total: 0 < done == total):
        kill_when(settings, ["index", "--rebuild"], reached)
        assert served(small_kb) == before  # the previous index, every article complete, same answers
        names, aliases = collections(settings)
        assert aliases["kb_sections"] in names and len(names) <= 2  # the half-built one is not served

    output = run_kb(settings, "index")
    assert f"0 added, 0 updated, 0 removed, {len(ARTICLES)} unchanged" in output
    names, aliases = collections(settings)
    assert names == [aliases["kb_sections"]]  # what the killed rebuild left is deleted
    assert served(small_kb) == before


def test_a_killed_incremental_run_serves_each_article_old_or_new_never_a_mix(small_kb):
    settings = small_kb[0]
    before = served(small_kb)
    edited = ARTICLES[2:6]
    for article_id in edited:
        path = settings.content_dir / f"{article_id}.md"
        path.write_text(path.read_text(encoding="utf-8") + "\nDeze pagina is bijgewerkt.\n", encoding="utf-8")

    kill_when(settings, ["index"], lambda done, total: done >= total / 2)
    chunks, first = served(small_kb)  # complete versions only (checked inside)
    assert first == before[1] and sorted(chunks) == sorted(ARTICLES)
    new = expected_chunks(small_kb)
    assert any(chunks[a] == new[a] for a in edited)  # some articles are served in their new version ...
    assert any(chunks[a] == before[0][a] for a in edited)  # ... some still in the old one, complete
    store = open_document_store(settings, embedding_dimension(small_kb[2]))
    try:
        versions = stored_versions(store.filter_documents())
        assert any(not version.complete for a in edited for version in versions[a])  # beside a half-written new one
        # and, as an interrupted run of an older version could leave, an article lacking chunks
        lacking = sorted(versions["paspoort-aanvragen"][0].ids)[:5]
        store.delete_documents(lacking)
    finally:
        store.close()

    output = run_kb(settings, "index")
    unchanged = len(ARTICLES) - len(edited) - 1
    assert f"0 added, {len(edited) + 1} updated, 0 removed, {unchanged} unchanged" in " ".join(output.split())
    restored, first = served(small_kb)
    assert restored == new  # every chunk of the current version of every article, nothing else
    assert sum(map(len, restored.values())) == sum(map(len, new.values()))
    assert first == before[1]
    store = open_document_store(settings, embedding_dimension(small_kb[2]))
    try:
        assert store.count_documents() == sum(map(len, new.values()))  # no old versions left either
    finally:
        store.close()
