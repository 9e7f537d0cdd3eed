import pytest

from kb.settings import get_settings
from tests.conftest import ADMIN_TOKEN, EDITOR_TOKEN, STAFF_TOKEN


@pytest.fixture
def console_env(live_api, api_settings, monkeypatch):
    """The console pointed at the test API, with both roles' tokens and the API's content copy."""
    monkeypatch.setenv("KB_API_URL", live_api)
    monkeypatch.setenv("KB_STAFF_TOKEN", STAFF_TOKEN)
    monkeypatch.setenv("KB_EDITOR_TOKEN", EDITOR_TOKEN)
    monkeypatch.setenv("KB_ADMIN_TOKEN", ADMIN_TOKEN)
    monkeypatch.setenv("KB_CONTENT_DIR", str(api_settings.content_dir))
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()
