"""Personal data is masked before a question is stored for the editors."""

import pytest

from search_api.privacy import redact


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("mijn bsn is 123456782", "mijn bsn is [nummer]"),
        ("mail jan.jansen@example.nl terug", "mail [e-mail] terug"),
        ("bel me op 06-12345678 aub", "bel me op [telefoon] aub"),
        ("+31 6 1234 5678 terugbellen", "[telefoon] terugbellen"),
        ("010 123 4567 is mijn nummer", "[telefoon] is mijn nummer"),
        ("NL91 ABNA 0417 1643 00 terugstorten", "[iban] terugstorten"),
        ("zaaknummer 2026.123.456", "zaaknummer [nummer]"),
    ],
)
def test_personal_data_is_masked(typed, stored):
    assert redact(typed) == stored


@pytest.mark.parametrize("typed", ["grofvuil 1234 AB huisnummer 12", "paspoort kosten 2026", "WOZ 2025 bezwaar"])
def test_what_editors_need_stays(typed):
    assert redact(typed) == typed
