"""Staff notes are recognised at any heading level and in any spelling; only the last
`## Voor medewerkers` is accepted, and no public section ever holds staff text."""

from pathlib import Path

import pytest

from kb.articles import PUBLIC_SECTIONS, STAFF_LABELS, Section, is_staff_label, normalise_label, parse_article_text
from tests.kb.test_articles import VALID

SECRET = "KANARIE-7f3a"
PATH = Path("voorbeeld.md")


def parse(text: str):
    return parse_article_text(text, PATH)


def line_of(text: str, fragment: str) -> int:
    return text[: text.index(fragment)].count("\n") + 1


def public_text(article) -> str:
    return "\n".join(f"{s.heading}\n{s.markdown}\n{s.text}" for s in article.public_sections)


@pytest.mark.parametrize(
    "heading",
    [
        "Voor medewerkers",
        "voor medewerkers",
        "VOOR MEDEWERKERS:",
        "  Voor   medewerkers  ",
        "Voor-medewerkers",
        "Vóór medewerkers",
        "**Voor medewerkers**",
        "Voor medewerkers (KCC)",
        "Voor medewerkers - let op",
        "Interne notitie",
        "interne notities",
        "Intern",
        "INTERN:",
        "Intern: bel eerst de backoffice",
        "Alleen voor medewerkers",
        "Notities voor medewerkers",
        "Staff notes",
    ],
)
def test_staff_labels_in_any_spelling(heading):
    assert is_staff_label(heading)


@pytest.mark.parametrize("heading", [*PUBLIC_SECTIONS, "Intern verhuizen", "Internationaal rijbewijs", "Betalen", "Medewerkers van de balie helpen u"])
def test_public_headings_are_not_staff_labels(heading):
    assert not is_staff_label(heading)


def test_label_list_is_normalised():
    assert all(normalise_label(label) == label for label in STAFF_LABELS)


def test_the_proper_staff_section_is_valid_and_not_public():
    result = parse(VALID)
    assert result.problems == []
    assert [s.heading for s in result.article.public_sections] == list(PUBLIC_SECTIONS)
    assert result.article.staff_section.markdown == "Geheime tip voor de balie."
    assert "Geheime tip" not in public_text(result.article)


NESTED = {
    # name: (text planted after "€ 10,00." in `## Kosten`, label reported)
    "h3": (f"### Voor medewerkers\n\nBel eerst {SECRET}.", "### Voor medewerkers"),
    "h4 variant": (f"#### interne notitie\n\n- Zeg niets over {SECRET}.", "#### interne notitie"),
    "h5 with colon": (f"##### VOOR MEDEWERKERS:\n\n{SECRET}", "##### VOOR MEDEWERKERS:"),
    "h6": (f"###### Alleen voor medewerkers\n\n{SECRET}", "###### Alleen voor medewerkers"),
    "h1": (f"# Intern\n\n{SECRET}", "# Intern"),
    "bold label": (f"**Intern:** bel {SECRET}.", "**Intern:**"),
    "bold label, colon after": (f"**Notities voor medewerkers**: {SECRET}", "**Notities voor medewerkers**"),
    "bold label on its own line": (f"Betaal met pin.\n**Voor medewerkers**\n{SECRET}", "**Voor medewerkers**"),
}


@pytest.mark.parametrize("name", NESTED)
def test_staff_notes_inside_a_public_section_are_an_error_and_never_public(name):
    planted, label = NESTED[name]
    text = VALID.replace("€ 10,00.", f"€ 10,00.\n\n{planted}")
    result = parse(text)
    staff_errors = [p for p in result.problems if "staff notes" in p.message]
    assert [(p.line, p.severity) for p in staff_errors] == [(line_of(text, label), "error")]
    assert f"'{label}'" in staff_errors[0].message and "'## Voor medewerkers'" in staff_errors[0].message
    article = result.article
    assert SECRET not in public_text(article)
    assert article.section("Kosten").text.startswith("€ 10,00.")
    assert article.staff_section.heading == "Voor medewerkers"


