"""The editors' page, driven with Streamlit's AppTest: edit, check, save, re-index, against the
test API and its private copy of the content."""

import difflib

import pytest
from streamlit.testing.v1 import AppTest

from kb.settings import PROJECT_DIR
from tests.conftest import EDITOR_TOKEN

pytestmark = pytest.mark.slow
APP = str(PROJECT_DIR / "staff_ui" / "app.py")
ARTICLE = "grofvuil-ophalen"
KEY = f"edit-{ARTICLE}"




@pytest.fixture
def original(api_settings, client, editor_headers):
    path = api_settings.content_dir / f"{ARTICLE}.md"
    before = path.read_text(encoding="utf-8")
    yield path, before
    if path.read_text(encoding="utf-8") != before:
        path.write_text(before, encoding="utf-8")
        client.post("/admin/reindex", json={"article_ids": [ARTICLE]}, headers=editor_headers)


def open_editor() -> AppTest:
    app = AppTest.from_file(APP, default_timeout=120).run()
    app.text_input(key="token").input(EDITOR_TOKEN).run()
    app.radio(key="page").set_value("Artikelen").run()
    app.selectbox(key="edit_id").set_value(ARTICLE).run()
    assert not app.exception, app.exception
    return app


def test_edit_check_save_reindex_round_trip(console_env, original, client):
    path, before = original
    app = open_editor()
    old_title = app.text_input(key=f"{KEY}-title").value
    app.text_input(key=f"{KEY}-title").input("Grofvuil en oude meubels laten ophalen").run()
    app.button(key=f"{KEY}-save").click().run()
    assert not app.exception, app.exception
    assert any("Opgeslagen en geïndexeerd" in message.value for message in app.success)

    changed = [line for line in difflib.ndiff(before.splitlines(), path.read_text(encoding="utf-8").splitlines()) if line[:2] in ("+ ", "- ")]
    assert changed == [f"- title: {old_title}", "+ title: Grofvuil en oude meubels laten ophalen"], "a clean one-line diff"
    assert client.get(f"/articles/{ARTICLE}").json()["title"] == "Grofvuil en oude meubels laten ophalen"
    results = client.get("/search", params={"q": "oude meubels laten ophalen"}).json()["results"]
    assert results[0]["article_id"] == ARTICLE and results[0]["title"] == "Grofvuil en oude meubels laten ophalen"


def test_invalid_article_cannot_be_saved_and_nothing_typed_is_lost(console_env, original):
    path, before = original
    app = open_editor()
    broken = app.text_area(key=f"{KEY}-body").value.replace("## Kosten", "## Prijs")
    app.text_area(key=f"{KEY}-body").input(broken).run()
    assert any("missing required section '## Kosten'" in message.value for message in app.error)
    assert app.button(key=f"{KEY}-save").disabled
    assert path.read_text(encoding="utf-8") == before
    assert app.text_area(key=f"{KEY}-body").value == broken


def test_call_centre_token_does_not_open_the_editor(console_env):
    app = AppTest.from_file(APP, default_timeout=120).run()
    assert not app.exception, app.exception
    assert app.radio(key="page").options == ["Zoeken", "Kwaliteit", "Inzicht"]


def test_editor_creates_and_retires_an_article_through_the_api(console_env, api_settings):
    new_id, uri = "kippen-houden", "http://standaarden.overheid.nl/owms/terms/dierenhOnth"
    app = AppTest.from_file(APP, default_timeout=120).run()
    app.text_input(key="token").input(EDITOR_TOKEN).run()
    app.radio(key="page").set_value("Artikelen").run()
    app.text_input(key="new_id").input(new_id)
    app.text_input(key="new_title").input("Kippen houden")
    app.selectbox(key="new_department").set_value("openbare_ruimte")
    app.selectbox(key="new_upl").set_value(uri)
    app.button(key="FormSubmitter:new_article-Aanmaken").click().run()
    assert not app.exception, app.exception
    path = api_settings.content_dir / f"{new_id}.md"
    retired = api_settings.content_dir.parent / "retired" / f"{new_id}.md"
    try:
        assert path.exists() and app.selectbox(key="edit_id").value == new_id
        app.button(key="FormSubmitter:new_article-Aanmaken").click().run()  # the same id again
        assert any(f"Er bestaat al een artikel met id '{new_id}'" in message.value for message in app.error)

        app.button(key=f"edit-{new_id}-retire").click().run()
        app.button(key=f"edit-{new_id}-retire-yes").click().run()
        assert not app.exception, app.exception
        assert not path.exists() and retired.exists()
    finally:
        path.unlink(missing_ok=True)
        retired.unlink(missing_ok=True)
