"""Shared fixtures: a copy of the shipped knowledge base, indexed once per test session with
the real default model into a real embedded Qdrant, served by the real API over HTTP."""

from __future__ import annotations

import re
import shutil
import socket
import threading
import time
from pathlib import Path

import httpx
import pytest
import uvicorn

from kb.environment import apply_defaults
from kb.settings import PROJECT_DIR, Settings

STAFF_TOKEN = "test-staff-token"
EDITOR_TOKEN = "test-editor-token"
ADMIN_TOKEN = "test-admin-token"
SHIPPED_CONTENT = PROJECT_DIR / "kb" / "content"


ALLOWED_ORIGIN = "https://www.voorbeeldstad.nl"


def pytest_configure(config) -> None:
    apply_defaults()  # as every entry point does, before the test modules import the libraries that read it


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


#: The municipality's web site in the widget's browser test: another origin on the loopback network
WIDGET_HOST = "127.0.0.2"
WIDGET_HOST_PORT = free_port(WIDGET_HOST)
WIDGET_HOST_ORIGIN = f"http://{WIDGET_HOST}:{WIDGET_HOST_PORT}"
#: The test API serves every test from one address, far more often than one citizen asks: its rate
#: limits are raised (tests/search_api/test_rate_limits.py checks the configured ones), and a
#: body that does not arrive is given up on sooner than the default.
TEST_LIMITS = dict(
    rate_limit_search="100000/minute",
    rate_limit_suggest="100000/minute",
    rate_limit_feedback="100000/minute",
    rate_limit_unanswered="100000/minute",
    rate_limit_clicks="100000/minute",
    body_timeout_seconds=2.0,
    allowed_origins=[ALLOWED_ORIGIN, WIDGET_HOST_ORIGIN],
)


def small_content(folder: Path, article_ids) -> Path:
    """A content folder of some shipped articles, their links to other articles made plain text
    (so that they validate without them)."""
    folder.mkdir(parents=True)
    for article_id in article_ids:
        text = (SHIPPED_CONTENT / f"{article_id}.md").read_text(encoding="utf-8")
        (folder / f"{article_id}.md").write_text(re.sub(r"\[([^\]]+)\]\([^)]+\.md\)", r"\1", text), encoding="utf-8")
    return folder


def make_settings(data_dir: Path, content_dir: Path, **overrides) -> Settings:
    return Settings(
        data_dir=data_dir,
        content_dir=content_dir,
        staff_token=STAFF_TOKEN,
        editor_token=EDITOR_TOKEN,
        admin_token=ADMIN_TOKEN,
        **{**TEST_LIMITS, **overrides},
    )


class LiveServer:
    """The real app in uvicorn on a free port, in a background thread."""

    def __init__(self, settings: Settings):
        from search_api.app import create_app
        from search_api.server import server_config

        self.settings = settings
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.app = create_app(settings)
        config = server_config(self.app, settings, host="127.0.0.1", port=self.port, log_level="warning")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def start(self, timeout: float = 600) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                response = httpx.get(f"{self.url}/health", timeout=5)
                if response.status_code == 200:
                    return self
                if response.json().get("status") == "error":
                    raise RuntimeError(f"API failed to start: {response.json()}")
            except httpx.TransportError:
                pass
            time.sleep(0.5)
        raise TimeoutError("API did not become ready")

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=30)


@pytest.fixture(scope="session")
def content_copy(tmp_path_factory) -> Path:
    """A private copy of the shipped articles that tests may edit."""
    target = tmp_path_factory.mktemp("content") / "content"
    shutil.copytree(SHIPPED_CONTENT, target)
    return target


@pytest.fixture(scope="session")
def questions_copy(tmp_path_factory) -> Path:
    """A private copy of the evaluation set that tests may add to."""
    target = tmp_path_factory.mktemp("eval") / "questions.yaml"
    shutil.copy(PROJECT_DIR / "eval" / "questions.yaml", target)
    return target


@pytest.fixture(scope="session")
def api_settings(tmp_path_factory, content_copy, questions_copy) -> Settings:
    return make_settings(tmp_path_factory.mktemp("data"), content_copy, questions_file=questions_copy)


@pytest.fixture(scope="session")
def live_server(api_settings) -> LiveServer:
    """A running API over the whole shipped knowledge base (index built at start)."""
    server = LiveServer(api_settings).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def live_api(live_server) -> str:
    """Base URL of the running API."""
    return live_server.url


@pytest.fixture(scope="session")
def client(live_api) -> httpx.Client:
    with httpx.Client(base_url=live_api, timeout=60) as http:
        yield http


@pytest.fixture(scope="session")
def staff_headers() -> dict[str, str]:
    return {"Authorization": f"Bearer {STAFF_TOKEN}"}


@pytest.fixture(scope="session")
def editor_headers() -> dict[str, str]:
    return {"Authorization": f"Bearer {EDITOR_TOKEN}"}


@pytest.fixture(scope="session")
def admin_headers() -> dict[str, str]:
    return {"Authorization": f"Bearer {ADMIN_TOKEN}"}


@pytest.fixture(scope="session")
def postgres_server():
    """A throw-away PostgreSQL server (`tests/postgres.py`); `.create_database()` gives the URL of a new database."""
    from tests.postgres import PostgresServer, postgres_binaries

    binaries = postgres_binaries()
    if binaries is None:
        pytest.skip("PostgreSQL is not installed: `make test` installs Debian's postgresql package (make postgresql)")
    server = PostgresServer(binaries).start()
    yield server
    server.stop()
