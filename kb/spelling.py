"""Typo tolerance: a spelling suggester built from the knowledge base's own vocabulary.

A query word that does not occur in the knowledge base and is not a common Dutch or English word
is replaced by the knowledge-base word at the smallest edit distance (1 for words up to 5
letters, 2 for longer words; ties go to the more frequent word), with `rapidfuzz`. So
"paspoord" becomes "paspoort" and "mileustraat" becomes "milieustraat". Correct words, names and
words in other languages are left alone.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from kb.text import STOP_WORDS, tokenize, zipf

MIN_WORD_LENGTH = 4
COMMON_WORD_ZIPF = 3.0  # a word this common in Dutch or English is taken as spelled right


@dataclass(frozen=True)
class Correction:
    original: str
    suggestion: str
    distance: int


class SpellingCorrector:
    def __init__(self, texts: Iterable[str]) -> None:
        counts = Counter(token for text in texts for token in tokenize(text) if token.isalpha() and len(token) >= 3)
        self.counts = counts
        self.words = list(counts)

    def _is_known(self, word: str) -> bool:
        if word in self.counts or len(word) < MIN_WORD_LENGTH or not word.isalpha() or word in STOP_WORDS:
            return True
        return zipf(word, "nl") >= COMMON_WORD_ZIPF or zipf(word, "en") >= COMMON_WORD_ZIPF

    def suggest(self, word: str) -> Correction | None:
        word = word.lower()
        if self._is_known(word):
            return None
        limit = 1 if len(word) <= 5 else 2
        candidates = process.extract(word, self.words, scorer=Levenshtein.distance, score_cutoff=limit, limit=10)
        if not candidates:
            return None
        suggestion, distance, _ = min(candidates, key=lambda item: (item[1], -self.counts[item[0]]))
        return Correction(word, suggestion, int(distance))

    def correct(self, text: str) -> list[Correction]:
        """Corrections for the misspelled words of `text` (each word once)."""
        corrections = []
        for word in dict.fromkeys(tokenize(text)):
            correction = self.suggest(word)
            if correction is not None:
                corrections.append(correction)
        return corrections


def apply_corrections(text: str, corrections: list[Correction]) -> str:
    """`text` with each corrected word replaced (case-insensitive, whole words)."""
    for correction in corrections:
        text = re.sub(rf"(?<!\w){re.escape(correction.original)}(?!\w)", correction.suggestion, text, flags=re.IGNORECASE)
    return text
