"""The call-centre page, driven with Streamlit's AppTest against the real running API."""

import pytest
from streamlit.testing.v1 import AppTest

from kb.settings import PROJECT_DIR, get_settings
from tests.conftest import STAFF_TOKEN

pytestmark = pytest.mark.slow
APP = str(PROJECT_DIR / "staff_ui" / "app.py")




def search(question: str) -> AppTest:
    app = AppTest.from_file(APP, default_timeout=60).run()
    app.text_input(key="question").input(question)
    app.button[0].click().run()
    assert not app.exception, app.exception
    return app


def test_search_shows_department_contact_answer_and_staff_notes(console_env):
    app = search("ik ben ontslagen, hoe vraag ik WW aan")
    assert "UWV" in app.success[0].value
    assert "088 898 92 94" in " ".join(m.value for m in app.markdown)
    assert app.info, "an answer passage is shown"
    assert "Voor medewerkers" in " ".join(m.value for m in app.markdown)


def test_off_topic_question_says_so(console_env):
    app = search("recept appeltaart")
    assert not app.success
    assert "weten niet zeker" in app.warning[0].value  # the results found are still listed below
    assert any("Kans dat de kennisbank over deze vraag gaat" in c.value for c in app.caption)


def test_empty_page_invites_a_question(console_env):
    app = AppTest.from_file(APP, default_timeout=60).run()
    assert not app.exception
    assert "Typ de vraag" in app.caption[0].value


def test_api_down_gives_a_clear_message(monkeypatch):
    monkeypatch.setenv("KB_API_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("KB_STAFF_TOKEN", STAFF_TOKEN)
    get_settings.cache_clear()
    try:
        app = AppTest.from_file(APP, default_timeout=60).run()
    finally:
        get_settings.cache_clear()
    assert not app.exception
    assert "niet bereikbaar" in app.error[0].value


def test_feedback_button_reaches_the_editors(console_env, client, staff_headers):
    question = "hoe vraag ik een parkeervergunning voor bewoners aan, ik woon op de gracht"
    app = search(question)
    first = app.expander[0]
    down = [button for button in first.button if button.label.endswith("Niet nuttig")][0]
    down.click().run()
    assert not app.exception, app.exception
    assert "Feedback doorgegeven: niet nuttig" in " ".join(c.value for c in app.caption)
    recent = client.get("/quality/feedback", headers=staff_headers).json()["recent"]
    record = next(row for row in recent if row["query"] == question)
    assert record["helpful"] is False and record["channel"] == "staff" and record["article_id"]
