"""The quality page: start an evaluation through the API and see its figures."""

import time

import httpx
import pytest
from streamlit.testing.v1 import AppTest

from kb.settings import PROJECT_DIR

pytestmark = pytest.mark.slow
APP = str(PROJECT_DIR / "staff_ui" / "app.py")




def test_run_evaluation_and_see_the_report(console_env, client, staff_headers):
    app = AppTest.from_file(APP, default_timeout=120).run()
    app.radio(key="page").set_value("Kwaliteit").run()
    assert not app.exception, app.exception
    app.button(key="start_eval").click().run()
    deadline = time.monotonic() + 600
    while client.get("/quality/eval", headers=staff_headers).json()["running"]:
        assert time.monotonic() < deadline, "evaluation did not finish"
        time.sleep(2)
    assert client.get("/quality/eval", headers=staff_headers).json()["error"] is None
    app.button(key="refresh_eval").click().run()
    assert not app.exception, app.exception
    labels = {metric.label: metric.value for metric in app.metric}
    assert set(labels) == {"Juiste artikel bovenaan", "Juiste artikel in top 5", "Juiste afdeling", "Onbekende vragen herkend"}
    assert float(labels["Juiste artikel in top 5"].rstrip("%")) > 80
    assert len(app.dataframe) >= 4  # per kind, per department, confusion matrix, misses
    assert httpx.get(f"{client.base_url}/quality/reports").status_code == 401
