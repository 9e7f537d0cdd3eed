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
#: The cache file's key for the number of rows of each text of the article under a digest
ROWS = "-rows"


class ArticleTokens:
    """The token vectors of each article (one matrix per article), and the match of a question's
    token vectors against them. Cached as float16 (about 30 MB for the shipped articles), held as
    float32 (about 60 MB): converting ten candidates per search cost 1.4 ms of the 1.8."""

    def __init__(self, matrices: dict[str, np.ndarray] | None = None, digests: dict[str, str] | None = None,
                 rows: dict[str, tuple[tuple[str, int], ...]] | None = None) -> None:
        # Column-major: `matrix.T` is contiguous, the layout the product with a question's tokens
        # reads fastest (0.02 ms an article instead of 0.04, the same values)
        self.matrices = {article_id: np.asfortranarray(m, dtype=np.float32) for article_id, m in (matrices or {}).items()}
        self.digests = digests or {}  # article id -> digest of the texts its matrix was made of
        self.rows = rows or {}  # article id -> (text, number of its rows) in the matrix's order, where known

    def _rows_of(self, article_id: str) -> dict[str, np.ndarray]:
        """The rows of each text of an article's matrix ({} where not known)."""
        texts = self.rows.get(article_id, ())
        bounds = np.cumsum([0, *(count for _, count in texts)])
        matrix = self.matrices.get(article_id)
        if matrix is None or bounds[-1] != len(matrix):
            return {}
        return {text: matrix[start:end] for (text, _), start, end in zip(texts, bounds, bounds[1:])}

    @classmethod
    def build(
        cls, articles: Iterable[Article], encode: TokenEncoder, cache: Path | None = None, previous: ArticleTokens | None = None
    ) -> ArticleTokens:
        """The token vectors of `articles`: from `previous` (the engine's, at a re-index) or else
        from `cache` (an .npz file, per article with the digest of its texts) where the texts are
        unchanged, from `encode` for the others. Of an article whose texts changed (an example
        question added), only the new texts are encoded: a text's rows do not depend on the
        others. The cache is only read when `previous` lacks an article, and rewritten
        (atomically) when anything was encoded; a cache that cannot be read or written costs
        time, not correctness."""
        wanted = {article.id: article_texts(article) for article in articles}
        digests = {article_id: _digest(texts) for article_id, texts in wanted.items()}
        known: dict[str, np.ndarray] = {}
        known_rows: dict[str, tuple[tuple[str, int], ...]] = {}
        if previous is not None:
            for article_id, digest in previous.digests.items():
                known[digest] = previous.matrices[article_id]
                if article_id in previous.rows:
                    known_rows[digest] = previous.rows[article_id]
        # a re-index of some articles (most known from `previous`) encodes the few it changed; the file
        # is for the next start, which encodes those few again
        partial = previous is not None and len(set(digests.values()) - set(known)) <= PARTIAL
        cached = _read_cache(cache) if cache is not None and not partial and not set(digests.values()) <= set(known) else {}
        cached_matrices = {key: value for key, value in cached.items() if not key.endswith(ROWS)}
        texts_of = {digest: wanted[article_id] for article_id, digest in digests.items()}
        for digest in cached_matrices.keys() & texts_of.keys():
            if digest + ROWS in cached:
                known_rows.setdefault(digest, tuple(zip(texts_of[digest], (int(n) for n in cached[digest + ROWS]))))
        known = {**cached_matrices, **known}
        matrices = {article_id: known[digest] for article_id, digest in digests.items() if digest in known}
        rows = {article_id: known_rows[digest] for article_id, digest in digests.items() if digest in known_rows}
        missing = [article_id for article_id in wanted if article_id not in matrices]
        if missing:
            reusable = {text: block for article_id in missing if previous is not None
                        for text, block in previous._rows_of(article_id).items()}
            texts = list(dict.fromkeys(text for article_id in missing for text in wanted[article_id] if text not in reusable))
            log.info("Token vectors of %d articles (%d new texts)", len(missing), len(texts))
            blocks = {**reusable, **dict(zip(texts, encode(texts)))} if texts else reusable
            for article_id in missing:
                parts = [np.asarray(blocks[text]) for text in wanted[article_id]]
                matrices[article_id] = np.vstack(parts).astype(np.float16)
                rows[article_id] = tuple((text, len(part)) for text, part in zip(wanted[article_id], parts))
            if cache is not None and not partial:
                current = {digests[article_id]: matrix.astype(np.float16) for article_id, matrix in matrices.items()}
                lengths = {digests[article_id] + ROWS: np.array([n for _, n in counts], dtype=np.int32)
                           for article_id, counts in rows.items()}
                # other knowledge bases on this machine (the tests') keep theirs, up to as many again
                others = [digest for digest in cached_matrices if digest not in current][: len(current)]
                kept = {key: cached[key] for digest in others for key in (digest, digest + ROWS) if key in cached}
                _write_cache(cache, {**kept, **current, **lengths})
        return cls(matrices, digests, rows)

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
