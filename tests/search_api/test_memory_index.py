"""The in-memory scoring must give what Qdrant itself gives (same order, same scores)."""

import numpy as np
import pytest
from haystack import Document
from haystack_integrations.components.retrievers.qdrant import QdrantEmbeddingRetriever, QdrantSparseEmbeddingRetriever

from kb.settings import Settings
from kb.sparse import document_vector, query_vector
from kb.store import open_document_store
from search_api.memory_index import InMemoryVectorIndex, SparsePostings, idf

TEXTS = [
    "Een parkeervergunning voor bewoners vraagt u online aan.",
    "Bezoekers parkeren met een bezoekersvergunning in de app.",
    "Grofvuil laten ophalen: maak een afspraak.",
    "De milieustraat neemt grofvuil en puin aan.",
    "Een paspoort aanvragen doet u bij de gemeente.",
    "Vergunning voor het kappen van een boom.",
]


@pytest.fixture(scope="module")
def stored(tmp_path_factory):
    rng = np.random.default_rng(7)
    documents = [
        Document(id=f"d{i}", content=text, embedding=rng.normal(size=8).tolist(), sparse_embedding=document_vector(text), meta={"n": i})
        for i, text in enumerate(TEXTS)
    ]
    settings = Settings(data_dir=tmp_path_factory.mktemp("data"))
    store = open_document_store(settings, 8)
    store.write_documents(documents)
    yield store, documents
    store.close()


def test_dense_scores_equal_qdrant(stored):
    store, documents = stored
    index = InMemoryVectorIndex(store.filter_documents())
    query = np.random.default_rng(1).normal(size=8).tolist()
    expected = QdrantEmbeddingRetriever(document_store=store, top_k=4).run(query_embedding=query)["documents"]
    got = index.dense_search(query, 4)
    assert [d.id for d in got] == [d.id for d in expected]
    assert np.allclose([d.score for d in got], [d.score for d in expected], atol=1e-5)
    assert got[0].embedding is None and got[0].meta == expected[0].meta


def test_sparse_scores_with_idf_equal_qdrant(stored):
    store, _ = stored
    index = InMemoryVectorIndex(store.filter_documents())
    for question in ["vergunning voor parkeren", "grofvuil wegbrengen", "recept appeltaart"]:
        vector = query_vector(question)
        expected = QdrantSparseEmbeddingRetriever(document_store=store, top_k=10).run(query_sparse_embedding=vector)["documents"]
        got = index.sparse_search(vector, 10)
        assert [d.id for d in got] == [d.id for d in expected], question
        assert np.allclose([d.score for d in got], [d.score for d in expected], atol=1e-4)
    assert idf(1, 6) > idf(3, 6) > 0


def test_sparse_postings_give_the_matrix_product_to_the_last_bit():
    """Per term, in column order, in float32: what a sparse matrix product gives, also where a
    row names a term twice (summed) or holds an explicit zero (still a shared term)."""
    from scipy import sparse

    rng = np.random.default_rng(11)
    rows = rng.integers(0, 300, size=4000)
    columns = rng.integers(0, 500, size=4000)
    values = rng.random(4000, dtype=np.float32) * 3
    values[:20] = 0.0
    postings = SparsePostings.of(rows, columns, values, shape=(300, 500))
    matrix = sparse.csr_matrix((values, (rows, columns)), shape=(300, 500))
    matrix.sum_duplicates()
    assert np.array_equal(postings.document_frequency(), np.bincount(matrix.indices, minlength=500))
    for _ in range(200):
        terms = np.unique(rng.integers(0, 500, size=rng.integers(1, 15)))
        query = np.zeros(500, dtype=np.float32)
        query[terms] = rng.random(len(terms), dtype=np.float32) * 5
        scores, overlap = postings.scores(terms, query)
        assert np.array_equal(scores, matrix @ query)
        assert np.array_equal(overlap, np.asarray(matrix[:, terms].getnnz(axis=1) > 0))
