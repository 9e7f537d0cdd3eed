"""The index behind its collection alias, in a real embedded Qdrant (tiny vectors, no model):
a rebuild is switched in one step, what a killed run left is cleaned up or recovered, and a
plain collection from before the alias keeps working and is moved under the alias."""

from __future__ import annotations

import numpy as np
import pytest
from haystack import Document
from haystack_integrations.document_stores.qdrant import QdrantDocumentStore
from qdrant_client import QdrantClient

from kb.settings import Settings
from kb.sparse import document_vector
from kb.store import create_collection, open_document_store, open_new_collection, prepare_index_run, switch_index

DIM = 8
ALIAS = "kb_sections"


def documents(prefix: str, count: int = 3) -> list[Document]:
    rng = np.random.default_rng(len(prefix))
    return [
        Document(id=f"{prefix}-{n}", content=f"{prefix} tekst {n}", embedding=rng.normal(size=DIM).tolist(),
                 sparse_embedding=document_vector(f"{prefix} tekst {n}"), meta={"n": n})
        for n in range(count)
    ]


def layout(settings: Settings) -> tuple[list[str], dict[str, str]]:
    client = QdrantClient(path=str(settings.resolved_qdrant_path))
    try:
        return (sorted(c.name for c in client.get_collections().collections),
                {a.alias_name: a.collection_name for a in client.get_aliases().aliases})
    finally:
        client.close()


def stored_documents(settings: Settings) -> dict[str, Document]:
    """What searches read (through the alias)."""
    store = open_document_store(settings, DIM)
    try:
        return {document.id: document for document in store.filter_documents()}
    finally:
        store.close()


def stored_ids(settings: Settings) -> list[str]:
    return sorted(stored_documents(settings))


@pytest.fixture
def settings(tmp_path) -> Settings:
    return Settings(data_dir=tmp_path)


def test_a_new_index_is_a_collection_behind_the_alias(settings):
    store = open_document_store(settings, DIM)
    store.write_documents(documents("eerste"))
    store.close()
    names, aliases = layout(settings)
    assert len(names) == 1 and aliases == {ALIAS: names[0]} and names[0].startswith(f"{ALIAS}--")
    assert stored_ids(settings) == ["eerste-0", "eerste-1", "eerste-2"]


def test_a_rebuild_is_seen_only_once_it_is_switched_in(settings):
    store = open_document_store(settings, DIM)
    store.write_documents(documents("oud"))
    store.close()
    new = open_new_collection(settings, DIM)
    new.write_documents(documents("nieuw", 2))
    new.close()
    assert stored_ids(settings) == ["oud-0", "oud-1", "oud-2"]  # searches still read the old index
    switch_index(settings, new.index)
    assert stored_ids(settings) == ["nieuw-0", "nieuw-1"]
    assert layout(settings) == ([new.index], {ALIAS: new.index})  # the old collection is deleted


def test_what_a_killed_rebuild_left_is_deleted_by_the_next_run(settings):
    store = open_document_store(settings, DIM)
    store.write_documents(documents("oud"))
    store.close()
    served = layout(settings)[1][ALIAS]
    half_built = open_new_collection(settings, DIM)
    half_built.write_documents(documents("half", 1))
    half_built.close()  # ... and the process was killed here
    assert stored_ids(settings) == ["oud-0", "oud-1", "oud-2"]
    lines = prepare_index_run(settings, DIM)
    assert layout(settings) == ([served], {ALIAS: served})
    assert lines == [f"Deleted collection '{half_built.index}', left behind by a rebuild that did not finish"]


def test_a_collection_built_but_not_yet_switched_in_is_taken_up(settings):
    """Killed between deleting a plain collection and creating the alias: the complete collection
    that was built is served, not an empty new index."""
    name = create_collection(settings, DIM)
    store = QdrantDocumentStore(path=str(settings.resolved_qdrant_path), index=name, embedding_dim=DIM,
                                use_sparse_embeddings=True, sparse_idf=True, progress_bar=False)
    store.write_documents(documents("gebouwd"))
    store.close()
    assert layout(settings) == ([name], {})
    assert stored_ids(settings) == ["gebouwd-0", "gebouwd-1", "gebouwd-2"]
    assert layout(settings) == ([name], {ALIAS: name})


def test_a_plain_collection_keeps_working_and_moves_under_the_alias(settings):
    """A data folder indexed before the alias: read as it is, then copied (vectors and all, nothing
    embedded again) into a collection behind the alias by the next index run."""
    plain = QdrantDocumentStore(path=str(settings.resolved_qdrant_path), index=ALIAS, embedding_dim=DIM,
                                use_sparse_embeddings=True, sparse_idf=True, progress_bar=False)
    plain.write_documents(documents("bestaand", 260))  # more than one batch of the copy
    plain.close()
    assert layout(settings) == ([ALIAS], {})
    before = stored_documents(settings)  # read as it is
    assert len(before) == 260 and layout(settings) == ([ALIAS], {})  # searching does not change the folder

    lines = prepare_index_run(settings, DIM)
    names, aliases = layout(settings)
    assert len(names) == 1 and aliases == {ALIAS: names[0]} and names[0] != ALIAS
    assert lines and "Moved the 260 chunks" in lines[0]
    after = stored_documents(settings)
    assert after.keys() == before.keys()
    for key, document in before.items():
        assert np.allclose(after[key].embedding, document.embedding)
        assert after[key].sparse_embedding == document.sparse_embedding and after[key].meta == document.meta


def test_a_rebuild_replaces_a_plain_collection_without_copying_it(settings):
    plain = QdrantDocumentStore(path=str(settings.resolved_qdrant_path), index=ALIAS, embedding_dim=DIM,
                                use_sparse_embeddings=True, sparse_idf=True, progress_bar=False)
    plain.write_documents(documents("bestaand"))
    plain.close()
    assert prepare_index_run(settings, DIM, rebuild=True) == []
    new = open_new_collection(settings, DIM)
    new.write_documents(documents("nieuw", 2))
    new.close()
    assert stored_ids(settings) == ["bestaand-0", "bestaand-1", "bestaand-2"]
    switch_index(settings, new.index)
    assert layout(settings) == ([new.index], {ALIAS: new.index})
    assert stored_ids(settings) == ["nieuw-0", "nieuw-1"]


def test_an_index_for_another_vector_size_is_replaced_by_an_empty_one(settings):
    store = open_document_store(settings, DIM)
    store.write_documents(documents("oud"))
    store.close()
    store = open_document_store(settings, DIM * 2)
    assert store.count_documents() == 0
    store.close()
    names, aliases = layout(settings)
    assert len(names) == 1 and aliases == {ALIAS: names[0]}