def test_public_text_after_a_nested_staff_part_stays_with_its_line_numbers():
    text = VALID.replace("€ 10,00.", f"€ 10,00.\n\n### Intern\n\n{SECRET}\n\n### Betalen\n\nMet pin.")
    kosten = parse(text).article.section("Kosten")
    assert kosten.text == "€ 10,00.\nBetalen\nMet pin."
    assert kosten.markdown.split("\n")[line_of(text, "Met pin.") - kosten.markdown_line] == "Met pin."


def test_deeper_headings_under_a_staff_heading_stay_staff():
    text = VALID.replace("€ 10,00.", f"€ 10,00.\n\n### Intern\n\n#### Spoed\n\n{SECRET}")
    assert SECRET not in public_text(parse(text).article)


@pytest.mark.parametrize("heading", ["voor medewerkers:", "VOOR MEDEWERKERS", "Interne notitie", "Intern"])
def test_a_misspelt_staff_section_is_an_error_and_never_public(heading):
    text = VALID.replace("## Voor medewerkers\n\nGeheime tip", f"## {heading}\n\nGeheime tip {SECRET}")
    result = parse(text)
    (problem,) = result.problems
    assert problem.line == line_of(text, f"## {heading}") and problem.severity == "error"
    assert problem.message == f"staff notes heading '## {heading}': write it exactly as '## Voor medewerkers'"
    assert SECRET not in public_text(result.article)
    assert SECRET in result.article.staff_section.markdown


def test_a_setext_staff_heading_is_a_section_of_staff_notes():
    text = VALID.replace("€ 10,00.", f"€ 10,00.\n\nIntern\n------\n\n{SECRET}")
    result = parse(text)
    assert any("write it exactly as '## Voor medewerkers'" in p.message for p in result.problems)
    assert SECRET not in public_text(result.article)


def test_a_misspelt_staff_section_in_the_middle_hides_only_itself():
    text = VALID.replace("## Kosten", f"## Intern\n\n{SECRET}\n\n## Kosten")
    result = parse(text)
    assert [p.message for p in result.problems] == ["staff notes heading '## Intern': write it exactly as '## Voor medewerkers'"]
    assert SECRET not in public_text(result.article)
    assert result.article.section("Kosten").text == "€ 10,00."


def test_staff_section_must_be_last():
    text = VALID.replace("## Voor medewerkers\n\nGeheime tip voor de balie.\n", "").replace(
        "## Contact", "## Voor medewerkers\n\nGeheime tip voor de balie.\n\n## Contact"
    )
    result = parse(text)
    assert any("sections out of order" in p.message for p in result.problems)
    assert "Geheime tip" not in public_text(result.article)


def test_labels_inside_the_staff_section_are_fine():
    text = VALID.replace("Geheime tip voor de balie.", "Geheime tip.\n\n### Intern\n\n**Voor medewerkers:** nog een tip.")
    result = parse(text)
    assert result.problems == []
    assert "nog een tip" in result.article.staff_section.text


def test_emphasis_that_is_not_a_label_stays_public():
    text = VALID.replace("Geen.", "*Intern* begeleiders op school helpen ook.\n\nDe **medewerkers** van de balie helpen u.")
    result = parse(text)
    assert result.problems == []
    assert "begeleiders" in result.article.section("Voorwaarden").text
    assert "van de balie" in result.article.section("Voorwaarden").text


def test_a_section_built_by_hand_drops_staff_notes():
    section = Section(heading="Kosten", markdown=f"€ 10,00.\n\n### Voor medewerkers\n\n{SECRET}", line=1)
    assert SECRET not in section.markdown and SECRET not in section.text
    staff = Section(heading="Interne notitie", markdown=SECRET, line=1)
    assert staff.is_staff_only and staff.text == SECRET
