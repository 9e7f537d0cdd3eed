"""The page Inzicht, with Streamlit's AppTest against the real API: the figures of the last seven
days, the questions grouped by meaning, and from a gap the two actions of the editors: its
questions into the evaluation set, or a new article with them as example questions."""

from __future__ import annotations

import pytest
import yaml
from streamlit.testing.v1 import AppTest

from kb.questions import load_questions
from kb.settings import PROJECT_DIR
from tests.conftest import EDITOR_TOKEN

pytestmark = pytest.mark.slow
APP = str(PROJECT_DIR / "staff_ui" / "app.py")


def ask(client, questions: dict[str, int]) -> None:
    for question, times in questions.items():
        for _ in range(times):
            assert client.get("/search", params={"q": question}).json()["routing"]["status"] == "off_topic", question


def open_insight(token: str | None = None) -> AppTest:
    app = AppTest.from_file(APP, default_timeout=180).run()
    if token:
        app.text_input(key="token").input(token).run()
    app.radio(key="page").set_value("Inzicht").run()
    assert not app.exception, app.exception
    return app


def choose_gap(app: AppTest, question: str) -> None:
    gaps = app.selectbox(key="insight-gap")
    gaps.set_value(next(i for i, option in enumerate(gaps.options) if option.startswith(f"{question} ("))).run()
    assert not app.exception, app.exception


def test_staff_see_the_figures_and_the_groups_but_change_nothing(console_env, client):
    ask(client, {"voetbaluitslagen van vandaag": 4, "uitslagen voetbal vandaag": 2})
    app = open_insight()
    assert app.title[0].value == "Inzicht"
    labels = [metric.label for metric in app.metric]
    assert labels[:3] == ["Zoekvragen", "Gemiddeld per dag", "Een resultaat geopend"]
    assert labels[3:] == ["naar een afdeling", "'bedoelt u ...?'", "'geen informatie'", "niets gevonden"]
    assert [header.value for header in app.subheader] == [
        "Zoekvragen per dag", "Hoe de zoekvragen afliepen", "Afdelingen", "Meest gestelde vragen", "Waar informatie ontbreekt",
        "Doorklikken per artikel", "Feedback per artikel",
    ]
    groups = next(frame.value for frame in app.dataframe if "vormen" in frame.value.columns)
    football = groups[groups["vraag"] == "voetbaluitslagen van vandaag"].iloc[0]
    assert football["zoekvragen"] >= 6 and "uitslagen voetbal vandaag" in football["ook gesteld als"]
    assert football["geen antwoord %"] == 100 and football["afdeling"] == "(geen)"
    choose_gap(app, "voetbaluitslagen van vandaag")
    assert "“uitslagen voetbal vandaag”" in " ".join(m.value for m in app.markdown)
    assert "Alleen redacteuren" in " ".join(c.value for c in app.caption)
    assert not [button for button in app.button if button.key and button.key.startswith("insight-gap-")]

    app.date_input(key="insight-since").set_value(app.date_input(key="insight-until").value).run()
    assert not app.exception, app.exception
    assert app.metric[1].label == "Gemiddeld per dag" and app.metric[0].value == app.metric[1].value  # one day


def test_an_editor_adds_the_questions_of_a_gap_to_the_eval_set(console_env, client, api_settings):
    ask(client, {"lotto uitslag": 2, "uitslag lotto": 1})
    app = open_insight(EDITOR_TOKEN)
    choose_gap(app, "lotto uitslag")
    app.selectbox(key="insight-gap-article").set_value("(geen: hoort niet bij ons)")
    app.button(key="insight-gap-add").click().run()
    assert not app.exception, app.exception
    assert app.success[0].value.startswith("2 vragen toegevoegd aan de evaluatieset")
    added = {q.q: q for q in load_questions(api_settings.questions_file) if q.q in ("lotto uitslag", "uitslag lotto")}
    assert set(added) == {"lotto uitslag", "uitslag lotto"}
    assert all(q.off_topic and q.kind == "off_topic" and q.source == "console" for q in added.values())
    app.button(key="insight-gap-add").click().run()  # again: nothing twice
    assert "0 vragen toegevoegd aan de evaluatieset. 2 stonden er al in." in app.success[0].value


def test_an_editor_starts_a_new_article_from_a_gap(console_env, client, api_settings):
    ask(client, {"treintijden naar utrecht": 2, "trein naar utrecht tijden": 1})
    app = open_insight(EDITOR_TOKEN)
    choose_gap(app, "treintijden naar utrecht")
    app.button(key="insight-gap-article-new").click().run()
    assert not app.exception, app.exception
    assert app.radio(key="page").value == "Artikelen"
    assert app.text_area(key="new_questions").value.splitlines() == ["treintijden naar utrecht", "trein naar utrecht tijden"]
    new_id = "treinreizen-utrecht"
    app.text_input(key="new_id").input(new_id)
    app.text_input(key="new_title").input("Treinreizen naar Utrecht")
    app.selectbox(key="new_department").set_value("openbare_ruimte")
    app.button(key="FormSubmitter:new_article-Aanmaken").click().run()
    assert not app.exception, app.exception
    path = api_settings.content_dir / f"{new_id}.md"
    try:
        assert path.exists() and app.selectbox(key="edit_id").value == new_id
        front = yaml.safe_load(path.read_text(encoding="utf-8").split("---")[1])
        # the citizens' questions first, completed from the template up to three
        assert front["questions"] == ["treintijden naar utrecht", "trein naar utrecht tijden",
                                      "Hoe vraag ik treinreizen naar utrecht aan?"]
        assert app.text_area(key="new_questions").value == "", "the next new article starts empty"
    finally:
        app.button(key=f"edit-{new_id}-retire").click().run()
        app.button(key=f"edit-{new_id}-retire-yes").click().run()
    assert not path.exists()
