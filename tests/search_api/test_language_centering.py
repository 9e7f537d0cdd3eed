"""Language centering: a question in another language is moved toward Dutch before dense retrieval."""

import numpy as np
import pytest
import yaml

from search_api.language_centering import (
    LanguageCentering,
    LanguageSamplesError,
    load_language_centering,
    read_samples,
)

# A toy embedding space: dimensions 0-2 are topics, 3-4 are "Dutch" and "Turkish".
TOPIC = {"paspoort": 0, "pasaport": 0, "afval": 1, "çöp": 1, "parkeren": 2, "otopark": 2}


def toy_embed(texts: list[str]) -> np.ndarray:
    rows = []
    for text in texts:
        vector = np.zeros(5)
        vector[TOPIC[text.split()[0]]] = 1.0
        vector[4 if text.endswith("?") else 3] = 0.8  # Turkish samples end with "?"
        rows.append(vector / np.linalg.norm(vector))
    return np.asarray(rows)


SAMPLES = {"nl": ["paspoort", "afval", "parkeren"], "tr": ["pasaport ?", "çöp ?", "otopark ?"]}


def cosine(a, b) -> float:
    return float(np.dot(a, b) / np.linalg.norm(a) / np.linalg.norm(b))


def test_a_question_in_another_language_moves_toward_the_dutch_text_on_its_topic():
    centering = LanguageCentering.fit(SAMPLES, toy_embed, strength=1.0)
    question = toy_embed(["çöp ?"])[0].tolist()
    dutch_article, other_article = toy_embed(["afval", "parkeren"])
    moved = centering.apply(question, "tr")
    assert cosine(moved, dutch_article) > cosine(question, dutch_article)
    assert cosine(moved, dutch_article) > cosine(moved, other_article)
    assert np.isclose(np.linalg.norm(moved), 1.0)


@pytest.mark.parametrize("language", ["nl", "en", None, "xx"])
def test_dutch_english_and_unknown_languages_are_left_alone(language):
    centering = LanguageCentering.fit(SAMPLES, toy_embed, strength=1.0)
    question = toy_embed(["çöp ?"])[0].tolist()
    assert centering.apply(question, language) == question


def test_strength_zero_turns_it_off():
    centering = LanguageCentering.fit(SAMPLES, toy_embed, strength=0.0)
    question = toy_embed(["çöp ?"])[0].tolist()
    assert centering.apply(question, "tr") == question
    assert centering.languages == []


def write_samples(path, samples) -> None:
    path.write_text(yaml.safe_dump(samples, allow_unicode=True), encoding="utf-8")


def test_offsets_are_computed_once_per_model_and_samples(tmp_path):
    samples_file = tmp_path / "samples.yaml"
    write_samples(samples_file, SAMPLES)
    calls = []

    def counting_embed(texts):
        calls.append(len(texts))
        return toy_embed(texts)

    def load(model="m"):
        return load_language_centering(samples_file, tmp_path / "cache", model, "query: ", 0.5, counting_embed)

    first = load()
    assert calls and first.languages == ["tr"]
    calls.clear()
    second = load()
    assert calls == [] and np.allclose(second.offsets["tr"], first.offsets["tr"])
    load(model="another model")
    assert calls, "another model has other offsets"
    calls.clear()
    write_samples(samples_file, {**SAMPLES, "tr": ["pasaport ?", "çöp ?", "parkeren ?"]})
    load()
    assert calls, "changed samples are measured again"


def test_an_unreadable_cache_is_recomputed(tmp_path):
    samples_file = tmp_path / "samples.yaml"
    write_samples(samples_file, SAMPLES)
    load = lambda: load_language_centering(samples_file, tmp_path, "m", "", 0.5, toy_embed)  # noqa: E731
    load()
    (cache,) = (tmp_path / "language-offsets").glob("*.json")
    cache.write_text("{half", encoding="utf-8")
    assert load().languages == ["tr"]


@pytest.mark.parametrize(
    "samples,message",
    [
        ({"tr": ["pasaport ?"]}, "Dutch"),
        ({"nl": ["paspoort", "afval"], "tr": ["pasaport ?"]}, "same number"),
        ({"nl": "paspoort"}, "list of non-empty questions"),
        ({"nl": ["paspoort", ""]}, "list of non-empty questions"),
    ],
)
def test_a_bad_samples_file_gets_a_clear_error_naming_it(tmp_path, samples, message):
    samples_file = tmp_path / "samples.yaml"
    write_samples(samples_file, samples)
    with pytest.raises(LanguageSamplesError, match=message) as error:
        read_samples(samples_file)
    assert str(samples_file) in str(error.value)


def test_the_shipped_samples_cover_the_languages_we_detect():
    from kb.settings import Settings
    from search_api.language import LANGUAGES

    samples = read_samples(Settings().language_samples_file)
    from lingua import Language

    codes = {getattr(Language, name).iso_code_639_1.name.lower() for name in LANGUAGES}
    assert set(samples) == codes - {"en"}


def test_with_the_real_model_a_turkish_question_comes_closer_to_its_dutch_article(live_server):
    engine = live_server.app.state.engine
    retriever = engine._retriever
    assert retriever.centering.languages == ["ar", "de", "es", "fr", "pl", "tr", "uk"]
    question = retriever.embed("Pasaportumun süresi doldu, yenisini nasıl alırım?")
    dutch = retriever.embed("Paspoort aanvragen: een nieuw paspoort vraagt u aan bij de gemeente.")
    unrelated = retriever.embed("Grofvuil ophalen: de gemeente haalt grote spullen bij u thuis op.")
    moved = retriever.centering.apply(question, "tr")
    assert cosine(moved, dutch) > cosine(question, dutch)
    # it moves toward Dutch text on its own topic, not toward Dutch text in general
    assert cosine(moved, dutch) - cosine(moved, unrelated) > 0.05
