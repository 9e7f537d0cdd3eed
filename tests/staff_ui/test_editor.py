"""Editing logic without the UI: round trip, clean diffs, refusing invalid saves, templates."""

import datetime as dt
import difflib
import shutil

import pytest

from indexer.validate import validate_knowledge_base
from kb.settings import Settings
from staff_ui.editor import ArticleSource, new_article_text, retire_article, save_article
from tests.conftest import SHIPPED_CONTENT


@pytest.fixture
def settings(tmp_path):
    content = tmp_path / "content"
    shutil.copytree(SHIPPED_CONTENT, content)
    return Settings(content_dir=content, data_dir=tmp_path / "data")


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


def test_invalid_text_is_not_written(settings):
    path = settings.content_dir / "paspoort-aanvragen.md"
    before = path.read_text(encoding="utf-8")
    result = save_article(before.replace("## Kosten", "## Prijs"), "paspoort-aanvragen", settings)
    assert not result.saved and any("Kosten" in problem.message for problem in result.errors)
    assert path.read_text(encoding="utf-8") == before
    assert not save_article(before, "Geen Geldige Id", settings).saved


def test_new_article_from_template_is_valid_and_retiring_removes_it(settings):
    text = new_article_text("kippen-houden", "Kippen houden", "openbare_ruimte",
                            "http://standaarden.overheid.nl/owms/terms/dierenhOnth", "Bel 14 0999.", dt.date(2026, 11, 24))
    result = save_article(text, "kippen-houden", settings)
    assert result.saved, result.problems
    report = validate_knowledge_base(settings, today=dt.date(2026, 11, 24))
    assert "kippen-houden" in {article.id for article in report.articles} and report.ok
    target = retire_article("kippen-houden", settings)
    assert target.exists() and not (settings.content_dir / "kippen-houden.md").exists()
