"""Dutch text helpers: tokenising, stop words, Snowball stemming and word frequencies."""

from __future__ import annotations

import datetime as dt
import re
import threading
from functools import lru_cache

import snowballstemmer

_WORD = re.compile(r"\w+", re.UNICODE)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9€\"'(])")

STOP_WORDS = frozenset(
    """
    aan al alle als alsof bij ben ben binnen daar dan dat de der deze die dit doe doen door dus
    een eens en er ga gaan had heb hebben heeft hem het hier hij hoe hun ik in is ja je jij
    jou jouw kan kun kunnen me meer mij mijn mag moet moeten na naar niet nog nu of om omdat
    ons onze ook op over te tegen toch tot u uw van veel voor waar wanneer wat we wel welk
    welke wie wij wil willen word wordt worden zal ze zelf zich zij zijn zo zou zouden
    a an and are be can do does for from have how i if in is it my of on or the to what
    when where which who will with you your
    """.split()
)

# A Snowball stemmer keeps the word it works on in the instance: one per thread, since searches
# run in parallel threads (a shared one mixed up two words and raised IndexError under load).
# snowballstemmer hands out PyStemmer's (Snowball's C code, same stems, 1 instead of 20 µs a word).
_stemmers = threading.local()


MONTHS = ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september", "oktober",
          "november", "december")


def dutch_date(day: dt.date) -> str:
    """A date as citizens and editors read it: 6 december 2026."""
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def collapse_spaces(text: str) -> str:
    """Runs of whitespace as one space, no space at the ends: how questions are stored and compared."""
    return " ".join(text.split())


def tokenize(text: str) -> list[str]:
    return [token.lower() for token in _WORD.findall(text)]


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    stemmer = getattr(_stemmers, "dutch", None)
    if stemmer is None:
        stemmer = _stemmers.dutch = snowballstemmer.stemmer("dutch")
    return stemmer.stemWord(word)


def content_words(text: str) -> list[str]:
    """The words that carry meaning, in order: no stop words, no single characters."""
    return [token for token in tokenize(text) if token not in STOP_WORDS and len(token) > 1]


def content_stems(text: str) -> list[str]:
    """Stems of the words that carry meaning."""
    return [stem(token) for token in content_words(text)]


def split_sentences(text: str) -> list[str]:
    """Sentences, with each line (paragraph or list item) as a boundary too."""
    sentences: list[str] = []
    for line in text.split("\n"):
        line = line.strip().removeprefix("- ").strip()
        sentences.extend(part.strip() for part in _SENTENCE_END.split(line) if part.strip())
    return sentences


@lru_cache(maxsize=262144)
def zipf(word: str, language: str = "nl") -> float:
    """How common a word is (`wordfreq`'s Zipf scale: 3 = once per million words; `kb.lexicon`)."""
    from kb.lexicon import zipf_frequency

    return zipf_frequency(word, language)
