"""Article vectors: one mean vector per article, beside the vectors of its chunks.

A chunk matches one part of an article: a section, an example question. A citizen who tells a
long story touches the article as a whole ("we have a big chestnut tree in front of the house,
the leaves, the roots lift our driveway") and matches no single chunk well. So every article also
gets the normalised mean of its chunks' vectors, and the articles that retrieval found are
ranked a second time by the cosine between the question and that mean. The two rankings are
fused with reciprocal rank fusion (`search_api.fusion`, same rank constant): the chunk ranking
weighs 1, the article-vector ranking `ARTICLE_WEIGHT`.

Measured (`kb eval`, dev split, article-vector weight 0 / 0.2 / 0.35 / 0.5): hit@1 0.841 / 0.843
/ 0.848 / 0.843, MRR 0.895 / 0.898 / 0.902 / 0.899. Only articles the chunks found are re-ranked;
the vectors come from the store (nothing is embedded again) and are rebuilt at every re-index.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

import numpy as np
from haystack import Document

from search_api.fusion import RANK_CONSTANT
from search_api.grouping import ArticleHit

ARTICLE_WEIGHT = 0.35


class ArticleVectors:
    def __init__(self, documents: Sequence[Document] = ()) -> None:
        chunks: dict[str, list[np.ndarray]] = defaultdict(list)
        for document in documents:
            if document.embedding is not None:
                vector = np.asarray(document.embedding, dtype=np.float32)
                chunks[document.meta["article_id"]].append(vector / max(float(np.linalg.norm(vector)), 1e-12))
        self._rows = {article_id: row for row, article_id in enumerate(chunks)}
        means = [np.mean(vectors, axis=0) for vectors in chunks.values()]
        self._matrix = np.asarray([mean / max(float(np.linalg.norm(mean)), 1e-12) for mean in means], dtype=np.float32)

    def __len__(self) -> int:
        return len(self._rows)

    def cosines(self, article_ids: list[str], embedding: list[float] | None) -> dict[str, float]:
        """The cosine between the question and each known article's mean vector."""
        known = [article_id for article_id in article_ids if article_id in self._rows]
        if embedding is None or not known:
            return {}
        query = np.asarray(embedding, dtype=np.float32)
        values = self._matrix[[self._rows[article_id] for article_id in known]] @ (query / max(float(np.linalg.norm(query)), 1e-12))
        return {article_id: float(value) for article_id, value in zip(known, values)}

    def rerank(
        self, hits: list[ArticleHit], embedding: list[float] | None, weight: float = ARTICLE_WEIGHT, k: int = RANK_CONSTANT
    ) -> list[ArticleHit]:
        """The hits in fused order; each hit's score becomes its fused score (a hit first in both
        rankings scores 1 + weight)."""
        if not weight:
            return hits
        cosines = self.cosines([hit.article_id for hit in hits], embedding)
        if not cosines:
            return hits
        by_vector = {article_id: rank for rank, article_id in enumerate(sorted(cosines, key=lambda a: -cosines[a]), start=1)}
        fused = []
        for rank, hit in enumerate(hits, start=1):
            score = (k + 1) / (k + rank)
            if hit.article_id in by_vector:
                score += weight * (k + 1) / (k + by_vector[hit.article_id])
            fused.append(hit.with_score(score))
        return sorted(fused, key=lambda hit: -hit.score)
