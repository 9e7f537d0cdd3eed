"""BM25-style sparse vectors for Dutch, as Haystack components (no model needed).

There is no offline sparse model here, so lexical matching is built from maintained parts:
- tokens: lower-cased words (`kb.text.tokenize`), Dutch and English stop words removed;
- Snowball stemming (`snowballstemmer`, Dutch), so "vergunningen" meets "vergunning", with
  double vowels folded so that "parkeer" meets "parkeren" and "straat" meets "straten";
- compound splitting against a Dutch word-frequency lexicon (`wordfreq`), so that
  "parkeervergunning" also yields "parkeer" + "vergunning" and meets "vergunning voor parkeren";
- BM25 term-frequency saturation on the document side (k1, b with a fixed average length), while
  Qdrant applies the inverse document frequency over the collection (`sparse_idf=True`).
Terms are mapped to indices with a stable hash (crc32), so no vocabulary has to be stored.
"""

from __future__ import annotations

import re
import zlib
from collections import Counter
from dataclasses import replace
from functools import lru_cache

from haystack import Document, component
from haystack.dataclasses import SparseEmbedding

from kb.text import content_words, stem, zipf

K1 = 1.2
B = 0.75
AVERAGE_DOCUMENT_TERMS = 60.0  # measured over the knowledge base's chunks; only scales b
MIN_COMPOUND_LENGTH = 8
MIN_PART_LENGTH = 3
MIN_HEAD_LENGTH = 4
MIN_PART_ZIPF = 3.0  # both parts must be common Dutch words (Zipf scale: 3 = once per million words)
LINKING_SUFFIXES = ("s", "en", "e")
PREFIXES = frozenset(
    "aan af be bij door er ge her in mee na om ont op over te toe uit ver voor weg onder terug".split()
)


@lru_cache(maxsize=65536)
def split_compound(word: str) -> tuple[str, ...]:
    """The parts of a Dutch compound ("parkeervergunning" -> ("parkeer", "vergunning")), or ()
    when the word is not a compound of common words. A head that is no word by itself may split
    again ("afvalstoffenheffing" -> afval, stoffen, heffing); the split with the fewest parts
    wins; verb prefixes ("ver", "aan") never count as a part, so "vergunning" stays whole."""
    if len(word) < MIN_COMPOUND_LENGTH or not word.isalpha():
        return ()
    best: tuple[int, float, tuple[str, ...]] = (-99, 0.0, ())
    for cut in range(MIN_PART_LENGTH, len(word) - MIN_HEAD_LENGTH + 1):
        left, right = word[:cut], word[cut:]
        right_score = zipf(right, "nl")
        right_parts: tuple[str, ...] = (right,)
        if right_score < MIN_PART_ZIPF:
            right_parts = split_compound(right)
            if not right_parts:
                continue
            right_score = min(zipf(part, "nl") for part in right_parts)
        candidates = [left] + [left[: -len(s)] for s in LINKING_SUFFIXES if left.endswith(s) and len(left) - len(s) >= MIN_PART_LENGTH]
        for candidate in candidates:
            if candidate in PREFIXES:
                continue
            score = min(zipf(candidate, "nl"), right_score)
            parts = (candidate, *right_parts)
            if score >= MIN_PART_ZIPF and (-len(parts), score) > best[:2]:
                best = (-len(parts), score, parts)
    # A word more common than its rarest part is a word of its own, not a compound of those
    # parts ("parkeren" is not "park" + "eren").
    if not best[2] or zipf(word, "nl") >= best[1]:
        return ()
    return best[2]


_DOUBLE_VOWEL = re.compile(r"(aa|ee|oo|uu)")


def term(word: str) -> str:
    """Snowball stem with Dutch open/closed syllable spelling folded: the stem of "parkeren" is
    "parker" but the compound part is "parkeer"; "straat"/"straten", "boom"/"bomen" likewise.
    Folding double vowels makes them one term."""
    return _DOUBLE_VOWEL.sub(lambda match: match.group(1)[0], stem(word))


def terms(text: str) -> list[str]:
    """Index terms of a text: folded stems of content words, plus those of compound parts."""
    result: list[str] = []
    for token in content_words(text):
        result.append(term(token))
        result.extend(term(part) for part in split_compound(token))
    return result


def term_index(term: str) -> int:
    return zlib.crc32(term.encode("utf-8")) & 0x7FFFFFFF


def document_vector(text: str) -> SparseEmbedding:
    counts = Counter(terms(text))
    length = sum(counts.values()) or 1
    norm = K1 * (1 - B + B * length / AVERAGE_DOCUMENT_TERMS)
    weights: dict[int, float] = {}
    for term, tf in counts.items():
        index = term_index(term)
        weights[index] = weights.get(index, 0.0) + tf * (K1 + 1) / (tf + norm)
    indices = sorted(weights)
    return SparseEmbedding(indices=indices, values=[weights[i] for i in indices])


def query_vector(text: str, extra_terms: list[str] | None = None) -> SparseEmbedding:
    """Each distinct query term counts once (BM25's query side); `extra_terms` are added words
    such as spelling corrections."""
    unique = set(terms(text))
    for word in extra_terms or []:
        unique.update(terms(word))
    indices = sorted({term_index(term) for term in unique})
    return SparseEmbedding(indices=indices, values=[1.0] * len(indices))


@component
class DutchSparseDocumentEmbedder:
    """Adds a BM25-style `sparse_embedding` to each document."""

    @component.output_types(documents=list[Document])
    def run(self, documents: list[Document]) -> dict[str, list[Document]]:
        return {"documents": [replace(d, sparse_embedding=document_vector(d.content or "")) for d in documents]}


@component
class DutchSparseTextEmbedder:
    """The sparse vector of a query."""

    @component.output_types(sparse_embedding=SparseEmbedding)
    def run(self, text: str, extra_terms: list[str] | None = None) -> dict[str, SparseEmbedding]:
        return {"sparse_embedding": query_vector(text, extra_terms)}
