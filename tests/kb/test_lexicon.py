"""The word lists in a trie give wordfreq's own numbers, in a fraction of its memory."""

from __future__ import annotations

import math
import re

import wordfreq

from kb import lexicon
from kb.settings import Settings
from search_api.suggest import _dutch_zipf

ODD = ["", "   ", "2todrive", "1e", "2026", "12345", "3de", "a.o.w.", "e-mail", "'s", "hé", "İstanbul", "ß", "xqzwv"]


def _words() -> list[str]:
    words: set[str] = set()
    for path in sorted(Settings().content_dir.glob("*.md")):
        text = path.read_text(encoding="utf-8")
        words.update(re.findall(r"\w+", text.lower()))
        words.update(text.split())
    parts = {word[start:start + length] for word in words for start in range(0, len(word), 3) for length in (3, 5, 8)}
    return sorted(words | parts) + ODD


def test_zipf_is_wordfreqs_for_every_word_and_part_of_the_knowledge_base():
    words = _words()
    for language in ("nl", "en"):
        assert [lexicon.zipf_frequency(word, language) for word in words] == [
            wordfreq.zipf_frequency(word, language) for word in words
        ], language


def test_the_unrounded_dutch_frequency_is_wordfreqs_listed_one():
    listed = wordfreq.get_frequency_dict("nl")
    for word in _words():
        frequency = listed.get(word)
        assert _dutch_zipf(word) == (math.log10(frequency) + 9 if frequency else 0.0), word
    assert lexicon.lexicon("nl").frequency("paspoort") == listed["paspoort"]
    assert lexicon.lexicon("nl").frequency("xqzwv") is None


def test_a_saved_lexicon_is_mapped_by_the_next_process_with_the_same_frequencies(tmp_path):
    built = lexicon.FrequencyLexicon("nl", tmp_path)  # builds and saves
    (saved,) = tmp_path.glob("wordfreq-*-nl.marisa")
    mapped = lexicon.FrequencyLexicon("nl", tmp_path)
    assert mapped.trie.keys() == built.trie.keys()
    for word in [*_words(), "xqzwv"]:
        assert mapped.frequency(word) == built.frequency(word) == lexicon.lexicon("nl").frequency(word), word
    assert saved.stat().st_size > 1_000_000
