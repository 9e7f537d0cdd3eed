"""Editing logic without the UI: round trip, clean diffs, templates."""

import difflib

from staff_ui.editor import ArticleSource
from tests.conftest import SHIPPED_CONTENT


def test_every_shipped_article_round_trips_byte_for_byte():
    for path in sorted(SHIPPED_CONTENT.glob("*.md")):
        text = path.read_text(encoding="utf-8")
        assert ArticleSource.parse(text).text() == text, path.name


def test_changing_fields_changes_only_their_lines():
    text = (SHIPPED_CONTENT / "paspoort-aanvragen.md").read_text(encoding="utf-8")
    source = ArticleSource.parse(text)
    source.update(title="Paspoort aanvragen of verlengen", keywords=[*source.front["keywords"], "reisdocument"],
                  reviewed=source.front["reviewed"])
    diff = [line for line in difflib.ndiff(text.splitlines(), source.text().splitlines()) if line[:2] in ("+ ", "- ")]
    assert diff == ["- title: Paspoort aanvragen", "+ title: Paspoort aanvragen of verlengen", "+   - reisdocument"]
