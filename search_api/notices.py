"""One line above the Dutch answer in the language the question was asked in (the languages
`search_api.language` detects besides Dutch), with the municipality's general phone number."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class LanguageNotice:
    lang: str
    text: str
    direction: str = "ltr"


NOTICES = {
    "en": LanguageNotice("en", "This information is in Dutch. You can call the municipality on {phone} with questions."),
    "de": LanguageNotice("de", "Diese Informationen sind auf Niederländisch. Bei Fragen erreichen Sie die Gemeinde unter {phone}."),
    "fr": LanguageNotice("fr", "Ces informations sont en néerlandais. Pour toute question, appelez la commune au {phone}."),
    "es": LanguageNotice("es", "Esta información está en neerlandés. Si tiene preguntas, llame al ayuntamiento al {phone}."),
    "tr": LanguageNotice("tr", "Bu bilgiler Felemenkçedir. Sorularınız için belediyeyi {phone} numarasından arayabilirsiniz."),
    "pl": LanguageNotice("pl", "Te informacje są w języku niderlandzkim. W razie pytań zadzwoń do gminy pod numer {phone}."),
    "uk": LanguageNotice("uk", "Ця інформація нідерландською мовою. З питаннями телефонуйте до муніципалітету: {phone}."),
    "ar": LanguageNotice("ar", "هذه المعلومات باللغة الهولندية. للأسئلة اتصل بالبلدية على الرقم {phone}.", "rtl"),
}


#: One word rarely tells the language: "kosten" is Dutch and German, "test" Dutch and English.
MIN_WORDS = 2


def notice_for(language: str | None, question: str) -> LanguageNotice | None:
    """The notice for a question of at least `MIN_WORDS` words in another language, else None."""
    if len(question.split()) < MIN_WORDS:
        return None
    return NOTICES.get(language or "")
