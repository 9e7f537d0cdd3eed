"""Language detection: sentences are recognised, a single word that gives no clue is not
given a foreign language (its vector would be moved by that language's offset)."""

import pytest

from search_api.language import LanguageDetector


@pytest.fixture(scope="module")
def detector() -> LanguageDetector:
    return LanguageDetector()


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Hoe vraag ik een nieuw paspoort aan?", "nl"),
        ("How do I apply for a parking permit?", "en"),
        ("Pasaportumu nasıl yenileyebilirim?", "tr"),
        ("Jak mogę zgłosić przeprowadzkę?", "pl"),
        ("Wie melde ich meinen Umzug an?", "de"),
        ("Comment puis-je demander une carte d'identité ?", "fr"),
        ("¿Cómo puedo pedir una ayuda para pagar el alquiler?", "es"),
        ("Як отримати паспорт?", "uk"),
        ("كيف أحصل على جواز سفر؟", "ar"),
    ],
)
def test_sentences_are_recognised(detector, text, language):
    assert detector.detect(text) == language


@pytest.mark.parametrize("word", ["naturalisatie", "bbz", "test"])
def test_a_word_without_a_clear_language_is_not_called_foreign(detector, word):
    assert detector.detect(word) in (None, "nl")
