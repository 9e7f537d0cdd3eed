"""Late interaction: how well the words of a question meet the words of an article's questions.

A sentence vector is the mean of its token vectors, so one cosine per chunk says how close two
texts are as a whole. Matching token by token (as ColBERT does) keeps more: for each token of the
question the closest token among the article's title, example questions and keywords, and the
mean of those cosines is the article's `token_match`. It is a signal of the learned ranking
(`search_api.ranking`), not a ranking of its own: alone it puts the right article first about as
often as the fused order does, but it errs on other questions.

Measured (November 2026, out of fold on the 889 dev questions we cover, boosted ranking refitted
with the signal, 3 x 5-fold): hit@1 0.834 -> 0.865; held out 0.853 -> 0.872; gains in every set
of questions and most for questions in other languages and long stories (`docs/experiments.md`).

The article side is the model's token vectors of those short texts, embedded as questions (with
the query prefix). They are computed when the engine starts or re-indexes, only for articles
whose texts changed, and cached per model in the model cache folder (`ArticleTokens.build`); the
question side comes from the same model run as the question's vector (`kb.onnx_embedder`).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from kb.articles import Article
from kb.token_vectors import TokenEncoder

log = logging.getLogger(__name__)


def article_texts(article: Article) -> list[str]:
    """What an article's token vectors are made of: its title, example questions and keywords."""
    return [article.meta.title, *article.meta.questions, *article.meta.keywords]


def _digest(texts: list[str]) -> str:
    return hashlib.sha256(json.dumps(texts, ensure_ascii=False).encode()).hexdigest()[:16]


#: Articles new to `ArticleTokens.build` up to which the cache file is neither read nor written
PARTIAL = 5


class ArticleTokens:
    """The token vectors of each article (one matrix per article), and the match of a question's
    token vectors against them. Cached as float16 (about 30 MB for the shipped articles), held as
    float32 (about 60 MB): converting ten candidates per search cost 1.4 ms of the 1.8."""

    def __init__(self, matrices: dict[str, np.ndarray] | None = None, digests: dict[str, str] | None = None) -> None:
        self.matrices = {article_id: np.asarray(m, dtype=np.float32) for article_id, m in (matrices or {}).items()}
        self.digests = digests or {}  # article id -> digest of the texts its matrix was made of

    @classmethod
    def build(
        cls, articles: Iterable[Article], encode: TokenEncoder, cache: Path | None = None, previous: ArticleTokens | None = None
    ) -> ArticleTokens:
        """The token vectors of `articles`: from `previous` (the engine's, at a re-index) or else
        from `cache` (an .npz file, per article with the digest of its texts) where the texts are
        unchanged, from `encode` for the others. The cache is only read when `previous` lacks an
        article, and rewritten (atomically) when anything was encoded; a cache that cannot be read
        or written costs time, not correctness."""
        wanted = {article.id: article_texts(article) for article in articles}
        digests = {article_id: _digest(texts) for article_id, texts in wanted.items()}
        known = {} if previous is None else {
            digest: previous.matrices[article_id] for article_id, digest in previous.digests.items()
        }
        # a re-index of some articles (most known from `previous`) encodes the few it changed; the file
        # is for the next start, which encodes those few again
        partial = previous is not None and len(set(digests.values()) - set(known)) <= PARTIAL
        cached = _read_cache(cache) if cache is not None and not partial and not set(digests.values()) <= set(known) else {}
        known = {**cached, **known}
        matrices = {article_id: known[digest] for article_id, digest in digests.items() if digest in known}
        missing = [article_id for article_id in wanted if article_id not in matrices]
        if missing:
            texts = [text for article_id in missing for text in wanted[article_id]]
            log.info("Token vectors of %d articles (%d texts)", len(missing), len(texts))
            vectors = iter(encode(texts))
            for article_id in missing:
                matrices[article_id] = np.vstack([next(vectors) for _ in wanted[article_id]]).astype(np.float16)
            if cache is not None and not partial:
                current = {digests[article_id]: matrix.astype(np.float16) for article_id, matrix in matrices.items()}
                # other knowledge bases on this machine (the tests') keep theirs, up to as many again
                others = [digest for digest in cached if digest not in current][: len(current)]
                _write_cache(cache, {**{digest: cached[digest] for digest in others}, **current})
        return cls(matrices, digests)

    def match(self, question: np.ndarray | None, article_ids: list[str]) -> dict[str, float]:
        """Per article: the mean, over the question's token vectors, of the highest cosine with
        any of the article's token vectors ({} without question tokens; unknown articles are left out)."""
        if question is None or not len(question):
            return {}
        q = np.asarray(question, dtype=np.float32)
        return {
            article_id: float((q @ self.matrices[article_id].T).max(axis=1).mean())
            for article_id in article_ids
            if article_id in self.matrices
        }


def cache_file(cache_dir: Path, model: str, query_prefix: str) -> Path:
    """Where the article token vectors of `model` are cached."""
    key = hashlib.sha256(json.dumps([model, query_prefix]).encode()).hexdigest()[:16]
    return Path(cache_dir).expanduser() / "article-tokens" / f"{key}.npz"


def _read_cache(path: Path) -> dict[str, np.ndarray]:
    if not path.exists():
        return {}
    try:
        with np.load(path) as data:
            return {key: data[key] for key in data.files}
    except (OSError, ValueError) as exc:
        log.warning("Article token vectors in %s are unreadable (%s); computing them again", path, exc)
        return {}


def _write_cache(path: Path, matrices: dict[str, np.ndarray]) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f"{path.stem}.{os.getpid()}.tmp.npz")
        np.savez(partial, **matrices)  # type: ignore[arg-type]  # numpy's stub mixes the arrays with allow_pickle
        partial.replace(path)  # atomic: a concurrent start never reads half a file
    except OSError as exc:
        log.warning("Article token vectors not cached (%s); they are computed again at the next start", exc)
