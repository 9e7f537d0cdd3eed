"""Late interaction of a question's token vectors with each article's, and their cache."""

from types import SimpleNamespace

import numpy as np
import pytest

from search_api.token_match import ArticleTokens, article_texts, cache_file


def article(article_id: str, title: str, questions: list[str], keywords: list[str] = ()):
    return SimpleNamespace(id=article_id, meta=SimpleNamespace(title=title, questions=list(questions), keywords=list(keywords)))


def unit(*rows: list[float]) -> np.ndarray:
    matrix = np.asarray(rows, dtype=np.float32)
    return matrix / np.linalg.norm(matrix, axis=1, keepdims=True)


class CountingEncoder:
    """One token vector per word: a fixed direction per word, so the match is known exactly."""

    DIRECTIONS = {"paspoort": [1, 0, 0], "kwijt": [0, 1, 0], "afval": [0, 0, 1], "bank": [1, 1, 0]}

    def __init__(self) -> None:
        self.texts: list[str] = []

    def __call__(self, texts: list[str]) -> list[np.ndarray]:
        self.texts += texts
        return [unit(*(self.DIRECTIONS.get(word, [1, 1, 1]) for word in text.split())).astype(np.float16) for text in texts]


def test_each_question_token_meets_its_closest_article_token():
    tokens = ArticleTokens.build([article("pas", "paspoort", ["paspoort kwijt"]), article("grof", "afval", ["bank"])],
                                 CountingEncoder())
    question = unit([1, 0, 0], [0, 1, 0])  # "paspoort kwijt"
    match = tokens.match(question, ["pas", "grof", "unknown"])
    assert match["pas"] == pytest.approx(1.0, abs=1e-3)  # both words found exactly
    assert match["grof"] == pytest.approx((np.sqrt(0.5) + np.sqrt(0.5)) / 2, abs=1e-3)  # "bank" is halfway to both
    assert "unknown" not in match
    assert tokens.match(None, ["pas"]) == {} and tokens.match(np.zeros((0, 3)), ["pas"]) == {}


def test_the_cache_keeps_unchanged_articles_and_encodes_only_what_changed(tmp_path):
    cache = cache_file(tmp_path, "model", "query: ")
    articles = [article("pas", "paspoort", ["paspoort kwijt"]), article("grof", "afval", ["bank"], ["afval"])]
    first = CountingEncoder()
    built = ArticleTokens.build(articles, first, cache)
    # each text once ("afval" is the title and a keyword)
    assert first.texts == list(dict.fromkeys(article_texts(articles[0]) + article_texts(articles[1]))) and cache.exists()

    again = CountingEncoder()
    reloaded = ArticleTokens.build(articles, again, cache)
    assert again.texts == []  # nothing encoded at a second start
    assert all(np.array_equal(reloaded.matrices[a], built.matrices[a]) for a in ("pas", "grof"))

    edited = [articles[0], article("grof", "afval", ["bank", "paspoort"], ["afval"])]
    third = CountingEncoder()
    ArticleTokens.build(edited, third, cache)
    assert third.texts == list(dict.fromkeys(article_texts(edited[1])))  # only the edited article


def test_an_unreadable_cache_is_computed_again(tmp_path):
    cache = cache_file(tmp_path, "model", "query: ")
    cache.parent.mkdir(parents=True)
    cache.write_bytes(b"not a numpy file")
    encoder = CountingEncoder()
    tokens = ArticleTokens.build([article("pas", "paspoort", [])], encoder, cache)
    assert encoder.texts == ["paspoort"] and tokens.matrices["pas"].shape == (1, 3)
    assert ArticleTokens.build([article("pas", "paspoort", [])], CountingEncoder(), cache).matrices["pas"].shape == (1, 3)


def test_a_re_index_reuses_the_engine_s_own_vectors_without_reading_the_cache(tmp_path):
    cache = cache_file(tmp_path, "model", "query: ")
    articles = [article("pas", "paspoort", ["paspoort kwijt"]), article("grof", "afval", ["bank"])]
    built = ArticleTokens.build(articles, CountingEncoder(), cache)
    cache.write_bytes(b"damaged since")  # would be noticed (and rewritten) if it were read
    again = CountingEncoder()
    rebuilt = ArticleTokens.build(articles, again, cache, previous=built)
    assert again.texts == [] and cache.read_bytes() == b"damaged since"
    assert all(np.array_equal(rebuilt.matrices[a], built.matrices[a]) for a in ("pas", "grof"))
    edited = [articles[0], article("grof", "afval", ["bank", "kwijt"])]
    third = CountingEncoder()
    edited_tokens = ArticleTokens.build(edited, third, cache, previous=rebuilt)
    assert third.texts == ["kwijt"]  # only the new question of the edited article; the rest from memory
    whole = ArticleTokens.build(edited, CountingEncoder())  # every text encoded
    assert all(np.array_equal(edited_tokens.matrices[a], whole.matrices[a]) for a in ("pas", "grof"))
    fourth = CountingEncoder()
    ArticleTokens.build([articles[0], article("grof", "afval", ["kwijt", "bank"])], fourth, cache, previous=edited_tokens)
    assert fourth.texts == []  # the same texts in another order: their rows are known


def test_after_a_start_from_the_cache_a_re_index_encodes_only_new_texts(tmp_path):
    cache = cache_file(tmp_path, "model", "query: ")
    articles = [article("pas", "paspoort", ["paspoort kwijt"]), article("grof", "afval", ["bank"])]
    ArticleTokens.build(articles, CountingEncoder(), cache)
    started = ArticleTokens.build(articles, CountingEncoder(), cache)  # as a restart: every article from the file
    encoder = CountingEncoder()
    ArticleTokens.build([articles[0], article("grof", "afval", ["bank", "paspoort kwijt"])], encoder, cache, previous=started)
    assert encoder.texts == ["paspoort kwijt"]
