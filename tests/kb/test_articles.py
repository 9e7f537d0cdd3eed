from pathlib import Path

from kb.articles import PUBLIC_SECTIONS, markdown_to_text, parse_article

VALID = """---
id: voorbeeld
title: Voorbeeld aanvragen
department: burgerzaken
upl:
  - http://standaarden.overheid.nl/owms/terms/paspoort
questions:
  - Hoe vraag ik dit aan?
  - Wat kost het?
  - Hoe lang duurt het?
keywords: [voorbeeld]
audience: burger
owner: team-burgerzaken
reviewed: 2026-11-01
---

## Wat is het?

Een **voorbeeld** met een [link](paspoort-aanvragen.md).

## Hoe vraag ik het aan?

1. Stap een.
2. Stap twee.

## Voorwaarden

Geen.

## Kosten

€ 10,00.

## Hoe lang duurt het?

Een week.

## Contact

Bel 14 0999.

## Voor medewerkers

Geheime tip voor de balie.
"""


def write(tmp_path: Path, text: str, name: str = "voorbeeld.md") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_valid_article_parses_into_sections(tmp_path):
    result = parse_article(write(tmp_path, VALID))
    assert result.problems == []
    article = result.article
    assert article.meta.audience == ["burger"]
    assert [s.heading for s in article.public_sections] == list(PUBLIC_SECTIONS)
    assert article.staff_section.markdown == "Geheime tip voor de balie."
    assert article.section("Wat is het?").text == "Een voorbeeld met een link."
    assert article.section("Wat is het?").line == 17


def test_missing_key_is_reported_on_its_line_or_the_front_matter(tmp_path):
    text = VALID.replace("owner: team-burgerzaken\n", "")
    result = parse_article(write(tmp_path, text))
    assert result.article is None
    assert any("'owner': missing required key" in p.message for p in result.problems)


def test_bad_value_points_at_the_key_line(tmp_path):
    text = VALID.replace("reviewed: 2026-11-01", "reviewed: gisteren")
    problems = parse_article(write(tmp_path, text)).problems
    (problem,) = [p for p in problems if "reviewed" in p.message]
    assert problem.line == 14


def test_too_few_questions(tmp_path):
    text = VALID.replace("  - Hoe lang duurt het?\n", "")
    problems = parse_article(write(tmp_path, text)).problems
    assert any("'questions'" in p.message for p in problems)


def test_missing_and_unknown_sections(tmp_path):
    text = VALID.replace("## Kosten\n", "## Prijzen\n")
    messages = [p.message for p in parse_article(write(tmp_path, text)).problems]
    assert "missing required section '## Kosten'" in messages
    assert any("unknown section '## Prijzen'" in m for m in messages)


def test_broken_yaml_gives_a_line(tmp_path):
    text = VALID.replace("title: Voorbeeld aanvragen", "title: [niet gesloten")
    (problem,) = parse_article(write(tmp_path, text)).problems
    assert "not valid YAML" in problem.message
    assert problem.line >= 3


def test_no_front_matter(tmp_path):
    (problem,) = parse_article(write(tmp_path, "## Wat is het?\nTekst\n")).problems
    assert problem.line == 1 and "front matter" in problem.message


def test_id_must_match_file_name(tmp_path):
    problems = parse_article(write(tmp_path, VALID, name="anders.md")).problems
    assert any("must equal the file name" in p.message for p in problems)


def test_markdown_to_text_keeps_list_items():
    assert markdown_to_text("1. Een\n2. **Twee**\n\nSlot.") == "- Een\n- Twee\nSlot."
