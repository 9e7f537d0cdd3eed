"""The article editor and life events: adding, changing and removing them changes only their line."""

import difflib

import pytest

from kb.articles import parse_article_text
from staff_ui.editor import ArticleSource
from tests.conftest import SHIPPED_CONTENT
from tests.staff_ui.test_articles_page import ARTICLE, KEY, open_editor


def changed_lines(before: str, after: str) -> list[str]:
    return [line for line in difflib.ndiff(before.splitlines(), after.splitlines()) if line[:2] in ("+ ", "- ")]


@pytest.mark.parametrize("article_id", ["paspoort-aanvragen", "bezwaar-maken"])  # audience on one line, and as a list
def test_adding_life_events_writes_one_line_after_audience(article_id):
    path = SHIPPED_CONTENT / f"{article_id}.md"
    text = path.read_text(encoding="utf-8")
    source = ArticleSource.parse(text)
    source.update(life_events=["verhuizen", "nieuw-in-nederland"], owner=source.front["owner"])
    assert changed_lines(text, source.text()) == ["+ life_events: [verhuizen, nieuw-in-nederland]"]
    result = parse_article_text(source.text(), path)
    assert result.problems == [] and result.article.meta.life_events == ["verhuizen", "nieuw-in-nederland"]


def test_an_article_without_life_events_is_left_alone():
    text = (SHIPPED_CONTENT / "paspoort-aanvragen.md").read_text(encoding="utf-8")
    source = ArticleSource.parse(text)
    source.update(life_events=[])
    assert source.text() == text


def test_changing_and_removing_life_events_keeps_the_line_in_place():
    text = (SHIPPED_CONTENT / "verhuizing-doorgeven.md").read_text(encoding="utf-8")
    source = ArticleSource.parse(text)
    source.update(life_events=["verhuizen", "overlijden"])
    assert changed_lines(text, source.text()) == [
        "- life_events: [verhuizen, trouwen-en-samenwonen, uit-elkaar-gaan]",
        "+ life_events: [verhuizen, overlijden]",
    ]
    source.update(life_events=[])
    assert changed_lines(text, source.text())[1] == "+ life_events: []"
    assert parse_article_text(source.text(), SHIPPED_CONTENT / "verhuizing-doorgeven.md").problems == []


@pytest.fixture
def restored(api_settings, client, editor_headers):
    """The test API's copy of the article, put back (and re-indexed) afterwards."""
    path = api_settings.content_dir / f"{ARTICLE}.md"
    before = path.read_text(encoding="utf-8")
    yield path, before
    if path.read_text(encoding="utf-8") != before:
        path.write_text(before, encoding="utf-8")
        client.post("/admin/reindex", json={"article_ids": [ARTICLE]}, headers=editor_headers)


@pytest.mark.slow
def test_the_editor_page_chooses_life_events_from_the_list(console_env, restored):
    path, before = restored
    app = open_editor()
    choice = app.multiselect(key=f"{KEY}-life-events")
    assert choice.value == ["verhuizen", "afval-en-buurt"]
    assert "Een kind krijgen" in choice.options  # shown by title
    choice.set_value(["afval-en-buurt"]).run()
    app.button(key=f"{KEY}-save").click().run()
    assert not app.exception, app.exception
    assert any("Opgeslagen en geïndexeerd" in message.value for message in app.success)
    assert changed_lines(before, path.read_text(encoding="utf-8")) == [
        "- life_events: [verhuizen, afval-en-buurt]",
        "+ life_events: [afval-en-buurt]",
    ]
