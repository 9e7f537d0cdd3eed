"""Query-time scoring over vectors loaded from Qdrant, for the embedded (local-mode) store.

Qdrant stays the store of record: `kb index` writes dense and sparse vectors there, and this
index is rebuilt from the stored points at start-up and after every re-index. It exists because
qdrant-client's local mode scores sparse vectors in a Python loop: 75 ms per query over 2,600
chunks here, more than the whole latency budget, where this index needs about 1 ms (one matrix
product for the dense vectors, the postings of the question's few terms for the sparse ones).
It computes exactly what Qdrant computes: cosine similarity for the dense vectors and the dot
product with Qdrant's IDF modifier (ln((N - df + 0.5) / (df + 0.5) + 1)) for the sparse ones.
Against a Qdrant server (`KB_QDRANT_URL`) the Qdrant retrievers are used instead
(`KB_RETRIEVAL_BACKEND`).

The sparse vectors are kept per term (`SparsePostings`), so a question of five terms reads five
short lists instead of multiplying a matrix of every chunk: 0.02 instead of 0.22 ms, and the
service runs without SciPy (about 20 MB).
"""

from __future__ import annotations

import numpy as np
from haystack import Document, component
from haystack.dataclasses import SparseEmbedding

from search_api.scored import scored, with_fields


class InMemoryVectorIndex:
    def __init__(self, documents: list[Document]) -> None:
        rows = [d for d in documents if d.embedding is not None]
        self.documents = [with_fields(d, embedding=None, sparse_embedding=None) for d in rows]
        if rows:
            dense = np.asarray([d.embedding for d in rows], dtype=np.float32)
            norms = np.linalg.norm(dense, axis=1, keepdims=True)
            self.dense = dense / np.maximum(norms, 1e-12)
        else:
            self.dense = np.zeros((0, 0), dtype=np.float32)
        self.columns: dict[int, int] = {}  # term -> column
        rows_of, columns_of, values_of = [], [], []
        for row, document in enumerate(rows):
            vector = document.sparse_embedding
            if vector is not None:
                for term, value in zip(vector.indices, vector.values):
                    rows_of.append(row)
                    columns_of.append(self.columns.setdefault(term, len(self.columns)))
                    values_of.append(value)
        self.sparse = SparsePostings.of(
            np.asarray(rows_of, dtype=np.int64), np.asarray(columns_of, dtype=np.int64),
            np.asarray(values_of, dtype=np.float32), shape=(len(rows), max(1, len(self.columns))),
        )
        with_sparse = sum(1 for d in rows if d.sparse_embedding is not None and d.sparse_embedding.indices)
        self.idf = idf(self.sparse.document_frequency(), with_sparse).astype(np.float32)

    def __len__(self) -> int:
        return len(self.documents)

    def _top(self, scores: np.ndarray, top_k: int, valid: np.ndarray | None = None) -> list[Document]:
        if valid is not None:
            scores = np.where(valid, scores, -np.inf)
        count = min(top_k, int(np.isfinite(scores).sum()))
        if count <= 0:
            return []
        best = np.argpartition(-scores, count - 1)[:count]
        best = best[np.argsort(-scores[best], kind="stable")]
        return [scored(self.documents[i], float(scores[i])) for i in best]

    def dense_search(self, embedding: list[float], top_k: int) -> list[Document]:
        if not len(self):
            return []
        query = np.asarray(embedding, dtype=np.float32)
        query = query / max(float(np.linalg.norm(query)), 1e-12)
        return self._top(self.dense @ query, top_k)

    def sparse_search(self, vector: SparseEmbedding, top_k: int) -> list[Document]:
        if not len(self):
            return []
        columns, weights = [], []
        for term, value in zip(vector.indices, vector.values):
            column = self.columns.get(term)
            if column is not None:
                columns.append(column)
                weights.append(value * self.idf[column])
        if not columns:
            return []
        query = np.zeros(len(self.idf), dtype=np.float32)
        np.add.at(query, columns, weights)
        scores, overlap = self.sparse.scores(np.unique(columns), query)
        return self._top(scores, top_k, overlap)  # Qdrant returns only points that share a term


class SparsePostings:
    """The sparse vectors by term: for each column, the rows that have it and their values, in
    row order (a compressed sparse column matrix of `height` rows, duplicates summed)."""

    def __init__(self, starts: np.ndarray, rows: np.ndarray, values: np.ndarray, height: int) -> None:
        self.starts, self.rows, self.values = starts, rows, values  # column c: [starts[c], starts[c + 1])
        self.height = height

    @classmethod
    def of(cls, rows: np.ndarray, columns: np.ndarray, values: np.ndarray, *, shape: tuple[int, int]) -> SparsePostings:
        order = np.lexsort((rows, columns))
        rows, columns, values = rows[order], columns[order], values[order]
        if len(rows):  # one entry per (row, column): a term given twice counts once, its values summed
            first = np.flatnonzero(np.r_[True, (rows[1:] != rows[:-1]) | (columns[1:] != columns[:-1])])
            rows, columns, values = rows[first], columns[first], np.add.reduceat(values, first)
        height, width = shape
        return cls(np.searchsorted(columns, np.arange(width + 1)), rows, values, height)

    def document_frequency(self) -> np.ndarray:
        return np.diff(self.starts)

    def scores(self, columns: np.ndarray, query: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """`matrix @ query` for a query that is 0 outside `columns` (ascending), and which rows
        share a column with it. A row's products are added in column order, in float32, as a
        matrix product adds them, so the scores equal it to the last bit."""
        scores = np.zeros(self.height, dtype=np.float32)
        overlap = np.zeros(self.height, dtype=bool)
        for column in columns.tolist():
            start, end = self.starts[column], self.starts[column + 1]
            rows = self.rows[start:end]
            scores[rows] += self.values[start:end] * query[column]
            overlap[rows] = True
        return scores, overlap


@component
class InMemoryEmbeddingRetriever:
    """Same contract as `QdrantEmbeddingRetriever.run` for what the engine uses."""

    def __init__(self, index: InMemoryVectorIndex, top_k: int = 10) -> None:
        self.index, self.top_k = index, top_k

    @component.output_types(documents=list[Document])
    def run(self, query_embedding: list[float], top_k: int | None = None) -> dict[str, list[Document]]:
        return {"documents": self.index.dense_search(query_embedding, top_k or self.top_k)}


@component
class InMemorySparseEmbeddingRetriever:
    """Same contract as `QdrantSparseEmbeddingRetriever.run` for what the engine uses."""

    def __init__(self, index: InMemoryVectorIndex, top_k: int = 10) -> None:
        self.index, self.top_k = index, top_k

    @component.output_types(documents=list[Document])
    def run(self, query_sparse_embedding: SparseEmbedding, top_k: int | None = None) -> dict[str, list[Document]]:
        return {"documents": self.index.sparse_search(query_sparse_embedding, top_k or self.top_k)}


def idf(document_frequency, documents: int):
    """Qdrant's IDF modifier, for one document frequency or an array of them."""
    return np.log((documents - np.asarray(document_frequency, dtype=np.float64) + 0.5) / (document_frequency + 0.5) + 1)
