"""The quality page: start an evaluation through the API and see its figures."""


import httpx
import pytest
from streamlit.testing.v1 import AppTest

from kb.questions import load_questions
from kb.settings import PROJECT_DIR
from tests.conftest import EDITOR_TOKEN, STAFF_TOKEN
from tests.staff_ui.conftest import wait_for_evaluation

pytestmark = pytest.mark.slow
APP = str(PROJECT_DIR / "staff_ui" / "app.py")




def test_run_evaluation_and_see_the_report(console_env, client, staff_headers):
    app = AppTest.from_file(APP, default_timeout=120).run()
    app.radio(key="page").set_value("Kwaliteit").run()
    assert not app.exception, app.exception
    app.button(key="start_eval").click().run()
    wait_for_evaluation(client, staff_headers)
    assert client.get("/quality/eval", headers=staff_headers).json()["error"] is None
    app.button(key="refresh_eval").click().run()
    assert not app.exception, app.exception
    labels = {metric.label: metric.value for metric in app.metric}
    assert set(labels) == {"Juiste artikel bovenaan", "Juiste artikel in top 5", "Juiste afdeling", "Onbekende vragen herkend"}
    assert float(labels["Juiste artikel in top 5"].rstrip("%")) > 80
    assert len(app.dataframe) >= 7  # targets, thresholds, per kind, per question set, per department, confusion matrix, misses
    sets = next(frame.value for frame in app.dataframe if "blinde set 2 (november 2026)" in list(frame.value.get("groep", [])))
    assert "ontwikkelset (hierop is alles afgesteld)" in list(sets["groep"])
    # the routing ceiling beside routing accuracy: never below it
    for routed, ceiling in zip(sets["juiste afdeling %"], sets["afdeling met hoogste kans juist %"]):
        assert ceiling >= routed
    targets = app.dataframe[0].value
    assert list(targets["meting"]) == ["Juiste artikel bovenaan", "Juiste artikel in top 5", "Juiste afdeling", "Onbekende vragen herkend"]
    assert set(targets["gehaald"]) <= {"ja", "nee"} and all(" tot " in margin for margin in targets["marge"])
    trade = app.dataframe[1].value  # what each threshold for "geen informatie" gives
    assert list(trade.columns) == ["drempel", "onbekende vragen herkend", "bekende vragen 'geen informatie'", "juiste afdeling"]
    assert sum(threshold.endswith("(in gebruik)") for threshold in trade["drempel"]) == 1
    told = [float(value.rstrip("%")) for value in trade["bekende vragen 'geen informatie'"]]
    assert told == sorted(told) and told[-1] > told[0]
    assert httpx.get(f"{client.base_url}/quality/reports").status_code == 401


def open_quality(token: str | None = None) -> AppTest:
    app = AppTest.from_file(APP, default_timeout=120).run()
    if token:
        app.text_input(key="token").input(token).run()
    app.radio(key="page").set_value("Kwaliteit").run()
    assert not app.exception, app.exception
    return app


def test_editor_adds_a_search_that_found_nothing_to_the_eval_set(console_env, client, api_settings):
    question = "recept voor appeltaart met kaneel"
    assert client.get("/search", params={"q": question}).json()["routing"]["status"] == "off_topic"
    app = open_quality(EDITOR_TOKEN)
    app.selectbox(key="add-unanswered-question").set_value(question)
    app.selectbox(key="add-unanswered-article").set_value("(geen: hoort niet bij ons)")
    app.button(key="add-unanswered").click().run()
    assert not app.exception, app.exception
    assert "Toegevoegd aan de evaluatieset" in app.success[0].value
    added = [q for q in load_questions(api_settings.questions_file) if q.q == question]
    assert len(added) == 1 and added[0].off_topic and added[0].kind == "off_topic" and added[0].source == "console"


def test_call_centre_staff_see_the_lists_but_cannot_change_the_eval_set(console_env, client):
    assert client.get("/search", params={"q": "recept voor appeltaart met slagroom"}).json()["routing"]["status"] == "off_topic"
    app = open_quality()
    assert "Alleen redacteuren" in " ".join(c.value for c in app.caption)
    assert not [b for b in app.button if b.key == "add-unanswered"]


def test_a_missed_question_opens_its_article_and_the_editor(console_env, client, staff_headers, eval_report):
    app = open_quality(EDITOR_TOKEN)
    failure = app.selectbox(key="failure")
    expected_id = client.get(f"/quality/reports/{eval_report}", headers=staff_headers).json()["failures"][failure.value]["expected"]
    article_id = expected_id[0] if expected_id else None
    if article_id is None:  # an off-topic miss: open what came back instead
        article_id = next(b.key for b in app.button if b.key.startswith("open-got-")).removeprefix("open-got-")
        app.button(key=f"open-got-{article_id}").click().run()
    else:
        app.button(key=f"open-expected-{article_id}").click().run()
    assert not app.exception, app.exception
    title = client.get(f"/articles/{article_id}").json()["title"]
    assert title in " ".join(m.value for m in app.markdown)
    app.button(key="edit-opened").click().run()
    assert not app.exception, app.exception
    assert app.radio(key="page").value == "Artikelen"
    assert app.selectbox(key="edit_id").value == article_id
    assert app.text_input(key=f"edit-{article_id}-title").value == title


def test_staff_see_how_real_searches_ended_since_the_start(console_env, client):
    assert client.get("/search", params={"q": "ik wil mijn paspoort verlengen"}).json()["routing"]["status"] == "routed"
    assert client.get("/search", params={"q": "recept voor appeltaart met rozijnen"}).json()["routing"]["status"] == "off_topic"
    app = open_quality()
    live = next(frame.value for frame in app.dataframe if "uitkomst" in frame.value.columns)
    shares = dict(zip(live["uitkomst"], live["aantal"]))
    assert list(shares) == ["naar een afdeling gestuurd", "'bedoelt u ...?' gevraagd", "'geen informatie' gezegd", "niets gevonden"]
    assert shares["naar een afdeling gestuurd"] >= 1 and shares["'geen informatie' gezegd"] >= 1
    assert abs(sum(live["deel %"]) - 100) < 0.5


def test_staff_download_the_search_log_of_a_period(console_env, client):
    from staff_ui.api_client import ApiClient

    ApiClient(client.base_url, STAFF_TOKEN).search("ik wil mijn paspoort verlengen voor de vakantie")  # as the console asks
    app = open_quality()
    app.button(key="fetch-log").click().run()
    assert not app.exception, app.exception
    assert "zoekvragen van" in " ".join(c.value for c in app.caption)
    [download] = app.get("download_button")
    assert download.proto.label == "Download CSV"
    export = client.get("/quality/searches.csv", headers={"Authorization": f"Bearer {STAFF_TOKEN}"}).text
    assert "ik wil mijn paspoort verlengen voor de vakantie,ik wil mijn paspoort verlengen voor de vakantie,nl,console," in export
