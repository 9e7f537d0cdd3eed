"""How common a word is: `wordfreq`'s word lists in a MARISA trie (`marisa-trie`).

`wordfreq` keeps a list as a Python dict (and the lists it was read from): 311,000 Dutch and
about as many English words, 65 MB of every process that asks how common a word is, which the
search service does for every compound it splits. The trie holds the same words and their
frequency class in 1.4 MB, and a look-up takes under a microsecond. The numbers are wordfreq's
own: `zipf` follows `wordfreq.zipf_frequency` step by step (its tokenizer, its handling of
digits, its rounding), and the tests compare the two on every word of the knowledge base.

Building a trie from wordfreq's lists takes a third of a second; with a folder set
(`keep_in`, the service sets its model cache), it is built once, saved there under wordfreq's
version, and later processes map the file (well under a millisecond).
"""

from __future__ import annotations

import math
import os
import re
import threading
from importlib.metadata import version
from pathlib import Path

#: wordfreq's frequency classes are centibels below 1 (0 to -900 and a little further)
_RECORD = "<H"
_lock = threading.Lock()
_folder: Path | None = None  # where built tries are kept (`keep_in`)
_PLAIN_LANGUAGES = {"nl", "en"}
_PLAIN_WORD = re.compile(r"[a-z]+")
_DIGIT = re.compile(r"\d")


def keep_in(folder: Path | None) -> None:
    """Save built tries in `folder`, and read them from there (None: build in memory only)."""
    global _folder
    _folder = folder


class FrequencyLexicon:
    """One language's word list ("best": wordfreq's large list where it has one)."""

    def __init__(self, language: str, folder: Path | None = None) -> None:
        import marisa_trie

        saved = folder / f"wordfreq-{version('wordfreq')}-{language}.marisa" if folder is not None else None
        if saved is not None and saved.is_file():
            self.trie = marisa_trie.RecordTrie(_RECORD).mmap(str(saved))
            return
        from wordfreq import get_frequency_list

        buckets = get_frequency_list(language)  # index i: the words of frequency class -i cB
        self.trie = marisa_trie.RecordTrie(
            _RECORD, ((word, (index,)) for index, bucket in enumerate(buckets) for word in bucket)
        )
        get_frequency_list.cache_clear()  # wordfreq would keep the lists for the life of the process
        if saved is not None:
            try:
                saved.parent.mkdir(parents=True, exist_ok=True)
                temporary = saved.with_name(f".{saved.name}.{os.getpid()}")
                self.trie.save(str(temporary))
                os.replace(temporary, saved)
            except OSError:  # a read-only cache: built again next time
                pass

    def frequency(self, word: str) -> float | None:
        """The word's frequency as wordfreq lists it (None: not listed)."""
        found = self.trie.get(word)
        return 10 ** (-found[0][0] / 100) if found else None  # wordfreq's cB_to_freq


_read: dict[str, FrequencyLexicon] = {}


def lexicon(language: str) -> FrequencyLexicon:
    """The language's lexicon, read once per process (a few tenths of a second)."""
    read = _read.get(language)
    if read is None:
        with _lock:  # two threads asking first read it once
            read = _read.get(language) or _read.setdefault(language, FrequencyLexicon(language, _folder))
    return read


def word_frequency(word: str, language: str, minimum: float = 0.0) -> float:
    """`wordfreq.word_frequency(word, language, minimum=minimum)`, from the lexicon, for the
    languages wordfreq splits into words without a dictionary (all but Chinese and Japanese).
    A word of lowercase letters a to z in Dutch or English is its own only token, which spares
    importing wordfreq's tokenizer (0.15 s) for the words most texts consist of."""
    if language in _PLAIN_LANGUAGES and _PLAIN_WORD.fullmatch(word):
        tokens = [word]
    else:
        from wordfreq.tokens import lossy_tokenize

        tokens = lossy_tokenize(word, language)
    if not tokens:
        return minimum
    words = lexicon(language)
    one_over_result = 0.0
    for token in tokens:
        smashed = token
        if _DIGIT.search(token):
            from wordfreq.numbers import smash_numbers

            smashed = smash_numbers(token)
        frequency = words.frequency(smashed)
        if frequency is None:
            return minimum
        if smashed != token:
            from wordfreq.numbers import digit_freq

            frequency *= digit_freq(token)
        one_over_result += 1.0 / frequency
    unrounded = max(1.0 / one_over_result, minimum)
    if unrounded == 0.0:
        return 0.0
    leading_zeroes = math.floor(-math.log(unrounded, 10))
    return round(unrounded, leading_zeroes + 3)


def zipf_frequency(word: str, language: str) -> float:
    """`wordfreq.zipf_frequency(word, language)`: 3 is once per million words, 0 unknown."""
    frequency = word_frequency(word, language, 10**0.0 / 1e9)  # wordfreq's zipf_to_freq(0)
    return round(math.log(frequency, 10) + 9, 2)  # its freq_to_zipf
