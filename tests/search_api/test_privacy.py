"""Personal data is masked before a question is stored or logged; what editors need stays."""

import pytest

from search_api.privacy import find_personal_data, redact


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        # BSN: the 11-proof, plain, dotted, spaced
        ("mijn bsn is 123456782", "mijn bsn is [bsn]"),
        ("BSN 1234.56.782 graag", "BSN [bsn] graag"),
        ("bsn 123 456 782.", "bsn [bsn]."),
        ("kinderen 136270104 en 798193311", "kinderen [bsn] en [bsn]"),
        # IBAN: mod-97, grouped or not, any country
        ("NL91 ABNA 0417 1643 00 terugstorten", "[iban] terugstorten"),
        ("naar nl91abna0417164300 aub", "naar [iban] aub"),
        ("NL 86 INGB 5555 9747 54?", "[iban]?"),
        ("rekening BE26 8301 6613 1829", "rekening [iban]"),
        ("DE89370400440532013000 is Duits", "[iban] is Duits"),
        # phone numbers
        ("bel me op 06-12345678 aub", "bel me op [telefoon] aub"),
        ("+31 6 1234 5678 terugbellen", "[telefoon] terugbellen"),
        ("010 123 4567 is mijn nummer", "[telefoon] is mijn nummer"),
        ("telefoon (030) 276 43 21", "telefoon [telefoon]"),
        ("+31(0)6-19283746 of 0031 6 55123987", "[telefoon] of [telefoon]"),
        ("0111-452318 vast, 06.21.43.65.87 mobiel", "[telefoon] vast, [telefoon] mobiel"),
        ("Belgisch: +32 470 12 34 56", "Belgisch: [telefoon]"),
        # e-mail, also spelled out
        ("mail jan.jansen@example.nl terug", "mail [e-mail] terug"),
        ("jan punt devries at gmail punt com", "[e-mail]"),
        ("kees apenstaartje ziggo punt nl graag", "[e-mail] graag"),
        ("anouk[at]janssen-design[dot]nl", "[e-mail]"),
        ("m.yilmaz at outlook dot com", "[e-mail]"),
        # dates
        ("geboren 12/03/1985", "geboren [datum]"),
        ("geboren 12 maart 1985 in Gouda", "geboren [datum] in Gouda"),
        ("geb. 5 jan. 1990", "geb. [datum]"),
        ("1978-11-23 en 23-11-78", "[datum] en [datum]"),
        ("born March 3, 1985", "born [datum]"),
        ("trouwen op 14 juni", "trouwen op [datum]"),
        ("geboren 31 augustus '84", "geboren [datum]"),
        # postcode with house number; street with house number
        ("grofvuil 1234 AB huisnummer 12", "grofvuil [postcode+huisnummer]"),
        ("afvalkalender 3512JK 4a", "afvalkalender [postcode+huisnummer]"),
        ("ik woon op de Kerkstraat 12", "ik woon op de [adres]"),
        ("Van Goghstraat 4a grofvuil", "[adres] grofvuil"),
        ("lamp kapot Burgemeester de Vlugtlaan 120-2", "lamp kapot [adres]"),
        ("adres Laan van Meerdervoort 55", "adres [adres]"),
        ("gat bij Oude Gracht 12 bis", "gat bij [adres]"),
        ("ratten bij kerkstraat nr 14", "ratten bij [adres]"),
        # licence plates
        ("kenteken 87-GBT-4 weggesleept", "kenteken [kenteken] weggesleept"),
        ("boete voor XD-245-K en s-23-pjt", "boete voor [kenteken] en [kenteken]"),
        ("kenteken VR16DP vergunning", "kenteken [kenteken] vergunning"),
        # names after cue words
        ("Mijn naam is Jan de Vries en ik wil klagen", "Mijn naam is [naam] en ik wil klagen"),
        ("mijn naam is fatima el amrani, ik wacht", "mijn naam is [naam], ik wacht"),
        ("ik heet anouk en ik zoek een huis", "ik heet [naam] en ik zoek een huis"),
        ("Ik ben Fatima en ik wil een paspoort", "Ik ben [naam] en ik wil een paspoort"),
        ("namens mijn moeder, mevrouw Bakker, een vraag", "namens mijn moeder, mevrouw [naam], een vraag"),
        ("Met vriendelijke groet, dhr. R. Koster", "Met vriendelijke groet, dhr. [naam]"),
        ("MIJN NAAM IS WOUTER SMIT", "MIJN NAAM IS [naam]"),
    ],
)
def test_personal_data_is_masked(typed, stored):
    assert redact(typed) == stored


@pytest.mark.parametrize(
    "typed",
    [
        "paspoort kosten 2026",
        "WOZ 2025 bezwaar",
        "wat kost een id-kaart in maart 2026",
        "grofvuil ophalen 1234 AB",
        "de aanslag is € 1.250,00 en niet € 980,50",
        "openingstijden 8.30-17.00 en 13:00 tot 16:30",
        "bel de gemeente op 14 0999 of 14 020",
        "Belastingtelefoon 0800-0543, juridisch loket 0900-8020, brand: 112",
        "korting van 25% voor 65+",
        "max 2 kuub grofvuil, dakkapel van 3 meter",
        "versie 2.3.1 en artikel 4.2.1 van de APV",
        "klantnummer 806380084 (geen geldig BSN)",
        "iban NL04 SNSB 3262 7058 61 klopt niet",
        "KvK-nummer 12345678 en kenmerk Z/25/123456",
        "ik ben 65 en wil weten wanneer mijn aow ingaat",
        "ik ben verhuisd en heb nog geen afvalpas",
        "Ik ben niet tevreden over de afhandeling",
        "namens de bewonerscommissie van de flat",
        "wegwerkzaamheden op de Hoofdweg 3 weken lang",
        "Lindelaan 3-hoog geen lift",
        "snelweg A12 afsluiting, lijn 4 naar het ziekenhuis",
        "formulier WMO-2025-01 en COVID-19",
        "het formulier op www.voorbeeldstad.nl/afval werkt niet",
    ],
)
def test_what_editors_need_stays(typed):
    assert redact(typed) == typed


def test_findings_name_kind_and_place():
    text = "bsn 123456782, bel 06-12345678"
    findings = find_personal_data(text)
    assert [(f.kind, text[f.start:f.end]) for f in findings] == [("bsn", "123456782"), ("telefoon", "06-12345678")]
    assert findings[0].placeholder == "[bsn]"


def test_a_wrong_iban_keeps_its_digits_from_other_kinds():
    # The digits of an IBAN that fails mod-97 are not taken for a phone number.
    assert redact("NL20 TRIO 0949 0668 82 8") == "NL20 TRIO 0949 0668 82 8"
