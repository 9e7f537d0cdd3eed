"""Retrieval variants over one Qdrant collection holding dense and sparse vectors per chunk.

- `bm25`: the sparse BM25-style vectors only (`kb.sparse`, IDF applied by Qdrant);
- `dense`: the multilingual embedding only;
- `hybrid`: both, fused with weighted reciprocal rank fusion (`search_api.fusion.RankFusion`);
- `hybrid_plus`: hybrid with every improvement (here; article vectors and best bets are applied by
  the engine, after grouping): misspelled words of Dutch questions corrected
  from the knowledge base's vocabulary (`kb.spelling`) for both the sparse and the dense query,
  and the vector of a question in another language moved toward Dutch
  (`search_api.language_centering`).

The dense and sparse lists are fetched separately and fused here rather than with Qdrant's
server-side fusion, because routing needs the dense cosine of each hit as well (how close the
question is to anything we know); the fused order is the same either way. The lists come from
the Qdrant retrievers, or, for the embedded store, from `search_api.memory_index` (same scores,
without local mode's slow sparse scoring).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

import numpy as np
from haystack import Document

from kb.sparse import DutchSparseTextEmbedder
from kb.spelling import Correction, SpellingCorrector, apply_corrections
from kb.token_vectors import TokenEncoder
from search_api.fusion import RankFusion
from search_api.language_centering import LanguageCentering
from search_api.memory_index import InMemoryEmbeddingRetriever, InMemorySparseEmbeddingRetriever, InMemoryVectorIndex
from search_api.stage_clock import StageClock

if TYPE_CHECKING:  # imported when used: the in-memory backend runs without qdrant-client
    from haystack_integrations.components.retrievers.qdrant import (
        QdrantEmbeddingRetriever,
        QdrantSparseEmbeddingRetriever,
    )
    from haystack_integrations.document_stores.qdrant import QdrantDocumentStore

RetrievalMode = Literal["bm25", "dense", "hybrid", "hybrid_plus"]
RETRIEVAL_MODES: tuple[RetrievalMode, ...] = ("bm25", "dense", "hybrid", "hybrid_plus")
DEFAULT_MODE: RetrievalMode = "hybrid_plus"
TOP_K = 40
# Fusion, chosen by measurement on the dev split (`kb eval`): weighted reciprocal rank fusion
# (`search_api.fusion`: dense 0.6, sparse 0.4, k = 10), and an article scored by its best two
# chunks (an article that matches in two places beats one lucky chunk). Dev hit@1: Haystack's
# RRF (k = 61) with 0.7/0.3 0.814, this 0.834; with equal weights and the best chunk only 0.735
# (dense alone 0.713, BM25 alone 0.612, measured on the first knowledge base).
ARTICLE_CHUNKS = {"bm25": 1, "dense": 1, "hybrid": 2, "hybrid_plus": 2}


@dataclass
class Retrieved:
    documents: list[Document]  # best first
    dense_scores: dict[str, float] = field(default_factory=dict)  # chunk id -> cosine
    sparse_scores: dict[str, float] = field(default_factory=dict)  # chunk id -> BM25 score
    corrections: list[Correction] = field(default_factory=list)
    corrected: str = ""  # the question as searched: with the corrections applied
    embedding: list[float] | None = None  # the dense query vector, when computed
    tokens: np.ndarray | None = None  # the question's token vectors (`kb.token_vectors`; hybrid_plus only)


class HybridRetriever:
    """Runs one retrieval variant; built once per process around an open store."""

    def __init__(self, store: QdrantDocumentStore | None, text_embedder, *, backend: str = "qdrant",
                 top_k: int = TOP_K) -> None:
        self.text_embedder = text_embedder
        self.sparse_embedder = DutchSparseTextEmbedder()
        self.backend = backend
        self.top_k = top_k
        self.dense: QdrantEmbeddingRetriever | InMemoryEmbeddingRetriever
        self.sparse: QdrantSparseEmbeddingRetriever | InMemorySparseEmbeddingRetriever
        if backend == "memory":
            self.refresh([])
        else:
            from haystack_integrations.components.retrievers.qdrant import (
                QdrantEmbeddingRetriever,
                QdrantSparseEmbeddingRetriever,
            )

            assert store is not None, "the Qdrant backend searches an open store"
            self.dense = QdrantEmbeddingRetriever(document_store=store, top_k=top_k)
            self.sparse = QdrantSparseEmbeddingRetriever(document_store=store, top_k=top_k)
        self.fusion = RankFusion(top_k=top_k)
        self.corrector: SpellingCorrector | None = None
        self.centering = LanguageCentering()
        self.token_encoder: TokenEncoder | None = None  # question token vectors when the embedder gives none (torch)

    def refresh(self, stored: list[Document]) -> None:
        """Reload the in-memory vectors from the stored documents (memory backend only)."""
        if self.backend != "memory":
            return
        index = InMemoryVectorIndex(stored)
        self.dense = InMemoryEmbeddingRetriever(index, top_k=self.top_k)
        self.sparse = InMemorySparseEmbeddingRetriever(index, top_k=self.top_k)

    def set_vocabulary(self, texts: list[str]) -> None:
        self.corrector = SpellingCorrector(texts)

    def embed(self, query: str) -> list[float]:
        return self.encode(query)[0]

    def encode(self, query: str) -> tuple[list[float], np.ndarray | None]:
        """The question's vector, and its token vectors (`kb.token_vectors`) when the embedder
        gives them from the same run (ONNX); None otherwise (`run` then asks `token_encoder`)."""
        output = self.text_embedder.run(text=query)
        return output["embedding"], output.get("tokens")

    def embed_many(self, queries: list[str]) -> np.ndarray:
        return np.asarray([self.embed(query) for query in queries])

    def run(
        self,
        query: str,
        mode: RetrievalMode = DEFAULT_MODE,
        *,
        embedding: list[float] | None = None,
        tokens: np.ndarray | None = None,
        language: str | None = None,
        clock: StageClock | None = None,
    ) -> Retrieved:
        """`language`: the detected language of the question (None: too short to tell). Only
        Dutch (or unknown) questions are spelling-corrected: the words of another language are not
        misspelled Dutch words (measured: correcting them cost other-language hit@5 4 points)."""
        corrections: list[Correction] = []
        if mode == "hybrid_plus" and language in (None, "nl") and self.corrector is not None:
            corrections = self.corrector.correct(query)
        corrected = apply_corrections(query, corrections) if corrections else query
        result = Retrieved(documents=[], corrections=corrections, corrected=corrected)
        clock = clock or StageClock()
        clock.lap("correct")

        dense_docs: list[Document] = []
        sparse_docs: list[Document] = []
        if mode != "bm25":
            if embedding is None or corrections:
                embedding, tokens = self.encode(corrected)
            if mode == "hybrid_plus":
                if tokens is None and self.token_encoder is not None:
                    tokens = self.token_encoder([corrected])[0]
                result.tokens = tokens
                embedding = self.centering.apply(embedding, language)
            clock.lap("embed")
            result.embedding = embedding
            dense_docs = self.dense.run(query_embedding=embedding)["documents"]
            result.dense_scores = {doc.id: float(doc.score or 0.0) for doc in dense_docs}
        if mode != "dense":
            extra = [correction.suggestion for correction in corrections]
            sparse_vector = self.sparse_embedder.run(text=query, extra_terms=extra)["sparse_embedding"]
            if sparse_vector.indices:
                sparse_docs = self.sparse.run(query_sparse_embedding=sparse_vector)["documents"]
            result.sparse_scores = {doc.id: float(doc.score or 0.0) for doc in sparse_docs}

        if mode == "dense":
            result.documents = dense_docs
        elif mode == "bm25":
            result.documents = sparse_docs
        else:
            result.documents = self.fusion.run(documents=[dense_docs, sparse_docs])["documents"]
        clock.lap("retrieve")
        return result
