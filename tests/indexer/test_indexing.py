"""Incremental indexing with the real model and the real embedded Qdrant."""

import re
import subprocess
import sys

import pytest

from indexer.indexing import index_articles, indexed_articles
from indexer.validate import validate_knowledge_base
from kb.embedding import document_embedder, embedding_dimension
from kb.model import resolve_embedding_model
from kb.store import open_document_store
from kb.store_files import StoreLockedError
from tests.conftest import SHIPPED_CONTENT, make_settings

pytestmark = pytest.mark.slow
ARTICLES = ["paspoort-aanvragen", "grofvuil-ophalen", "huurtoeslag", "parkeervergunning-bewoners"]


@pytest.fixture
def small_kb(tmp_path):
    content = tmp_path / "content"
    content.mkdir()
    for article_id in ARTICLES:
        text = (SHIPPED_CONTENT / f"{article_id}.md").read_text(encoding="utf-8")
        # Links to articles outside this small set would (rightly) fail validation.
        text = re.sub(r"\[([^\]]+)\]\([^)]+\.md\)", r"\1", text)
        (content / f"{article_id}.md").write_text(text, encoding="utf-8")
    settings = make_settings(tmp_path / "data", content)
    model = resolve_embedding_model(settings)
    embedder = document_embedder(settings, model)
    store = open_document_store(settings, embedding_dimension(embedder))
    yield settings, store, embedder, model
    store.close()


def run(settings, store, embedder, model):
    report = validate_knowledge_base(settings)
    return index_articles(
        report.articles, store, embedder, model_name=model, passage_prefix=settings.resolved_passage_prefix, keep_ids=report.invalid_ids
    )


def test_incremental_reindexing(small_kb):
    settings, store, embedder, model = small_kb
    first = run(*small_kb)
    assert sorted(first.added) == sorted(ARTICLES)
    total = store.count_documents()
    assert first.chunks_written == total > len(ARTICLES) * 6

    second = run(*small_kb)
    assert second.chunks_written == 0 and second.unchanged == len(ARTICLES) and not second.changed

    path = settings.content_dir / "grofvuil-ophalen.md"
    path.write_text(path.read_text(encoding="utf-8").replace("€ 35,00", "€ 37,50"), encoding="utf-8")
    third = run(*small_kb)
    assert third.updated == ["grofvuil-ophalen"] and third.added == [] and third.unchanged == 3
    assert 0 < third.chunks_written < total / 2
    assert store.count_documents() == total  # old chunks of the article replaced, not duplicated
    assert len(indexed_articles(store)["grofvuil-ophalen"]) == 1

    (settings.content_dir / "huurtoeslag.md").unlink()
    fourth = run(*small_kb)
    assert fourth.removed == ["huurtoeslag"]
    assert "huurtoeslag" not in indexed_articles(store)


def test_an_invalid_edit_keeps_the_indexed_version(small_kb):
    settings, store, *_ = small_kb
    run(*small_kb)
    before = store.count_documents()
    path = settings.content_dir / "paspoort-aanvragen.md"
    path.write_text(path.read_text(encoding="utf-8").replace("## Kosten", "## Prijs"), encoding="utf-8")
    report = run(*small_kb)
    assert not report.changed
    assert store.count_documents() == before
    assert "paspoort-aanvragen" in indexed_articles(store)


def test_second_process_gets_a_clear_message_not_a_crash(small_kb):
    settings, store, embedder, _ = small_kb
    with pytest.raises(StoreLockedError):
        open_document_store(settings, embedding_dimension(embedder))
    result = subprocess.run(
        [sys.executable, "-m", "kb.cli", "index"],
        env={
            "KB_DATA_DIR": str(settings.data_dir),
            "KB_CONTENT_DIR": str(settings.content_dir),
            "PATH": "/usr/bin:/bin",
            "HOME": str(__import__("pathlib").Path.home()),
        },
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 2
    assert "in use by another process" in " ".join(result.stderr.split())
    assert "Traceback" not in result.stderr + result.stdout


def test_an_edited_article_embeds_only_its_changed_chunks_with_the_same_vectors(small_kb):
    """The passage vectors computed before (`indexer.vector_cache`) are those the model computes."""
    import numpy as np

    from indexer.vector_cache import cached_embedder

    settings, store, model_embedder, model = small_kb
    embedder = cached_embedder(model_embedder, settings.data_dir, model)
    first = run(settings, store, embedder, model)
    assert first.chunks_embedded == first.chunks_written
    path = settings.content_dir / "grofvuil-ophalen.md"
    path.write_text(path.read_text(encoding="utf-8").replace("€ 35,00", "€ 37,50"), encoding="utf-8")
    edited = run(settings, store, embedder, model)
    assert edited.updated == ["grofvuil-ophalen"] and 0 < edited.chunks_embedded < edited.chunks_written
    stored = {d.content: d.embedding for d in store.filter_documents() if d.meta["article_id"] == "grofvuil-ophalen"}
    fresh = model_embedder.run(documents=[type(d)(content=d.content) for d in store.filter_documents()
                                          if d.meta["article_id"] == "grofvuil-ophalen"])["documents"]
    for document in fresh:
        assert np.allclose(stored[document.content], document.embedding, atol=1e-6)


def test_batches_embedded_side_by_side_get_the_same_vectors_in_the_same_order(small_kb):
    """`kb index` runs a batch per core, each on one core (`kb.embedding.index_embedder`): the
    vectors are those of one run at a time on every core, to the last bit, in the order given."""
    from indexer.chunking import article_documents, article_fingerprint
    from indexer.indexing import EMBED_BATCH, embedded_in_order
    from kb.embedding import index_embedder

    settings, _, one_at_a_time, model = small_kb
    report = validate_knowledge_base(settings)
    documents = [document for article in report.articles
                 for document in article_documents(article, article_fingerprint(article, model, "passage: "))]
    batches = [documents[start : start + EMBED_BATCH // 4] for start in range(0, len(documents), EMBED_BATCH // 4)]
    side_by_side, workers = index_embedder(settings, model)
    assert workers >= 1
    expected = [one_at_a_time.run(documents=batch)["documents"] for batch in batches]
    embedded = list(embedded_in_order(side_by_side, batches, workers=2))
    assert [[d.id for d in batch] for batch in embedded] == [[d.id for d in batch] for batch in batches]
    assert [[d.embedding for d in batch] for batch in embedded] == [[d.embedding for d in batch] for batch in expected]
