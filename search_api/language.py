"""Which language a question is in (lingua, models inside the wheel, restricted to the
languages citizens of Voorbeeldstad write in, which keeps it fast and accurate on short text).

lingua's high-accuracy models (one to five letters in a row) are what tell "paspoort aanvragen"
from German or English; its low-accuracy mode (three letters only) names a third of the
knowledge base's keywords wrongly, so the service keeps them. It loads a language's models when
a text needs them rather than all nine up front: Arabic and Ukrainian text is recognised by its
alphabet alone (no other of these languages is written in it), so their models are never read.
Measured: 226 MB resident with every sample and evaluation question detected, against 304 MB
preloaded, and the same language for each of 7,349 texts (samples, evaluation questions,
titles, example questions and keywords of the articles).
"""

from __future__ import annotations

from functools import cached_property

LANGUAGES = ("DUTCH", "ENGLISH", "TURKISH", "POLISH", "ARABIC", "GERMAN", "FRENCH", "SPANISH", "UKRAINIAN")
#: How far apart (lingua's relative distance) the most likely language must be from the next
#: one before the detector names it. A single word hardly tells: without this "naturalisatie"
#: was French, "bbz" Turkish and "test" Spanish, so their vectors were moved by that language's
#: offset and their BM25 score ignored. At 0.05 every one of the 872 sentences of
#: `kb/language_samples.yaml` is still recognised as before.
MIN_RELATIVE_DISTANCE = 0.05
#: A short text in the Latin alphabet: detecting it loads the models of every language written
#: in that alphabet, at every length, which is all a Latin-script question will need
WARM_UP_TEXT = "paspoort aanvragen"


class LanguageDetector:
    @cached_property
    def _detector(self):
        from lingua import Language, LanguageDetectorBuilder

        languages = [getattr(Language, name) for name in LANGUAGES]
        return LanguageDetectorBuilder.from_languages(*languages).with_minimum_relative_distance(MIN_RELATIVE_DISTANCE).build()

    def warm_up(self) -> None:
        """Load the models searches need (about a second, holding the GIL: lingua does not release it)."""
        self.detect(WARM_UP_TEXT)

    def detect(self, text: str) -> str | None:
        """ISO 639-1 code ("nl", "en", "tr", ...), or None when the text gives no clue."""
        language = self._detector.detect_language_of(text)
        return language.iso_code_639_1.name.lower() if language is not None else None
