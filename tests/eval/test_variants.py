"""The variants `kb bench-scale` measures the stores with: other articles (own ids, a place in the
title) whose chunks keep the shape of the real ones and lie near them, never on them."""

from __future__ import annotations

import numpy as np
from haystack import Document

from eval.variants import COSINE_BAND, BaseChunks, place_name, variant_documents, variant_id
from indexer.chunking import KIND_QUESTION, KIND_SECTION, KIND_SUMMARY
from kb.sparse import document_vector, term_index, terms

DIMENSION = 384


def real_chunks() -> list[Document]:
    """Chunks as `indexer.chunking` and `indexer.indexing` store them, with unit vectors."""
    rng = np.random.default_rng(7)
    documents = []
    for article_id, title in (("paspoort-aanvragen", "Paspoort aanvragen"), ("grofvuil-ophalen", "Grofvuil ophalen")):
        texts = [
            (KIND_SECTION, "Wat moet u doen?", f"{title}. Wat moet u doen?\nMaak een afspraak bij de balie van de gemeente."),
            (KIND_SECTION, "Kosten", f"{title}. Kosten\nDe kosten staan op de website."),
            (KIND_QUESTION, "", f"Hoe regel ik {title.lower()}?"),
            (KIND_SUMMARY, "", f"{title}. afspraak, balie, kosten"),
        ]
        for number, (kind, section, content) in enumerate(texts):
            vector = rng.normal(size=DIMENSION)
            documents.append(Document(
                id=f"{article_id}:0123456789abcdef:{number}", content=content,
                embedding=(vector / np.linalg.norm(vector)).tolist(), sparse_embedding=document_vector(content),
                meta={"article_id": article_id, "title": title, "department_id": "burgerzaken", "upl": ["paspoort"],
                      "fingerprint": "0123456789abcdef", "kind": kind, "section": section, "chunks": len(texts),
                      "indexed_at": "2026-12-01T10:00:00.000000+00:00"},
            ))
    return documents


def test_variants_are_other_articles_with_the_payload_of_the_real_ones():
    base = BaseChunks.from_documents(real_chunks())
    originals = variant_documents(base, 0)
    variants = {number: variant_documents(base, number) for number in (1, 2, 99)}
    every_id = [d.id for d in originals] + [d.id for documents in variants.values() for d in documents]
    assert len(every_id) == len(set(every_id)) == 4 * len(base)
    assert len({place_name(number) for number in range(1, 343)}) == 342

    by_id = {d.id: d for d in real_chunks()}
    assert {d.id for d in originals} == set(by_id)
    for number, documents in variants.items():
        assert len(documents) == len(base)
        for original, variant in zip(originals, documents):
            article_id = original.meta["article_id"]
            assert variant.id == original.id.replace(article_id, variant_id(article_id, number), 1)
            assert variant.meta["article_id"] == f"{article_id}--v{number:03d}"
            assert variant.meta["title"] == f"{original.meta['title']} (gemeente {place_name(number)})"
            assert set(variant.meta) == set(original.meta)
            unchanged = {key: value for key, value in original.meta.items() if key not in ("article_id", "title")}
            assert {key: variant.meta[key] for key in unchanged} == unchanged
            if original.meta["kind"] != KIND_QUESTION:
                assert variant.content.startswith(variant.meta["title"] + ".")
            assert variant.content.endswith(original.content.removeprefix(original.meta["title"]))


def test_variant_vectors_are_unit_vectors_near_the_real_ones():
    base = BaseChunks.from_documents(real_chunks())
    originals = variant_documents(base, 0)
    place_terms = {term_index(term) for term in terms(place_name(5))}
    cosines = []
    for original, variant in zip(originals, variant_documents(base, 5)):
        vector, real = np.asarray(variant.embedding), np.asarray(original.embedding)
        assert abs(np.linalg.norm(vector) - 1) < 1e-5
        cosines.append(float(vector @ real))
        kept = set(original.sparse_embedding.indices) & set(variant.sparse_embedding.indices)
        assert len(kept) >= len(original.sparse_embedding.indices) - 1  # at most one term dropped
        assert place_terms <= set(variant.sparse_embedding.indices)
        assert variant.sparse_embedding.indices == sorted(variant.sparse_embedding.indices)
    low, high = COSINE_BAND
    assert all(low - 1e-4 <= cosine <= high + 1e-4 for cosine in cosines), cosines
    assert len(set(np.round(cosines, 4))) > 1  # each chunk its own distance
    again = variant_documents(base, 5)
    assert [d.embedding for d in again] == [d.embedding for d in variant_documents(base, 5)]


def test_a_subset_keeps_whole_articles():
    base = BaseChunks.from_documents(real_chunks())
    small = base.subset(1)
    assert small.article_ids == ["grofvuil-ophalen"]
    assert len(small) == 4 and small.dense.shape == (4, DIMENSION) and len(small.sparse) == 4
