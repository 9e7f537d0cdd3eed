"""Language centering: move the vector of a question in another language toward Dutch.

The multilingual model places a text partly by its language: a Turkish question about bulky
waste lies closer to any Turkish text than to the Dutch article about bulky waste. Each language
occupies its own region of the embedding space, and the difference between a language's mean
vector and the Dutch mean vector, over questions about the same topics, is mostly language, not
topic (mean-centering per language; Libovický et al., "On the Language Neutrality of
Pre-trained Multilingual Representations", 2020). Before dense retrieval, part of that offset
(`KB_LANGUAGE_CENTERING`, chosen on the dev split) is subtracted from the question's vector.

The samples are `kb/language_samples.yaml`: entry i of every language is about the same service.
English is not moved: the knowledge base holds English example questions, and moving English
questions cost hit@5 (measured). The offsets depend only on the model, its query prefix and the
samples; they are computed once (about 15 s) and cached in the model cache folder.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections.abc import Callable
from pathlib import Path

import numpy as np
import yaml

log = logging.getLogger(__name__)

PIVOT = "nl"  # the language of the articles
Embed = Callable[[list[str]], np.ndarray]  # texts -> one normalised query vector per row


class LanguageSamplesError(ValueError):
    """The samples file cannot be used; the message names the file and the problem."""


class LanguageCentering:
    def __init__(self, offsets: dict[str, np.ndarray] | None = None, strength: float = 0.0) -> None:
        self.offsets = offsets or {}
        self.strength = strength

    @property
    def languages(self) -> list[str]:
        return sorted(self.offsets) if self.strength else []

    def apply(self, embedding: list[float], language: str | None) -> list[float]:
        """The question's vector moved toward Dutch; unchanged for Dutch, English, an unknown
        language or when centering is off."""
        offset = self.offsets.get(language or "")
        if offset is None or not self.strength:
            return embedding
        moved = np.asarray(embedding, dtype=np.float64) - self.strength * offset
        return (moved / max(float(np.linalg.norm(moved)), 1e-12)).tolist()

    @classmethod
    def fit(cls, samples: dict[str, list[str]], embed: Embed, strength: float) -> LanguageCentering:
        pivot = np.asarray(embed(samples[PIVOT])).mean(axis=0)
        offsets = {
            language: np.asarray(embed(texts)).mean(axis=0) - pivot
            for language, texts in samples.items()
            if language != PIVOT
        }
        return cls(offsets, strength)

    def to_json(self) -> str:
        return json.dumps({language: offset.tolist() for language, offset in self.offsets.items()})

    @classmethod
    def from_json(cls, text: str, strength: float) -> LanguageCentering:
        return cls({language: np.asarray(offset) for language, offset in json.loads(text).items()}, strength)


def read_samples(path: Path) -> dict[str, list[str]]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise LanguageSamplesError(f"{path}: cannot be read: {exc}") from exc
    if not isinstance(data, dict) or not all(
        isinstance(texts, list) and texts and all(isinstance(text, str) and text.strip() for text in texts)
        for texts in data.values()
    ):
        raise LanguageSamplesError(f"{path}: expected a list of non-empty questions per language code")
    if PIVOT not in data:
        raise LanguageSamplesError(f"{path}: the Dutch samples ({PIVOT!r}) are missing")
    lengths = {language: len(texts) for language, texts in data.items()}
    if len(set(lengths.values())) != 1:
        raise LanguageSamplesError(f"{path}: every language needs the same number of questions (entry i is one topic): {lengths}")
    return {str(language): texts for language, texts in data.items()}


def load_language_centering(
    samples_file: Path, cache_dir: Path, model: str, query_prefix: str, strength: float, embed: Embed
) -> LanguageCentering:
    """The offsets for this model, from the cache or computed now (and cached)."""
    if not strength:
        return LanguageCentering()
    samples = read_samples(samples_file)
    key = hashlib.sha256(json.dumps([model, query_prefix, samples], ensure_ascii=False).encode()).hexdigest()[:16]
    cache = cache_dir / "language-offsets" / f"{key}.json"
    if cache.exists():
        try:
            return LanguageCentering.from_json(cache.read_text(encoding="utf-8"), strength)
        except (ValueError, AttributeError, TypeError) as exc:
            log.warning("Language offsets in %s are unreadable (%s); computing them again", cache, exc)
    log.info("Computing language offsets for %s from %s", model, samples_file)
    centering = LanguageCentering.fit(samples, embed, strength)
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        partial = cache.with_suffix(f".{os.getpid()}.tmp")
        partial.write_text(centering.to_json(), encoding="utf-8")
        partial.replace(cache)  # atomic: a concurrent start never reads half a file
    except OSError as exc:
        log.warning("Language offsets not cached (%s); they are computed again at the next start", exc)
    return centering
