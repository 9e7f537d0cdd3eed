"""The service serves the embedded store from a snapshot of its chunks and opens the store only to
write: the snapshot must hold what the store holds, bit for bit, after a start, after a save and
after the store changed behind it; and while the service runs, no other process may open the store."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import numpy as np
import pytest
from haystack import Document

from kb.sparse import document_vector
from kb.store import open_document_store
from search_api.chunk_snapshot import SNAPSHOT_FILE, read_snapshot, store_state, write_snapshot
from search_api.classifier import SAVED_FIT
from search_api.engine import SearchEngine
from tests.conftest import SHIPPED_CONTENT, make_settings, small_content

ARTICLES = ["paspoort-aanvragen", "grofvuil-ophalen", "huurtoeslag", "parkeervergunning-bewoners"]


def assert_same_chunks(got: list[Document], expected: list[Document]) -> None:
    got_by_id = {doc.id: doc for doc in got}
    assert sorted(got_by_id) == sorted(doc.id for doc in expected)
    for doc in expected:
        mine = got_by_id[doc.id]
        assert (mine.content, mine.meta) == (doc.content, doc.meta), doc.id
        assert np.array_equal(np.asarray(mine.embedding, dtype=np.float32), np.asarray(doc.embedding, dtype=np.float32)), doc.id
        assert mine.sparse_embedding == doc.sparse_embedding, doc.id


def stored_chunks(settings) -> list[Document]:
    store = open_document_store(settings, 384)
    try:
        return store.filter_documents()
    finally:
        store.close()


# -- the file itself, on a real embedded store ----------------------------------------------------


def test_written_chunks_read_back_as_the_store_returns_them(tmp_path):
    settings = make_settings(tmp_path / "data", SHIPPED_CONTENT)
    rng = np.random.default_rng(3)
    texts = ["Een paspoort aanvragen doet u bij de gemeente.", "Grofvuil laten ophalen: maak een afspraak.", "Huurtoeslag"]
    written = [
        Document(id=f"a:{i}", content=text, embedding=rng.normal(size=8).tolist(), sparse_embedding=document_vector(text),
                 meta={"article_id": "a", "n": i, "kop": "Wat is het?", "lijst": [1, 2.5, None]})
        for i, text in enumerate(texts)
    ]
    store = open_document_store(settings, 8)
    store.write_documents(written)
    read = store.filter_documents()
    store.close()
    state = store_state(settings.resolved_qdrant_path)

    path = tmp_path / SNAPSHOT_FILE
    assert write_snapshot(path, read, state)
    assert_same_chunks(read_snapshot(path, state), read)
    assert not write_snapshot(tmp_path / "no such folder" / SNAPSHOT_FILE, read, state)  # logged, not raised
    # opened again, the store returns each chunk as it was written (unlike in the session that wrote it)
    assert_same_chunks(stored_chunks_of_size(settings, 8, documents=True), written)

    assert read_snapshot(path, state.replace("storage", "other")) is None  # the store changed since
    path.write_bytes(b"not a snapshot")
    assert read_snapshot(path, state) is None
    assert read_snapshot(tmp_path / "missing.npz", state) is None


def test_the_store_state_changes_with_every_write_and_not_with_reading(tmp_path):
    settings = make_settings(tmp_path / "data", SHIPPED_CONTENT)
    store = open_document_store(settings, 8)
    store.write_documents([Document(id="x", content="x", embedding=[1.0] * 8, sparse_embedding=document_vector("x"))])
    store.close()
    before = store_state(settings.resolved_qdrant_path)
    assert stored_chunks_of_size(settings, 8) == 1
    assert store_state(settings.resolved_qdrant_path) == before
    store = open_document_store(settings, 8)
    store.delete_documents(["x"])
    store.close()
    assert store_state(settings.resolved_qdrant_path) != before


def stored_chunks_of_size(settings, dimension: int, *, documents: bool = False):
    store = open_document_store(settings, dimension)
    try:
        read = store.filter_documents()
        return read if documents else len(read)
    finally:
        store.close()


# -- the engine, with the real model ---------------------------------------------------------------


@pytest.fixture
def small_kb(tmp_path):
    content = small_content(tmp_path / "content", ARTICLES)
    return make_settings(tmp_path / "data", content)


def started(settings) -> SearchEngine:
    engine = SearchEngine(settings)
    engine.start()
    return engine


@pytest.mark.slow
def test_a_save_is_searchable_and_written_to_the_store_and_the_snapshot_alike(small_kb):
    settings = small_kb
    engine = started(settings)
    try:
        engine.flush_writes()  # the index built at start, written by the writer process
        snapshot = settings.data_dir / SNAPSHOT_FILE
        state = store_state(settings.resolved_qdrant_path)
        assert_same_chunks(read_snapshot(snapshot, state), stored_chunks(settings))

        path = settings.content_dir / "grofvuil-ophalen.md"
        path.write_text(path.read_text(encoding="utf-8").replace(
            "## Wat is het?", "## Wat is het?\n\nOok een oude wasmachine of koelkast.", 1), encoding="utf-8")
        report = engine.reindex(only_ids=["grofvuil-ophalen"])
        assert report.chunks_written > 0 and report.chunks_deleted > 0
        assert engine.search("oude wasmachine weg").results[0].article_id == "grofvuil-ophalen"

        engine.flush_writes()  # written to the store beside the searches
        after = store_state(settings.resolved_qdrant_path)
        assert after != state
        stored = stored_chunks(settings)
        assert any("wasmachine" in (doc.content or "") for doc in stored)
        assert_same_chunks(read_snapshot(snapshot, after), stored)
    finally:
        engine.close()

    again = started(settings)  # from the snapshot: the same answer
    try:
        assert again.search("oude wasmachine weg").results[0].article_id == "grofvuil-ophalen"
        assert again.counts() == engine.counts()
    finally:
        again.close()


@pytest.mark.slow
def test_a_store_changed_behind_the_snapshot_is_read_again(small_kb):
    settings = small_kb
    started(settings).close()
    store = open_document_store(settings, 384)
    gone = [doc.id for doc in store.filter_documents() if doc.meta["article_id"] == "huurtoeslag"]
    store.delete_documents(gone)
    store.close()

    engine = started(settings)
    try:
        assert engine.index_state.chunks == len(stored_chunks(settings))
        assert_same_chunks(
            read_snapshot(settings.data_dir / SNAPSHOT_FILE, store_state(settings.resolved_qdrant_path)),
            stored_chunks(settings),
        )
    finally:
        engine.close()


@pytest.mark.slow
def test_while_services_run_no_other_process_opens_the_store(small_kb):
    settings = small_kb
    engine = started(settings)
    second = None
    try:
        second = started(settings)  # a second service may serve the store beside it (`search_api.index_changes`)
        engine.close()
        result = subprocess.run(  # ... and holds it for as long as it runs
            [sys.executable, "-m", "kb.cli", "index"],
            env={**os.environ, "KB_DATA_DIR": str(settings.data_dir), "KB_CONTENT_DIR": str(settings.content_dir)},
            capture_output=True, text=True, timeout=300,
        )
        assert result.returncode == 2, result.stdout + result.stderr
        assert "in use by another process" in " ".join(result.stderr.split())
        assert "Traceback" not in result.stderr + result.stdout
    finally:
        engine.close()
        if second is not None:
            second.close()
    open_document_store(settings, 384).close()  # and once both stopped, the store is free again


@pytest.mark.slow
def test_the_writer_closes_the_store_once_no_save_came_for_a_while(small_kb):
    settings = small_kb.model_copy(update={"store_idle_seconds": 0.5})
    engine = started(settings)
    try:
        path = settings.content_dir / "huurtoeslag.md"
        path.write_text(path.read_text(encoding="utf-8").replace(
            "## Wat is het?", "## Wat is het?\n\nOok voor een woonwagen of woonboot.", 1), encoding="utf-8")
        snapshot = settings.data_dir / SNAPSHOT_FILE
        engine.flush_writes()  # the index built at start
        before = snapshot.stat().st_mtime_ns
        engine.reindex(only_ids=["huurtoeslag"])
        deadline = time.monotonic() + 30
        while snapshot.stat().st_mtime_ns == before:  # written anew when the store is closed
            assert time.monotonic() < deadline, "the store was not closed after the save"
            time.sleep(0.2)
        stored = stored_chunks(settings)  # closed, so this process may open it
        assert any("woonboot" in (doc.content or "") for doc in stored)
        assert_same_chunks(read_snapshot(snapshot, store_state(settings.resolved_qdrant_path)), stored)
    finally:
        engine.close()


@pytest.mark.slow
def test_kb_index_writes_the_snapshot_the_service_starts_from(small_kb):
    settings = small_kb
    result = subprocess.run(
        [sys.executable, "-m", "kb.cli", "index"],
        env={**os.environ, "KB_DATA_DIR": str(settings.data_dir), "KB_CONTENT_DIR": str(settings.content_dir)},
        capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    snapshot = read_snapshot(settings.data_dir / SNAPSHOT_FILE, store_state(settings.resolved_qdrant_path))
    assert snapshot is not None  # current: a start needs no store
    assert_same_chunks(snapshot, stored_chunks(settings))
    # and the department classifier fitted on those chunks, which the service reads instead of training it
    fit = settings.data_dir / SAVED_FIT
    written = fit.stat().st_mtime_ns
    engine = started(settings)
    try:
        assert engine.classifier.fitted is not None
        assert engine.search("paspoort kwijt").department.id == "burgerzaken"
    finally:
        engine.close()
    assert fit.stat().st_mtime_ns == written
