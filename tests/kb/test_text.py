"""The words of a question that carry meaning: what BM25 matches and the in-scope model counts."""

from pathlib import Path

import snowballstemmer
from snowballstemmer.dutch_stemmer import DutchStemmer

from kb.text import content_stems, content_words, stem, tokenize

ROOT = Path(__file__).resolve().parents[2]


def test_filler_words_and_single_characters_do_not_count():
    assert content_words("Ik wil een hond!") == ["hond"]
    assert content_words("mijn afval is niet opgehaald") == ["afval", "opgehaald"]
    assert content_words("a.o.w. of wat?") == []
    assert content_words("hoe kan ik") == []


def test_stems_are_of_the_same_words():
    assert content_stems("de bomen worden gekapt") == ["boom", "kap"]


def test_stems_come_from_the_c_stemmer_and_equal_the_reference():
    """PyStemmer (Snowball's C code) stems 20 times faster than snowballstemmer's Python, which
    uses it when it is installed; every word of the articles and labelled questions gets the stem
    the Python reference gives (the same held for 317,000 words of wordfreq's Dutch list)."""
    assert type(snowballstemmer.stemmer("dutch")).__module__ == "Stemmer"
    words = {word for path in [*(ROOT / "kb/content").rglob("*.md"), ROOT / "eval/questions.yaml"]
             for word in tokenize(path.read_text(encoding="utf-8"))}
    reference = DutchStemmer()
    assert len(words) > 5000
    assert [word for word in words if stem(word) != reference.stemWord(word)] == []
