from kb.spelling import SpellingCorrector, apply_corrections

TEXTS = [
    "Een paspoort aanvragen bij de gemeente.",
    "De milieustraat is open op zaterdag. Breng grofvuil naar de milieustraat.",
    "Een omgevingsvergunning voor een dakkapel.",
    "Kwijtschelding van gemeentelijke belastingen.",
]


def test_misspelled_words_get_the_nearest_knowledge_base_word():
    corrector = SpellingCorrector(TEXTS)
    found = {c.original: c.suggestion for c in corrector.correct("paspoord kwijt, mileustraat en omgevingsvergunnig kwijtscheldng")}
    assert found == {
        "paspoord": "paspoort",
        "mileustraat": "milieustraat",
        "omgevingsvergunnig": "omgevingsvergunning",
        "kwijtscheldng": "kwijtschelding",
    }


def test_correct_foreign_and_unrelated_words_are_left_alone():
    corrector = SpellingCorrector(TEXTS)
    assert corrector.correct("paspoort aanvragen") == []
    assert corrector.correct("how do I renew my passport") == []
    assert corrector.correct("recept appeltaart") == []


def test_apply_corrections_replaces_whole_words():
    corrector = SpellingCorrector(TEXTS)
    text = "Paspoord verlopen, paspoorden?"
    assert apply_corrections(text, corrector.correct(text)) == "paspoort verlopen, paspoorden?"
