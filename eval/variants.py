"""Variants of the real articles, for measuring the stores at ten and a hundred times the content.

Embedding 100 times the knowledge base would take hours here, so a variant reuses the stored
vectors of a real article: a copy with its own id (`<id>--v017`), a place name in its title
("Paspoort aanvragen (gemeente Noordveld)"), every chunk's dense vector moved a little in a random
direction (cosine 0.97-0.99 to the original, unit length) and its sparse vector with the place's
term added and, for half the chunks, one term dropped. Variants are near the originals but not
identical, as the same product described by another municipality would be. They measure the
stores (load time, memory, query latency), not the quality of answers.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
from haystack import Document
from haystack.dataclasses import SparseEmbedding

from kb.sparse import term_index, terms

#: Cosine of a variant chunk's dense vector to the original chunk's, drawn evenly from this band
COSINE_BAND = (0.97, 0.99)
DROP_SHARE = 0.5  # chunks that lose one of their sparse terms (if they have more than two)
PLACE_WEIGHT = 1.0  # the place's sparse weight: one occurrence in a chunk of average length
PLACE_HEADS = ("Noord", "Zuid", "Oost", "West", "Groot", "Klein", "Nieuw", "Oud", "Hoog", "Laag")
PLACE_TAILS = ("veld", "dam", "broek", "hoven", "wijk", "dorp", "horst", "rade", "meer", "berg", "burg")
SEED = 2026


def place_name(number: int) -> str:
    """A municipality-like name for variant `number` (1 and up): 110 distinct ones, then numbered."""
    index = number - 1
    heads, tails = len(PLACE_HEADS), len(PLACE_TAILS)
    name = PLACE_HEADS[index % heads] + PLACE_TAILS[(index // heads) % tails]
    cycle = index // (heads * tails)
    return f"{name}{cycle + 1}" if cycle else name


def variant_id(article_id: str, number: int) -> str:
    return f"{article_id}--v{number:03d}"


@dataclass
class BaseChunks:
    """The stored chunks of the real articles: payload and text, and their vectors apart."""

    documents: list[Document]  # without vectors
    dense: np.ndarray  # (chunks, dimension), float32, unit length
    sparse: list[SparseEmbedding]

    @classmethod
    def from_documents(cls, documents: list[Document]) -> BaseChunks:
        rows = sorted((d for d in documents if d.embedding is not None), key=lambda d: (d.meta["article_id"], d.id))
        dense = np.asarray([d.embedding for d in rows], dtype=np.float32).reshape(len(rows), -1 if rows else 0)
        dense /= np.maximum(np.linalg.norm(dense, axis=1, keepdims=True), 1e-12)
        sparse = [d.sparse_embedding or SparseEmbedding(indices=[], values=[]) for d in rows]
        return cls([replace(d, embedding=None, sparse_embedding=None, score=None) for d in rows], dense, sparse)

    def __len__(self) -> int:
        return len(self.documents)

    @property
    def article_ids(self) -> list[str]:
        return sorted({d.meta["article_id"] for d in self.documents})

    @property
    def dimension(self) -> int:
        return int(self.dense.shape[1])

    def subset(self, articles: int) -> BaseChunks:
        """The chunks of the first `articles` articles (by id)."""
        keep = set(self.article_ids[:articles])
        rows = [n for n, d in enumerate(self.documents) if d.meta["article_id"] in keep]
        return BaseChunks([self.documents[n] for n in rows], self.dense[rows], [self.sparse[n] for n in rows])


def nudged(vectors: np.ndarray, rng: np.random.Generator, band: tuple[float, float] = COSINE_BAND) -> np.ndarray:
    """Unit vectors at a cosine drawn from `band` to each of `vectors` (unit rows), in a random
    (Gaussian) direction: v·c + u·sqrt(1 - c²) with u a unit vector orthogonal to v."""
    cosine = rng.uniform(*band, size=(len(vectors), 1)).astype(np.float32)
    noise = rng.standard_normal(vectors.shape).astype(np.float32)
    noise -= np.sum(noise * vectors, axis=1, keepdims=True) * vectors
    noise /= np.maximum(np.linalg.norm(noise, axis=1, keepdims=True), 1e-12)
    moved = cosine * vectors + np.sqrt(1 - cosine**2) * noise
    return moved / np.linalg.norm(moved, axis=1, keepdims=True)


def varied_sparse(vector: SparseEmbedding, place_terms: list[int], rng: np.random.Generator) -> SparseEmbedding:
    weights = dict(zip(vector.indices, vector.values))
    if len(weights) > 2 and rng.random() < DROP_SHARE:
        del weights[list(weights)[int(rng.integers(len(weights)))]]
    for index in place_terms:
        weights.setdefault(index, PLACE_WEIGHT)
    indices = sorted(weights)
    return SparseEmbedding(indices=indices, values=[weights[i] for i in indices])


def variant_documents(base: BaseChunks, number: int) -> list[Document]:
    """The chunks of variant `number` of every base article, with their vectors; number 0 gives
    the real chunks themselves. The same number always gives the same variant."""
    if number == 0:
        return [
            replace(document, embedding=base.dense[n].tolist(), sparse_embedding=base.sparse[n])
            for n, document in enumerate(base.documents)
        ]
    rng = np.random.default_rng([SEED, number])
    place = place_name(number)
    place_terms = sorted({term_index(term) for term in terms(place)})
    dense = nudged(base.dense, rng)
    documents = []
    for n, document in enumerate(base.documents):
        meta = document.meta
        article_id, title = meta["article_id"], meta["title"]
        new_id, new_title = variant_id(article_id, number), f"{title} (gemeente {place})"
        content = document.content or ""
        if content.startswith(title):
            content = new_title + content[len(title):]
        chunk_id = document.id.removeprefix(f"{article_id}:")  # chunk ids: <article>:<fingerprint>:<n>
        documents.append(
            Document(
                id=f"{new_id}:{chunk_id}",
                content=content,
                meta={**meta, "article_id": new_id, "title": new_title},
                embedding=dense[n].tolist(),
                sparse_embedding=varied_sparse(base.sparse[n], place_terms, rng),
            )
        )
    return documents
