"""The search log's tests run on both databases: a SQLite file, and a real PostgreSQL server."""

from __future__ import annotations

import pytest

from kb.settings import Settings
from tests.conftest import SHIPPED_CONTENT, make_settings


@pytest.fixture(params=["sqlite", "postgresql"])
def log_settings(request, tmp_path) -> Settings:
    """Settings of an empty search log: the default SQLite file in the data folder, or a new
    database on the test's PostgreSQL server (`KB_DATABASE_URL`)."""
    if request.param == "sqlite":
        return make_settings(tmp_path / "data", SHIPPED_CONTENT)
    url = request.getfixturevalue("postgres_server").create_database()
    return make_settings(tmp_path / "data", SHIPPED_CONTENT, database_url=url)
