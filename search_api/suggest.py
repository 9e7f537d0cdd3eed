"""Suggestions while typing (`GET /suggest`): what completes the words typed so far, each with
the article it leads to.

What is suggested: each article's title, its keywords and its example questions (front matter
`questions`: how citizens ask for it); never its staff notes. Keywords that editors added as
misspellings ("afsrpaak", "zakenpaspoord") are not shown: typing them suggests the article's
title instead (ranked as a keyword). A keyword word counts as a misspelling when it is in no
article's public text, is no common Dutch or English word, and is one edit (from 5 letters on:
two) away from a word of its own article's public text.

What is typed matches the start of words; case, accents and punctuation do not matter. A
suggestion matches when

1. it starts with what was typed ("parkeer": "Parkeervergunning voor bewoners"), or
2. every word typed starts one of its words ("paspoort aanv", "aanvragen pasp"),
3. ... or a later part of one of its compound words ("vergunning": "Terrasvergunning"),
4. ... or is one edit (from 8 letters on: two) away from the start of one of its words, or
5. ... of a later part of a compound ("paspoord": "Paspoort aanvragen"; with `rapidfuzz`).
   Typo matches are only looked for when the others give fewer articles than asked for.

Filler words before the last word typed ("ik", "een", "de") need not match. Compounds are split
with `wordfreq`'s Dutch word list (`compound_parts`, `kb.lexicon`): "verblijfs|vergunning", but not
"ver|gunning". Each article is suggested once, by its best match. The order: matches without
typos first, then those with the fewest edits; then titles, keywords, questions; then by the
list above; then those whose first word the first word typed starts; then the shorter text,
alphabetical order, the article id. The index is built from the articles in memory in a
fraction of a second, without the model; a suggestion takes well under a millisecond at the
median (`kb bench-suggest`).
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import unicodedata
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from importlib.metadata import version
from math import log10
from pathlib import Path
from typing import Literal, Protocol

from rapidfuzz import process
from rapidfuzz.distance import OSA, Levenshtein

from kb.articles import Article
from kb.lexicon import lexicon
from kb.private_files import write_private_text
from kb.spelling import COMMON_WORD_ZIPF, MIN_WORD_LENGTH
from kb.text import STOP_WORDS, zipf

MAX_SUGGESTIONS = 8
Kind = Literal["title", "keyword", "question"]
KIND_ORDER: dict[str, int] = {"title": 0, "keyword": 1, "question": 2}

TOKEN_CACHE = 4096  # words typed whose typo matches are kept in memory
MIN_TYPO_LENGTH = 4  # shorter words typed are taken as they are: one edit away is half the alphabet
LONG_WORD = 8  # from this length a word typed may be two edits away
MIN_PART = 3  # the shortest head of a compound ("kap|vergunning")
MIN_TAIL = 4  # the shortest later part of a compound that is indexed
# Prepositions and verb particles: "aanvragen", "voorwaarden", "toeslag" are no compounds
NOT_A_HEAD = STOP_WORDS | {"af", "toe", "mee", "weg", "uit", "terug", "samen", "ver", "ont", "her"}
_WORD = re.compile(r"\w+")
_END = "\uffff"  # sorts after every letter: `key + _END` bounds the keys that start with `key`


def normalise(text: str) -> str:
    """Lower case, without accents and punctuation, words separated by one space."""
    folded = text.lower()
    if not folded.isascii():
        folded = "".join(char for char in unicodedata.normalize("NFKD", folded) if not unicodedata.combining(char))
    return " ".join(_WORD.findall(folded))


@dataclass(frozen=True)
class Suggestion:
    """What to show, and the article it leads to."""

    text: str
    kind: Kind
    article_id: str
    title: str


def _prefixed(sorted_keys: list[str], prefix: str) -> list[str]:
    """The keys that start with `prefix` (a slice of a sorted list)."""
    return sorted_keys[bisect_left(sorted_keys, prefix) : bisect_left(sorted_keys, prefix + _END)]


def _dutch_zipf(word: str) -> float:
    """`kb.text.zipf` for Dutch, read straight from the word list (`kb.lexicon`), unrounded:
    splitting the words of all articles tries some 100,000 candidate parts."""
    frequency = lexicon("nl").frequency(word)
    return log10(frequency) + 9 if frequency else 0.0


def compound_parts(word: str, known: frozenset[str] | set[str] = frozenset()) -> list[str]:
    """The parts of a Dutch compound, or just the word: the split into the fewest parts (ties:
    the more common parts) where the last part is a common Dutch word of 4 letters or more and
    each other part is a common word or in `known`, optionally followed by a linking s; and the
    last part is more common than the whole word. "parkeervergunning" -> parkeer|vergunning;
    "verblijfsvergunning" -> verblijfs|vergunning; "vergunning" stays whole (not ver|gunning)."""
    length = len(word)
    if length < MIN_PART + MIN_TAIL or not word.isalpha():
        return [word]

    def part_zipf(part: str, last: bool) -> float | None:
        score = _dutch_zipf(part)
        if last:
            return score if len(part) >= MIN_TAIL and score >= COMMON_WORD_ZIPF else None
        if part in NOT_A_HEAD:
            return None
        for candidate in (part, part.removesuffix("s")):
            if len(candidate) >= MIN_PART and (candidate in known or _dutch_zipf(candidate) >= COMMON_WORD_ZIPF):
                return max(score, _dutch_zipf(candidate))
        return None

    # best[i]: the best split of word[i:] as (number of parts, minus the parts' summed Zipf, cuts)
    best: list[tuple[int, float, tuple[int, ...]] | None] = [None] * (length + 1)
    best[length] = (0, 0.0, ())
    for start in range(length - MIN_TAIL, -1, -1):
        for end in range(start + MIN_PART, length + 1 if start else length):  # two parts at least
            rest = best[end]
            score = part_zipf(word[start:end], end == length) if rest is not None else None
            if rest is None or score is None:
                continue
            candidate = (rest[0] + 1, rest[1] - score, (end, *rest[2]) if end < length else ())
            current = best[start]
            if current is None or candidate[:2] < current[:2]:
                best[start] = candidate
    split = best[0]
    if split is None or split[0] < 2:
        return [word]
    cuts = (0, *split[2], length)
    parts = [word[a:b] for a, b in zip(cuts, cuts[1:])]
    if _dutch_zipf(parts[-1]) <= _dutch_zipf(word):
        return [word]  # a word more common than its last part is a word of its own ("vergunning")
    return parts


def _is_common(word: str, known: set[str]) -> bool:
    return (
        word in known or len(word) < MIN_WORD_LENGTH or not word.isalpha() or word in STOP_WORDS
        or zipf(word, "nl") >= COMMON_WORD_ZIPF or zipf(word, "en") >= COMMON_WORD_ZIPF
    )


def _misspelt(keyword: str, article_words: list[str], known: set[str]) -> bool:
    """True for a keyword with a word that is in no article's text, is no common word, and is an
    edit or two away from a word of its own article: a misspelling added so that it is found."""
    for word in keyword.split():
        if _is_common(word, known):
            continue
        limit = 1 if len(word) < 5 else 2  # "tholk" for tolk, "klagt" for klacht
        if process.extractOne(word, article_words, scorer=Levenshtein.distance, score_cutoff=limit) is not None:
            return True
    return False


def _public_words(article: Article) -> set[str]:
    """The words of an article's title, questions and public sections (their Markdown source:
    rendering it costs more than the index, and its syntax is no word)."""
    texts = (article.meta.title, *article.meta.questions, *(section.markdown for section in article.public_sections))
    words = set(_WORD.findall(" ".join(texts).lower()))
    return {folded for word in words for folded in (normalise(word).split() if not word.isascii() else [word])}


log = logging.getLogger(__name__)

#: Where a service keeps its suggestions' words between starts (`SavedWords`), in its data folder
WORDS_FILE = "suggestion-words.json"


class WordsBefore(Protocol):
    """What an index reuses from an earlier one: the words of each article's version, and the
    compound splits of the words with the vocabulary they were made for."""

    _article_words: dict[tuple[str, str], set[str]]
    _known: set[str]
    _parts: dict[str, list[str]]


class SavedWords:
    """The words and compound splits of an index, kept in a file between starts of the service:
    splitting every word of the articles takes a quarter of a second. Each article's words are
    kept under its content hash and the splits under the vocabulary they were made for, so only
    what is still right is reused; the file is for one version of this module and of wordfreq."""

    def __init__(self, article_words: dict[tuple[str, str], set[str]], parts: dict[str, list[str]]) -> None:
        self._article_words = article_words
        self._known: set[str] = set().union(*article_words.values())
        self._parts = parts

    @staticmethod
    def rules() -> str:
        digest = hashlib.sha256(Path(__file__).read_bytes())
        digest.update(f"wordfreq {version('wordfreq')}".encode())
        return digest.hexdigest()

    @classmethod
    def read(cls, path: Path) -> SavedWords | None:
        try:
            saved = json.loads(path.read_text(encoding="utf-8"))
            if saved["rules"] != cls.rules():
                return None
            return cls({(a, h): set(words) for a, h, words in saved["articles"]}, saved["parts"])
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError) as exc:
            log.warning("Splitting the suggestions' words again: %s cannot be read (%s)", path, exc)
            return None

    @classmethod
    def write(cls, path: Path, index: WordsBefore) -> None:
        write_private_text(path, json.dumps({
            "rules": cls.rules(),
            "articles": [[a, h, sorted(words)] for (a, h), words in sorted(index._article_words.items())],
            "parts": dict(sorted(index._parts.items())),
        }, ensure_ascii=False))

    @classmethod
    def suggester(cls, path: Path, articles: Iterable[Article]) -> Suggester:
        """The index of `articles`, with the words kept in `path` where they are still right; what
        it made anew is kept there for the next start."""
        saved = cls.read(path)
        index = Suggester(articles, previous=saved)
        if saved is None or not saved.holds(index):
            try:
                cls.write(path, index)
            except OSError as exc:  # only the next start is slower
                log.warning("The suggestions' words are not kept: %s", exc)
        return index

    def holds(self, index: WordsBefore) -> bool:
        """Whether this holds all that `index` would keep."""
        return self._article_words.keys() == index._article_words.keys() and self._parts.keys() >= index._parts.keys()


def _parts_still_right(previous: WordsBefore, known: set[str]) -> dict[str, list[str]]:
    """The compound splits of `previous` that the vocabulary `known` leaves as they are. A split
    depends on the vocabulary only through the words the compound contains (`compound_parts`
    looks up its substrings of `MIN_PART` letters or more), so a save that adds or removes a few
    words makes again only the splits of the compounds that contain one of them."""
    changed = [word for word in previous._known ^ known if len(word) >= MIN_PART]
    if not changed:
        return previous._parts
    return {word: parts for word, parts in previous._parts.items() if not any(part in word for part in changed)}


class Suggester:
    """An index of the articles' titles, keywords and questions for completing what is typed."""

    def __init__(self, articles: Iterable[Article] = (), previous: WordsBefore | None = None) -> None:
        """With `previous` (the index before a re-index), what depends only on an unchanged
        article's text, or on unchanged vocabulary, is taken from it instead of made again."""
        articles = list(articles)
        self._suggestions: list[Suggestion] = []
        keys: list[tuple[str, int]] = []  # (normalised text, suggestion)
        entries: dict[str, set[int]] = defaultdict(set)  # word -> the suggestions with it
        first: dict[str, set[int]] = defaultdict(set)  # word -> the suggestions it starts
        # the words of each article's public text (title, questions, sections), by the article's version
        before = previous._article_words if previous is not None else {}
        self._article_words: dict[tuple[str, str], set[str]] = {
            (article.id, article.content_hash): before.get((article.id, article.content_hash)) or _public_words(article)
            for article in articles
        }
        words = {article_id: found for (article_id, _), found in self._article_words.items()}
        known = set().union(*words.values())
        self._known = known
        self._parts: dict[str, list[str]] = _parts_still_right(previous, known) if previous is not None else {}
        ranks: list[int] = []  # each suggestion's kind, as ranked: the kind it matched as
        for article in articles:
            for key, suggestion, rank in self._article_entries(article, sorted(words[article.id]), known):
                index = len(self._suggestions)
                self._suggestions.append(suggestion)
                ranks.append(rank)
                keys.append((key, index))
                for position, word in enumerate(key.split()):
                    entries[word].add(index)
                    if position == 0:
                        first[word].add(index)
        keys.sort()
        self._keys = [key for key, _ in keys]
        self._key_entries = [index for _, index in keys]
        self._entries = {word: frozenset(indices) for word, indices in entries.items()}
        self._first = {word: frozenset(indices) for word, indices in first.items()}
        self._words = sorted(entries)
        tails: dict[str, list[str]] = defaultdict(list)  # later part -> the words it ends
        for word in self._words:
            parts = self._parts.get(word)
            if parts is None:
                parts = self._parts[word] = compound_parts(word, known)
            for number in range(1, len(parts)):
                tails["".join(parts[number:])].append(word)
        self._tail_words = dict(tails)
        self._tails = sorted(tails)
        # The starts of every word and later part, by length: what a typo'd word is compared with
        starts: dict[int, set[str]] = defaultdict(set)
        for word in (*self._words, *self._tails):
            for length in range(MIN_TYPO_LENGTH - 1, len(word) + 1):
                starts[length].add(word[:length])
        self._starts = {length: sorted(values) for length, values in starts.items()}
        # The order of equally good matches: titles, keywords, questions; shorter; alphabetical
        self._ranks = ranks
        self._by_order = sorted(
            range(len(self._suggestions)),
            key=lambda index: (ranks[index], len(self._suggestions[index].text),
                               self._suggestions[index].text.lower(), self._suggestions[index].article_id),
        )
        self._order = [0] * len(self._by_order)
        for position, index in enumerate(self._by_order):
            self._order[index] = position
        # Typing repeats the words before the last one at every key stroke; comparing a word
        # with every start of a word is the slow part of a suggestion
        self._near = lru_cache(maxsize=TOKEN_CACHE)(self._near_words)

    @staticmethod
    def _article_entries(article: Article, article_words: list[str], known: set[str]) -> Iterator[tuple[str, Suggestion, int]]:
        """(normalised text, suggestion, kind rank) of one article. A misspelt keyword leads to the
        title, ranked as a keyword."""
        meta = article.meta
        title = Suggestion(meta.title, "title", meta.id, meta.title)
        title_key = normalise(meta.title)
        yield title_key, title, KIND_ORDER["title"]
        seen = {title_key}
        pairs: list[tuple[str, Kind]] = [(keyword, "keyword") for keyword in meta.keywords]
        for text, kind in [*pairs, *((question, "question") for question in meta.questions)]:
            key = normalise(text)
            if not key or key in seen:
                continue
            seen.add(key)
            if kind == "keyword" and _misspelt(key, article_words, known):
                yield key, title, KIND_ORDER[kind]
            else:
                yield key, Suggestion(text, kind, meta.id, meta.title), KIND_ORDER[kind]

    def __len__(self) -> int:
        return len(self._suggestions)

    def forget_typed(self) -> None:
        """Empty the cache of words typed (for measuring the time of a first suggestion)."""
        self._near.cache_clear()

    # -- matching ---------------------------------------------------------------------------

    def _token_matches(self, token: str, typos: bool) -> tuple[dict[int, tuple[int, int]], list[str]]:
        """The suggestions that one word typed matches, each with (tier, edits): 1 it starts one
        of their words, 2 a later part of one of their compound words; with `typos`, 3 and 4: it
        is an edit or two away from the start of a word, of a later part. And the words whose
        start it matched (with or without a typo)."""
        words = _prefixed(self._words, token)
        # (words, (tier, edits)), worst first: a better match of the same suggestion overwrites
        qualities = [(self._ending_with(_prefixed(self._tails, token)), (2, 0)), (words, (1, 0))]
        if typos and len(token) >= MIN_TYPO_LENGTH:
            near = self._near(token)
            qualities[:0] = [(near[quality], quality) for quality in sorted(near, key=lambda q: (-q[1], -q[0]))]
            words = [*words, *(word for (tier, _), near_words in near.items() if tier == 3 for word in near_words)]
        matches: dict[int, tuple[int, int]] = {}
        for matched_words, quality in qualities:
            matches.update(dict.fromkeys(set().union(*(self._entries[word] for word in matched_words)), quality))
        return matches, words

    def _near_words(self, token: str) -> dict[tuple[int, int], list[str]]:
        """The words (tier 3) and compound words (tier 4) with a start (of a later part) one edit
        away from `token` (from 8 letters on: two), by (tier, edits)."""
        limit = 2 if len(token) >= LONG_WORD else 1
        lengths = range(len(token) - limit, len(token) + limit + 1)
        choices = [start for length in lengths for start in self._starts.get(length, ())]
        near: dict[tuple[int, int], list[str]] = defaultdict(list)
        for start, edits, _ in process.extract(token, choices, scorer=OSA.distance, score_cutoff=limit, limit=None):
            if edits:
                near[(3, int(edits))] += _prefixed(self._words, start)
                near[(4, int(edits))] += self._ending_with(_prefixed(self._tails, start))
        return dict(near)

    def _ending_with(self, tails: Iterable[str]) -> list[str]:
        return [word for tail in tails for word in self._tail_words[tail]]

    def _all_words_match(self, tokens: list[str], typos: bool) -> dict[int, tuple[int, int, bool]]:
        """The suggestions that every word typed matches: (worst tier, edits, whether the first
        word typed matched a later word of theirs)."""
        matched: dict[int, tuple[int, int]] = {}
        first_words: set[int] = set()
        for position, token in enumerate(tokens):
            found, words = self._token_matches(token, typos)
            if position == 0:
                matched = found
                first_words = set().union(*(self._first[word] for word in words if word in self._first))
            else:
                matched = {
                    index: (max(tier, found[index][0]), edits + found[index][1])
                    for index, (tier, edits) in matched.items()
                    if index in found
                }
            if not matched:
                return {}
        return {index: (tier, edits, index not in first_words) for index, (tier, edits) in matched.items()}

    def suggest(self, query: str, limit: int = MAX_SUGGESTIONS) -> list[Suggestion]:
        """Up to `limit` suggestions for what was typed, best first, one per article."""
        key = normalise(query)
        if not key or limit < 1:
            return []
        tokens = key.split()
        # filler words need not match, except the last word, which may be the start of any word
        required = [token for token in tokens[:-1] if token not in STOP_WORDS] + tokens[-1:]
        starting = self._key_entries[bisect_left(self._keys, key) : bisect_left(self._keys, key + _END)]
        found: dict[int, tuple[int, int, bool]] = {}
        for typos in (False, True):
            found = self._all_words_match(required, typos)
            found.update(dict.fromkeys(starting, (0, 0, False)))
            if len({self._suggestions[index].article_id for index in found}) >= limit:
                break  # typo matches would only come after these
        best: dict[str, tuple[int, int, int, bool, int]] = {}
        for index, (tier, edits, later_word) in found.items():
            rank = (edits, self._ranks[index], tier, later_word, self._order[index])
            article_id = self._suggestions[index].article_id
            if article_id not in best or rank < best[article_id]:
                best[article_id] = rank
        return [self._suggestions[self._by_order[rank[-1]]] for rank in sorted(best.values())[:limit]]
