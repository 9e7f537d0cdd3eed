"""The administrators' page: service state and a full re-index; not offered to other roles."""

import pytest
from streamlit.testing.v1 import AppTest

from kb.settings import PROJECT_DIR
from tests.conftest import ADMIN_TOKEN, EDITOR_TOKEN

pytestmark = pytest.mark.slow
APP = str(PROJECT_DIR / "staff_ui" / "app.py")


def signed_in(token: str) -> AppTest:
    app = AppTest.from_file(APP, default_timeout=300).run()
    app.text_input(key="token").input(token).run()
    assert not app.exception, app.exception
    return app


def test_administrator_reindexes_everything(console_env):
    app = signed_in(ADMIN_TOKEN)
    assert "Aangemeld als beheerder" in " ".join(c.value for c in app.caption)
    app.radio(key="page").set_value("Beheer").run()
    assert {m.label: m.value for m in app.metric}["Zoekdienst"] == "klaar"
    app.button(key="reindex_all").click().run()
    assert not app.exception, app.exception
    assert "ongewijzigd" in app.success[0].value


def test_editors_do_not_get_the_admin_page(console_env):
    app = signed_in(EDITOR_TOKEN)
    assert app.radio(key="page").options == ["Zoeken", "Kwaliteit", "Inzicht", "Artikelen"]
