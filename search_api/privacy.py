"""Mask personal data in what citizens type before it is stored or logged (AVG/GDPR).

`redact(text)` replaces each piece of personal data by a plain placeholder naming its kind:

- `[bsn]`: nine digits (plain, dotted or spaced) that pass the 11-proof;
- `[iban]`: IBANs of any country (grouped or not) that pass mod-97 and the country's format;
- `[telefoon]`: Dutch numbers in every common form (06, +31, 0031, area codes, brackets,
  dashes, dots, spaces) and international numbers (+32 ...);
- `[e-mail]`: addresses, also spelled out ("jan punt devries at gmail punt com",
  "kees apenstaartje ziggo punt nl", "anouk[at]example[dot]nl");
- `[datum]`: a day with its month (12/03/1985, 1978-11-23, 12 maart 1985, 5 jan. 1990,
  March 3, 1985, 14 juni);
- `[postcode+huisnummer]`, `[adres]`: a postcode with a house number, a street with a house
  number (Kerkstraat 12, Van Goghstraat 4a, Laan van Meerdervoort 55, Oude Gracht 12 bis);
- `[kenteken]`: Dutch licence plates of every sidecode (87-GBT-4, XD-245-K);
- `[naam]`: names after cue words ("mijn naam is", "ik heet", "namens", "ik ben Fatima",
  "met vriendelijke groet", "mevrouw", "dhr.", "mijn zoon ...").

What editors need stays: amounts, years, month and year alone, times, postcodes alone,
percentages, quantities, article and case numbers, numbers that fail the 11-proof or mod-97,
the municipality's own number (14 + area code), 0800 and 0900 numbers of services, and 112.
`eval/redaction.yaml` holds the labelled sentences; `kb redaction` scores the redactor on them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Literal

from stdnum import iban as stdnum_iban
from stdnum.nl import bsn as stdnum_bsn

Kind = Literal["bsn", "iban", "telefoon", "e-mail", "datum", "naam", "adres", "kenteken", "postcode+huisnummer"]
KINDS: tuple[Kind, ...] = ("bsn", "iban", "telefoon", "e-mail", "datum", "naam", "adres", "kenteken", "postcode+huisnummer")


@dataclass(frozen=True)
class Finding:
    """One piece of personal data: its kind and where it is (`text[start:end]`)."""

    kind: Kind
    start: int
    end: int

    @property
    def placeholder(self) -> str:
        return f"[{self.kind}]"


@dataclass(frozen=True)
class _Span:
    kind: Kind | None  # None: looks like personal data but is not (a wrong IBAN); nothing else may claim it
    start: int
    end: int


def find_personal_data(text: str) -> list[Finding]:
    """The personal data in `text`, in order, without overlaps (earlier detectors win)."""
    taken: list[_Span] = []
    for detect in _DETECTORS:
        for span in detect(text):
            if span.end > span.start and not any(span.start < t.end and t.start < span.end for t in taken):
                taken.append(span)
    return sorted((Finding(s.kind, s.start, s.end) for s in taken if s.kind), key=lambda f: f.start)


def redact(text: str) -> str:
    """`text` with every piece of personal data replaced by its placeholder (`[bsn]`, `[naam]`, ...)."""
    parts, position = [], 0
    for finding in find_personal_data(text):
        parts += [text[position:finding.start], finding.placeholder]
        position = finding.end
    return "".join(parts) + text[position:]


# -- e-mail -------------------------------------------------------------------------------------

_TLD = r"(?:nl|com|net|org|be|de|eu|info|nu|me|io|biz|co|uk|fr|es|it|tr|ma|sr|online|email)"
_MAIL_AT = r"(?:\s*@\s*|\s*[\[({]\s*(?:at|apenstaartje)\s*[\])}]\s*|\s+(?:at|apenstaartje|apestaartje|apenstaart|apestaart)\s+)"
_MAIL_DOT = r"(?:\s*\.\s*|\s*[\[({]\s*(?:dot|punt)\s*[\])}]\s*|\s+(?:dot|punt)\s+)"
_MAIL_WORD = r"[\w+-]+"
_MAIL_LOCAL_WORD = r"(?:(?:de|van|der|den|ter|ten|el)\s+)?[\w+-]+"  # "m punt de jong at ...": a name typed with its space
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_SPELLED_EMAIL = re.compile(
    rf"(?<![\w.@]){_MAIL_WORD}(?:{_MAIL_DOT}{_MAIL_LOCAL_WORD})*{_MAIL_AT}{_MAIL_WORD}(?:{_MAIL_DOT}{_MAIL_WORD})*{_MAIL_DOT}{_TLD}(?!\w)",
    re.IGNORECASE,
)


def _emails(text: str) -> Iterator[_Span]:
    for pattern in (_EMAIL, _SPELLED_EMAIL):
        for match in pattern.finditer(text):
            yield _Span("e-mail", match.start(), match.end())


# -- IBAN ---------------------------------------------------------------------------------------

_IBAN_START = re.compile(r"(?<![\w-])(?:[A-Za-z]{2}\d{2}|[A-Z]{2} \d{2})(?=[ -]?[A-Za-z0-9])")  # NL91, nl91, NL 91
_IBAN_GROUP = re.compile(r"[ -]?([A-Za-z0-9]+)")


def _ibans(text: str) -> Iterator[_Span]:
    """Valid IBANs; IBAN-shaped strings that fail mod-97 are held back so that no other kind takes their digits."""
    for start in _IBAN_START.finditer(text):
        begin, shaped_end, shaped = start.start(), start.end(), True
        ends: list[int] = []
        while len(ends) < 12 and (group := _IBAN_GROUP.match(text, ends[-1] if ends else start.end())):
            token = group.group(1)
            ends.append(group.end())
            # after country and check digits: a bank code (glued to its digits or not), then groups of digits
            shaped = shaped and (token.isdigit() or len(ends) == 1 and re.fullmatch(r"[A-Za-z]{4}\d*", token) is not None)
            if shaped:
                shaped_end = group.end()
        valid = next((end for end in reversed(ends) if stdnum_iban.is_valid(text[begin:end])), None)
        if valid:
            yield _Span("iban", begin, valid)
        elif len(re.sub(r"[ -]", "", text[begin:shaped_end])) >= 14:
            yield _Span(None, begin, shaped_end)


# -- postcode with house number, street with house number ---------------------------------------

# A house number: 1 to 5 digits, then an addition (12a, 12 A, 12-2, 12-III, 12 bis, 12hs).
_HOUSE_NUMBER = (
    r"[1-9]\d{0,4}"
    r"(?:-?[A-Za-z](?![\w-])|-\d{1,3}(?![\w-])|-?(?:I{1,3}|IV|hs|bis)(?![\w-])|\s(?:[A-Za-z]|I{1,3}|IV|bis|hs)(?![\w'-]))?"
    r"(?![\w-]|[.,]\d)"
)
# Quantities after a number mean it is not a house number ("Hoofdweg 3 weken", "de laan 3 keer").
_NOT_AFTER_NUMBER = re.compile(
    r"\s*(?:%|(?:x|keer|maal|dagen|dag|weken|week|maanden|maand|jaar|jaren|uur|uren|minuten|seconden|meter|m|m2|m3|km|"
    r"cm|kilo|kg|liter|euro|procent|stuks|personen|mensen|kinderen)\b)",
    re.IGNORECASE,
)
_POSTCODE_HOUSE = re.compile(
    r"(?<![\w-])[1-9]\d{3}\s?(?!sa|sd|ss)(?P<letters>[A-Za-z]{2})(?:\s*,\s*|\s+)"
    r"(?:(?:en\s+)?(?:huisnummer|huisnr\.?|nummer|nr\.?)\s*:?\s*"  # 1234 AB huisnummer 12, 1234 AB Voorbeeldstad, nr 12
    r"|(?-i:[A-Z][\w'-]+)(?:\s(?-i:[A-Z][\w'-]+))?\s*,?\s+(?:huisnummer|huisnr\.?|nummer|nr\.?)\s*:?\s*)?"
    rf"{_HOUSE_NUMBER}",
    re.IGNORECASE,
)
_TWO_LETTER_WORDS = {
    "en", "is", "in", "op", "om", "te", "de", "er", "na", "al", "ik", "je", "we", "ze", "nu", "of", "as", "at", "to",
    "ok", "pm", "am", "by", "tm", "la", "nr", "no",
}

_STREET_SUFFIX = (
    r"(?:straat|straatje|straatweg|weg|laan|laantje|plein|gracht|kade|singel|dijk|pad|hof|steeg|dreef|markt|"
    r"park|plantsoen|haven|wal|baan|allee|boulevard|promenade|brink)"
)
_STANDALONE_STREET = r"(?:singel|markt|dam|plein|kade|brink|gracht|dijk|haven|wal)"
_NOT_STREETS = {
    "snelweg", "fietspad", "voetpad", "wandelpad", "zebrapad", "kerkhof", "gerechtshof", "rijbaan", "busbaan", "spoorweg",
    "omweg", "zijweg", "rijweg", "achterpad", "uitweg", "tuinpad", "schoolplein", "speelplein", "parkeerplein", "onderweg",
    "loopbaan",
}
_PARTICLE = r"(?:van|de|der|den|het|'t|ter|ten|te|op|aan|in|bij|over|achter|voor|tot)"
_STREET_NAME_PARTICLES = {"van", "de", "der", "den", "het", "'t", "ter", "ten"}
_CAPITALIZED = r"[A-ZÀ-Ý][\wÀ-ÿ'’-]*\.?"
_NOT_IN_STREET_NAME = {
    "Ik", "Wij", "We", "Mijn", "Onze", "Een", "Aan", "Op", "In", "Bij", "Naar", "Voor", "Te", "Tot", "Uit", "Met", "Om",
    "Over", "Adres", "Graag", "Hallo", "Beste", "Geachte", "Wanneer", "Waar", "Hoe", "Wat", "Bel", "Mail", "Woon",
    "Nieuw", "Adreswijziging", "Verhuisd", "Gemeente",
}
_STREET_WORD = re.compile(rf"(?<![\w-])(?P<word>[\wÀ-ÿ'’-]+?{_STREET_SUFFIX}|{_STANDALONE_STREET})(?![\w-])", re.IGNORECASE)
_PREFIX_STREET = re.compile(
    rf"(?<![\w-])(?:Laan|Plein|Weg|Kade|Singel|Dreef|Park|Hof|Burgwal)(?:\s+{_PARTICLE})+(?:\s+{_CAPITALIZED})+",
)
_NUMBER_AFTER_STREET = re.compile(
    rf"\s+(?:(?:nr\.?|nummer|no\.?)\s*)?{_HOUSE_NUMBER}(?:\s+(?:nr\.?|nummer|no\.?)\s*{_HOUSE_NUMBER})?",  # Plein 1944 nr 3
    re.IGNORECASE,
)


def _postcode_houses(text: str) -> Iterator[_Span]:
    for match in _POSTCODE_HOUSE.finditer(text):
        letters = match.group("letters")
        if letters.islower() and letters in _TWO_LETTER_WORDS or _NOT_AFTER_NUMBER.match(text, match.end()):
            continue
        yield _Span("postcode+huisnummer", match.start(), match.end())


def _addresses(text: str) -> Iterator[_Span]:
    for match in _PREFIX_STREET.finditer(text):
        if number := _house_number_at(text, match.end()):
            yield _Span("adres", match.start(), number)
    for match in _STREET_WORD.finditer(text):
        word = match.group("word")
        if word.lower() in _NOT_STREETS or not (number := _house_number_at(text, match.end())):
            continue
        yield _Span("adres", _street_name_start(text, match.start(), word), number)


def _house_number_at(text: str, position: int) -> int | None:
    match = _NUMBER_AFTER_STREET.match(text, position)
    if not match or _NOT_AFTER_NUMBER.match(text, match.end()):
        return None
    return match.end()


def _street_name_start(text: str, start: int, word: str) -> int:
    """Where the street's name begins: the capitalized words before the suffix word, with name particles
    between them (Burgemeester de Vlugtlaan, Sint Jansstraat, Van Goghstraat), or a lower-case "van"
    before a lower-case suffix word (van goghstraat)."""
    if word[0].islower():
        particle = re.search(r"(?<![\w-])van\s+$", text[:start])
        return particle.start() if particle else start
    begin = start
    for token in reversed(list(re.finditer(r"\S+", text[:start]))[-4:]):
        bare = token.group()
        if bare in _STREET_NAME_PARTICLES:
            continue
        if not re.fullmatch(_CAPITALIZED, bare) or bare.rstrip(".") in _NOT_IN_STREET_NAME:
            break
        begin = token.start()
    return begin


# -- licence plates -----------------------------------------------------------------------------

_SIDECODES = (
    "LL-DD-DD", "DD-DD-LL", "DD-LL-DD", "LL-DD-LL", "LL-LL-DD", "DD-LL-LL", "DD-LLL-D",
    "D-LLL-DD", "LL-DDD-L", "L-DDD-LL", "LLL-DD-L", "L-DD-LLL", "D-LL-DDD", "DDD-LL-D",
)


def _sidecode(code: str, separator: str) -> str:
    parts = [("[A-Za-z]" if part[0] == "L" else r"\d") + f"{{{len(part)}}}" for part in code.split("-")]
    return separator.join(parts)


_PLATE = re.compile(r"(?<![\w-])(?:" + "|".join(_sidecode(code, "-") for code in _SIDECODES) + r")(?![\w-])")
_PLATE_AFTER_CUE = re.compile(
    r"(?:kenteken|kentekenplaat|nummerbord)\s*:?\s*(?P<plate>" + "|".join(_sidecode(code, "") for code in _SIDECODES) + r")(?!\w)",
    re.IGNORECASE,
)


def _plates(text: str) -> Iterator[_Span]:
    for match in _PLATE.finditer(text):
        yield _Span("kenteken", match.start(), match.end())
    for match in _PLATE_AFTER_CUE.finditer(text):
        yield _Span("kenteken", match.start("plate"), match.end("plate"))


# -- phone numbers ------------------------------------------------------------------------------

_PHONE_SEPARATOR = r"(?:\s*[-–./]\s*|\)\s*|\s)?"  # 06-1, 06 - 1, 06.1, 06/1, (030) 2, 020 1
_PHONE = re.compile(
    r"(?<![\w+.,/-])(?:"
    rf"(?P<nl>(?:\+|00)31{_PHONE_SEPARATOR}(?:\(0\){_PHONE_SEPARATOR})?\d(?:{_PHONE_SEPARATOR}\d){{8}})"
    rf"|(?P<national>\(?0\d(?:{_PHONE_SEPARATOR}\d){{8}})"
    rf"|(?P<abroad>(?:\+|00)(?!31)[1-9]\d{{0,2}}{_PHONE_SEPARATOR}(?:\(0\){_PHONE_SEPARATOR})?\d(?:{_PHONE_SEPARATOR}\d){{6,11}})"
    r")(?!\d|[.,]\d)"
)
_SERVICE_NUMBERS = ("0800", "0900", "0906", "0909")  # free and paid service lines of organisations


def _phones(text: str) -> Iterator[_Span]:
    for match in _PHONE.finditer(text):
        digits = re.sub(r"\D", "", match.group())
        if match.group("national") and digits.startswith(_SERVICE_NUMBERS):
            continue
        yield _Span("telefoon", match.start(), match.end())


# -- dates --------------------------------------------------------------------------------------

_MONTHS = (
    "januari februari maart april mei juni juli augustus september oktober november december "
    "january february march may june july august october "
    "jan feb mrt mar apr jun jul aug sep sept okt oct nov dec"
).split()
_ENGLISH_MONTHS = (
    r"(?:January|February|March|April|May|June|July|August|September|October|November|December"
    r"|(?:Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept?|Oct|Nov|Dec)\.)"
)
_MONTH = "(?:" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")(?:\.|(?![\w-]))"
_YEAR = r"(?:\d{4}|'\d{2})(?!\w)"
_NUMERIC_DATE = re.compile(
    r"(?<![\w./-])(?P<a>\d{1,2})\s?(?P<sep>[-–/.])\s?(?P<b>\d{1,2})\s?(?P=sep)\s?(?:\d{4}|\d{2})(?![\w/-]|[.,]\d)"
)
# A day and month in digits without a year only after a word that announces a date ("op 14-2", "geb. 3/7").
_SHORT_NUMERIC_DATE = re.compile(
    r"(?<!\w)(?:op|per|vanaf|sinds|tot|geboren|geb\.?|datum:?)\s+(?P<date>(?P<a>\d{1,2})[-/](?P<b>\d{1,2}))(?![\w/-]|[.,]\d)",
    re.IGNORECASE,
)
_ISO_DATE = re.compile(r"(?<![\w./-])\d{4}-(?P<b>\d{2})-(?P<a>\d{2})(?![\w/-])")
_DAY_MONTH = re.compile(
    rf"(?<![\w.,/-])(?P<day>\d{{1,2}})(?:e|ste|de|st|nd|rd|th)?(?:\s+of)?\s+{_MONTH}(?:,?\s+{_YEAR})?", re.IGNORECASE
)
_MONTH_DAY = re.compile(rf"(?<!\w){_ENGLISH_MONTHS}\s+(?P<day>\d{{1,2}})(?:st|nd|rd|th)?(?!\d)(?:,?\s+\d{{4}}(?!\w))?")


def _dates(text: str) -> Iterator[_Span]:
    for pattern, group in ((_NUMERIC_DATE, 0), (_ISO_DATE, 0), (_SHORT_NUMERIC_DATE, "date")):
        for match in pattern.finditer(text):
            day, month = int(match.group("a")), int(match.group("b"))
            if 1 <= day <= 31 and 1 <= month <= 12 or 1 <= month <= 31 and 1 <= day <= 12:  # also 07/21/1990
                yield _Span("datum", match.start(group), match.end(group))
    for pattern in (_DAY_MONTH, _MONTH_DAY):
        for match in pattern.finditer(text):
            if 1 <= int(match.group("day")) <= 31:
                yield _Span("datum", match.start(), match.end())


# -- BSN ----------------------------------------------------------------------------------------

_DIGIT_GROUPS = re.compile(r"(?<![\w.,/+-])\d{2,9}(?:[ .]\d{2,9}){0,5}(?![\w/-]|[.,]\d)")


def _bsns(text: str) -> Iterator[_Span]:
    """Nine digits in one to four groups (123456782, 1234.56.782, 123 456 782) that pass the 11-proof."""
    for match in _DIGIT_GROUPS.finditer(text):
        groups = [(group.start(), group.end()) for group in re.finditer(r"\d+", match.group())]
        for first in range(len(groups)):
            for last in range(first, min(first + 4, len(groups))):
                digits = re.sub(r"\D", "", match.group()[groups[first][0]:groups[last][1]])
                if len(digits) == 9 and stdnum_bsn.is_valid(digits):
                    yield _Span("bsn", match.start() + groups[first][0], match.start() + groups[last][1])


# -- names --------------------------------------------------------------------------------------

_NAME_CUES = re.compile(
    r"(?<!\w)(?:mijn\s+naam\s+is|mijn\s+naam\s*:|naam\s*:|ik\s+heet|namens|ten\s+name\s+van|t\.?n\.?v\.?"
    r"|met\s+vriendelijke\s+groet(?:en)?|vriendelijke\s+groet(?:en)?|hartelijke\s+groet(?:en)?|m\.?v\.?g\.?"
    r"|groet(?:en|jes)?|gr\.|ondertekend|spreekt\s+met|my\s+name\s+is|(?:kind\s+|best\s+)?regards|greetings|sincerely)"
    r"(?=[\s,:])[\s,:]*",
    re.IGNORECASE,
)
# These cues only count before a capitalized name ("ik ben Fatima", not "ik ben verhuisd").
_CAPITALIZED_NAME_CUES = re.compile(
    r"(?<!\w)(?:ik\s+ben|naam|mevrouw|mevr\.|mw\.|meneer|mr\.|dhr\.|de\s+heer|familie|fam\.|mijn\s+(?:klein)?(?:zoon|dochter)"
    r"|mijn\s+(?:moeder|vader|man|vrouw|partner|broer|zus|oma|opa|buurman|buurvrouw|buren))(?=\s)\s+",
    re.IGNORECASE,
)
_TITLE = re.compile(r"(?:mevrouw|mevr\.|mw\.|meneer|mr\.|dhr\.|de\s+heer|familie|fam\.)\s+", re.IGNORECASE)
# "ik ben Marokkaans", "ik ben Nederlander": nationalities, not names.
_NATIONALITY_ENDINGS = ("aans", "aams", "ands", "isch", "lander", "landse")
_NATIONALITIES = {"turks", "pools", "duits", "engels", "grieks", "chinees", "portugees", "belg", "turk", "syriër"}
_NAME_TOKEN = re.compile(r"(?:[A-Z]\.)+|[A-Za-zÀ-ÿ][A-Za-zÀ-ÿ'’]*(?:-[A-Za-zÀ-ÿ][A-Za-zÀ-ÿ'’]*)*(?=[\s,.;:!?()]|$)")
_NAME_GAP = re.compile(r"[ \t]+")
_NAME_PARTICLES = {
    "van", "de", "der", "den", "ter", "ten", "te", "het", "'t", "el", "al", "la", "le", "du", "da", "di", "von", "op", "in",
}
# Words that end a name written in lower case, or show that no name follows a cue.
_NOT_NAMES = set(
    """
    en of maar want dus ik je jij u wij we hij zij ze het een is ben was heb hebt heeft wil wilde woon woont zoek kan kun
    mag moet graag uit bij met voor naar om aan over tot sinds al nog niet geen ook hier daar die dat dit deze wat hoe
    waar wanneer waarom mijn uw jullie hun haar zijn te op in mee terug vanuit namens via per wel zo erg heel
    mij me mezelf ons onze hem jou jouw zich iedereen alle allen iemand
    vriendelijke vriendelijk groet groeten dank bedankt alvast tevreden inwoner medewerker medewerkers
    """.split()
)
_ORGANISATIONS = {
    "bureau", "stichting", "gemeente", "team", "afdeling", "wijkteam", "vereniging", "buurtwerk", "woningstichting",
    "huurdersvereniging", "vve", "bewonerscommissie", "school", "kerk", "bv", "b.v.",
}


def _names(text: str) -> Iterator[_Span]:
    for match in _NAME_CUES.finditer(text):
        if span := _name_at(text, match.end(), capitalized_only=False):
            yield span
    for match in _CAPITALIZED_NAME_CUES.finditer(text):
        after_ik_ben = match.group().lower().startswith("ik")
        if span := _name_at(text, match.end(), capitalized_only=True, after_ik_ben=after_ik_ben):
            yield span


def _name_at(text: str, position: int, *, capitalized_only: bool, after_ik_ben: bool = False) -> _Span | None:
    """The name that starts at `position` (after a cue and an optional title), if one does."""
    if title := _TITLE.match(text, position):
        position, capitalized_only = title.end(), True
    tokens: list[tuple[int, int, str]] = []
    while len(tokens) < 6 and (token := _NAME_TOKEN.match(text, position)):
        tokens.append((token.start(), token.end(), token.group()))
        if not (gap := _NAME_GAP.match(text, token.end())):
            break
        position = gap.end()
    if not tokens:
        return None
    first = tokens[0][2]
    if first[0].isupper():
        return _capitalized_name(tokens, after_ik_ben)
    if capitalized_only or first.lower() in _NOT_NAMES or first.lower() in _NAME_PARTICLES:
        return None
    return _lowercase_name(tokens)


def _is_name_word(word: str) -> bool:
    return word[0].isupper() and word.lower() not in _ORGANISATIONS


def _may_be_first_name(word: str) -> bool:
    """After "ik ben": "Fatima" is a name; "DigiD", "ZZP'er" and "Marokkaans" are not."""
    lower = word.lower()
    return word[1:].islower() and not lower.endswith(_NATIONALITY_ENDINGS) and lower not in _NATIONALITIES


def _capitalized_name(tokens: list[tuple[int, int, str]], after_ik_ben: bool) -> _Span | None:
    """Capitalized words and initials, with particles between them (Kees van der Berg, P. de Boer, De Jong)."""
    end = None
    for index, (_, token_end, word) in enumerate(tokens):
        if word.lower() in _NAME_PARTICLES and not (index == 0 and word[0].isupper()):
            continue  # kept only when a capitalized word follows
        if not _is_name_word(word) or word.lower() in _NOT_NAMES and not word.isupper():
            break
        if after_ik_ben and index == 0 and not _may_be_first_name(word):
            return None
        end = token_end
    return _Span("naam", tokens[0][0], end) if end else None


def _lowercase_name(tokens: list[tuple[int, int, str]]) -> _Span | None:
    """A name typed in lower case ends at a common word or punctuation (fatima el amrani, anouk)."""
    end, words = None, 0
    for _, token_end, word in tokens:
        lower = word.lower()
        if lower in _NAME_PARTICLES and end:
            continue
        if lower in _NOT_NAMES or lower in _NAME_PARTICLES or words == 3:
            break
        end, words = token_end, words + 1
    return _Span("naam", tokens[0][0], end) if end else None


_DETECTORS: tuple[Callable[[str], Iterator[_Span]], ...] = (
    _emails, _ibans, _postcode_houses, _phones, _addresses, _plates, _dates, _bsns, _names,
)
