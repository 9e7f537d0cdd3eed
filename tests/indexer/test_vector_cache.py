"""Passage vectors computed before are reused: only a chunk whose text is new is embedded."""

from __future__ import annotations

import numpy as np
from haystack import Document, component

from indexer.vector_cache import CachedDocumentEmbedder, PassageVectorCache, cached_embedder


@component
class CountingEmbedder:
    """A stand-in model for this unit test of the cache's logic: a vector from the text's length."""

    prefix = "passage: "

    def __init__(self) -> None:
        self.seen: list[str] = []

    def warm_up(self) -> None:
        pass

    @component.output_types(documents=list[Document])
    def run(self, documents: list[Document]) -> dict:
        self.seen.extend(document.content or "" for document in documents)
        return {"documents": [Document(id=d.id, content=d.content, embedding=[float(len(d.content or "")), 1.0])
                              for d in documents]}


def test_only_new_texts_are_embedded_and_vectors_come_back_exactly(tmp_path):
    model = CountingEmbedder()
    embedder = cached_embedder(model, tmp_path, "model-a")
    first = embedder.run(documents=[Document(id="a:1:0", content="paspoort"), Document(id="a:1:1", content="rijbewijs")])
    assert model.seen == ["paspoort", "rijbewijs"]
    second = embedder.run(documents=[Document(id="a:2:0", content="paspoort"), Document(id="a:2:1", content="id-kaart")])
    assert model.seen == ["paspoort", "rijbewijs", "id-kaart"] and embedder.embedded == 3
    assert second["documents"][0].embedding == first["documents"][0].embedding
    assert [d.id for d in second["documents"]] == ["a:2:0", "a:2:1"]


def test_the_vectors_belong_to_one_model_and_prefix(tmp_path):
    cache = PassageVectorCache(tmp_path / "v.sqlite", "model-a", "passage: ")
    cache.put_many({cache.key("paspoort"): np.array([0.5, 0.25], dtype=np.float32)})
    other_model = PassageVectorCache(tmp_path / "v.sqlite", "model-b", "passage: ")
    other_prefix = PassageVectorCache(tmp_path / "v.sqlite", "model-a", "")
    assert other_model.get_many([other_model.key("paspoort")]) == {}
    assert other_prefix.get_many([other_prefix.key("paspoort")]) == {}
    assert cache.get_many([cache.key("paspoort")])[cache.key("paspoort")].tolist() == [0.5, 0.25]


def test_a_full_run_keeps_only_the_vectors_of_its_chunks(tmp_path):
    embedder = CachedDocumentEmbedder(CountingEmbedder(), PassageVectorCache(tmp_path / "v.sqlite", "m", "passage: "))
    embedder.run(documents=[Document(content=text) for text in ("een", "twee", "drie")])
    assert embedder.cache.retain(["een", "drie"]) == 1
    assert len(embedder.cache) == 2
