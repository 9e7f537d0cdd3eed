"""The writer process writes what the service saved to the embedded store, in order, and leaves
the snapshot of the store behind; a write that fails is logged, and the snapshot removed so that
the next start reads the store itself. On a real embedded store, under the service's lock."""

from __future__ import annotations

import logging

import numpy as np
import pytest
from haystack import Document

from indexer.indexing import PendingWrites
from kb.sparse import document_vector
from kb.store import open_document_store
from kb.store_files import hold_embedded_store, release_embedded_store
from search_api.chunk_snapshot import SNAPSHOT_FILE, ChunkSnapshot
from search_api.store_writer import StoreWriter
from tests.conftest import SHIPPED_CONTENT, make_settings

DIMENSION = 8


def chunk(chunk_id: str, text: str, dimension: int = DIMENSION) -> Document:
    vector = np.random.default_rng(len(chunk_id)).normal(size=dimension)
    return Document(id=chunk_id, content=text, embedding=(vector / np.linalg.norm(vector)).tolist(),
                    sparse_embedding=document_vector(text), meta={"article_id": chunk_id.split(":")[0]})


@pytest.fixture
def served(tmp_path):
    """Settings of a store this process serves, as the search service does."""
    settings = make_settings(tmp_path / "data", SHIPPED_CONTENT, store_idle_seconds=60)
    hold_embedded_store(settings)
    yield settings
    release_embedded_store(settings)


def stored(settings) -> dict[str, str]:
    store = open_document_store(settings, DIMENSION)
    try:
        return {doc.id: doc.content or "" for doc in store.filter_documents()}
    finally:
        store.close()


def test_saves_are_written_in_order_and_the_snapshot_follows_the_store(served):
    snapshot = ChunkSnapshot(served)
    writer = StoreWriter(served, DIMENSION, snapshot)
    try:
        writer.submit(PendingWrites(written=[chunk("a:0", "Grofvuil ophalen"), chunk("b:0", "Paspoort aanvragen")]))
        writer.submit(PendingWrites(written=[chunk("a:1", "Grofvuil laten ophalen")], deleted=["a:0"]))
        writer.submit(PendingWrites())  # nothing to write: no process is started for it
        writer.flush()
        assert stored(served) == {"a:1": "Grofvuil laten ophalen", "b:0": "Paspoort aanvragen"}
        kept = snapshot.read()
        assert kept is not None and sorted(doc.id for doc in kept) == ["a:1", "b:0"]
        assert writer.take().result() == 2  # read again on request (a store changed behind the snapshot)
    finally:
        writer.close()


def test_a_failed_write_is_logged_and_the_snapshot_removed(served, caplog):
    snapshot = ChunkSnapshot(served)
    writer = StoreWriter(served, DIMENSION, snapshot)
    try:
        writer.submit(PendingWrites(written=[chunk("a:0", "Grofvuil ophalen")]))
        writer.flush()
        assert (served.data_dir / SNAPSHOT_FILE).is_file()
        with caplog.at_level(logging.ERROR, logger="search_api.store_writer"):
            writer.submit(PendingWrites(written=[chunk("c:0", "Huurtoeslag", dimension=3)]))  # not the store's size
            writer.flush()
        assert "Writing the saved articles c to the store failed" in caplog.text
        assert "Traceback" not in caplog.text
        assert not (served.data_dir / SNAPSHOT_FILE).exists()  # the next start reads the store
        writer.submit(PendingWrites(written=[chunk("b:0", "Paspoort aanvragen")]))  # and the next save is written
        writer.flush()
        assert stored(served) == {"a:0": "Grofvuil ophalen", "b:0": "Paspoort aanvragen"}
    finally:
        writer.close()
