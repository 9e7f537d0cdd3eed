import datetime as dt

from indexer.readability import MIN_FLESCH_DOUMA, flesch_douma
from indexer.validate import validate_knowledge_base
from kb.articles import markdown_to_text
from kb.settings import Settings
from tests.indexer.test_validate import settings_for
from tests.kb.test_articles import VALID

LONG = (
    "Wanneer u een aanvraag voor dit product indient moet u er rekening mee houden dat de behandeling "
    "van uw aanvraag door de medewerkers van de afdeling enige tijd in beslag kan nemen voordat u bericht krijgt."
)


def _validate(tmp_path, text):
    settings = settings_for(tmp_path)
    (settings.content_dir / "voorbeeld.md").write_text(text.replace("paspoort-aanvragen.md", "voorbeeld.md"), encoding="utf-8")
    return validate_knowledge_base(settings, today=dt.date(2026, 11, 23))


def test_jargon_and_long_sentences_are_warnings_with_their_line(tmp_path):
    text = VALID.replace("Geen.", f"Indien u ouder bent dan 18 jaar. {LONG}")
    report = _validate(tmp_path, text)
    assert report.ok, "B1 problems are warnings, not errors"
    warnings = [(p.line, p.message) for p in report.warnings]
    assert (28, "B1: jargon 'indien', write 'als'") in warnings
    assert any(line == 28 and message.startswith("B1: sentence of 36 words") for line, message in warnings), warnings
    assert report.readability[0].long_sentences == 1
    assert report.readability[0].jargon == ["indien"]


def test_staff_notes_and_allowed_product_names_are_not_scored(tmp_path):
    text = VALID.replace("Geheime tip voor de balie.", f"Indien nodig doorverbinden. {LONG}").replace(
        "Geen.", "U hebt een verklaring omtrent het gedrag nodig."
    )
    report = _validate(tmp_path, text)
    assert report.warnings == []


def test_flesch_douma_separates_plain_from_official_dutch():
    plain = "U kunt een paspoort aanvragen bij de gemeente. Neem een pasfoto mee. Het paspoort is tien jaar geldig."
    official = (
        "Ingevolge de toepasselijke verordening dient de belanghebbende zorg te dragen voor tijdige indiening "
        "van de noodzakelijke bescheiden teneinde vertraging in de afhandeling te voorkomen."
    )
    assert flesch_douma(plain) >= MIN_FLESCH_DOUMA > flesch_douma(official)


def test_flesch_douma_equals_textstat_for_dutch():
    """The score counts words, sentences and syllables as textstat does for Dutch, to the last bit."""
    from textstat.textstat import textstatistics

    reference = textstatistics()
    reference.set_lang("nl")
    texts = ["", "...", "Ja.", "Dit is 'n test. En nog één, met 's avonds en 't huis!", "hé   wat? ja! nee.", LONG]
    for path in sorted(Settings().content_dir.glob("*.md")):
        body = path.read_text(encoding="utf-8").split("---", 2)[2]
        texts.extend([body, markdown_to_text(body), *body.split("\n\n")])
    assert [flesch_douma(text) for text in texts] == [reference.flesch_reading_ease(text) for text in texts]


def test_the_score_needs_neither_textstat_nor_nltk():
    """The search service scores a saved article: without textstat's 80 MB of nltk and cmudict."""
    import subprocess
    import sys

    code = ("import sys; from indexer.readability import flesch_douma; flesch_douma('Neem een pasfoto mee.'); "
            "print(sorted(name for name in ('textstat', 'nltk', 'cmudict') if name in sys.modules))")
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip() == "[]"


def test_shipped_knowledge_base_reads_at_b1_level():
    report = validate_knowledge_base(Settings())
    summary = report.readability_summary
    assert summary is not None and summary.articles == report.files_checked
    assert summary.mean_flesch_douma >= MIN_FLESCH_DOUMA
    assert summary.mean_sentence_words <= 15
    assert summary.jargon_hits == 0


def _with_upl(text, *uris):
    block = "".join(f"  - http://standaarden.overheid.nl/owms/terms/{uri}\n" for uri in uris)
    return text.replace("  - http://standaarden.overheid.nl/owms/terms/paspoort\n", block)


def _two_articles(tmp_path, first, second):
    settings = settings_for(tmp_path)
    text = VALID.replace("paspoort-aanvragen.md", "voorbeeld.md")
    (settings.content_dir / "voorbeeld.md").write_text(_with_upl(text, *first), encoding="utf-8")
    other = _with_upl(text, *second).replace("id: voorbeeld", "id: ander")
    (settings.content_dir / "ander.md").write_text(other, encoding="utf-8")
    return validate_knowledge_base(settings, today=dt.date(2026, 11, 23))


def test_shared_upl_uri_needs_exactly_one_main_article(tmp_path):
    ok = _two_articles(tmp_path, ["paspoort", "identiteitskaart"], ["rijbewijs", "paspoort"])
    assert [p for p in ok.errors if "UPL" in p.message] == []

    no_main = _two_articles(tmp_path, ["paspoort", "rijbewijs"], ["identiteitskaart", "rijbewijs"])
    errors = [p for p in no_main.errors if "rijbewijs" in p.message]
    assert {p.path.name for p in errors} == {"voorbeeld.md", "ander.md"}
    assert all(p.line == 5 and "no article's main product" in p.message for p in errors)

    two_mains = _two_articles(tmp_path, ["paspoort"], ["paspoort"])
    assert any("main (first) product of 2 articles (ander, voorbeeld)" in p.message for p in two_mains.errors)
