"""The words of a question that carry meaning: what BM25 matches and the in-scope model counts."""

from kb.text import content_stems, content_words


def test_filler_words_and_single_characters_do_not_count():
    assert content_words("Ik wil een hond!") == ["hond"]
    assert content_words("mijn afval is niet opgehaald") == ["afval", "opgehaald"]
    assert content_words("a.o.w. of wat?") == []
    assert content_words("hoe kan ik") == []


def test_stems_are_of_the_same_words():
    assert content_stems("de bomen worden gekapt") == ["boom", "kap"]
