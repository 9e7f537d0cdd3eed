"""Writing article files: invalid texts are never written, new articles from the console's
template are valid, retiring moves the file out of the content folder."""

import datetime as dt
import shutil

import pytest

from indexer.validate import validate_knowledge_base
from kb.settings import Settings
from search_api.article_files import retire_article, save_article
from staff_ui.editor import new_article_text
from tests.conftest import SHIPPED_CONTENT


@pytest.fixture
def settings(tmp_path):
    content = tmp_path / "content"
    shutil.copytree(SHIPPED_CONTENT, content)
    return Settings(content_dir=content, data_dir=tmp_path / "data")


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
