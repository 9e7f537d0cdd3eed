"""No personal data in log lines: access lines without query string or client address, every other
line redacted. The last test starts the real API with `kb serve` and searches with personal data."""

from __future__ import annotations

import logging
import os
import re
import subprocess
import sys
import time

import httpx
import pytest

from kb.settings import PROJECT_DIR
from search_api.logging_setup import AccessLogFilter, RedactingFilter
from tests.conftest import ADMIN_TOKEN, EDITOR_TOKEN, SHIPPED_CONTENT, STAFF_TOKEN, free_port

ACCESS_FORMAT = '%s - "%s %s HTTP/%s" %d'  # uvicorn's access record
PERSONAL = {
    "bsn": "158813996",
    "iban": "NL62RBRB4535577879",
    "telefoon": "06-41235577",
    "e-mail": "jan.jansen@example.nl",
}


def record(name: str, msg: str, args: tuple, exc_info=None) -> logging.LogRecord:
    return logging.LogRecord(name, logging.INFO, __file__, 1, msg, args, exc_info)


def test_access_lines_keep_the_path_without_query_string_or_client():
    line = record("uvicorn.access", ACCESS_FORMAT, ("10.1.2.3:51234", "GET", "/search?q=bsn+158813996&view=staff", "1.1", 200))
    assert AccessLogFilter().filter(line)
    assert line.getMessage() == '- - "GET /search HTTP/1.1" 200'


def test_personal_data_in_an_access_path_is_redacted():
    line = record("uvicorn.access", ACCESS_FORMAT, ("10.1.2.3:51234", "GET", "/articles/158813996", "1.1", 404))
    AccessLogFilter().filter(line)
    assert line.getMessage() == '- - "GET /articles/[bsn] HTTP/1.1" 404'


def test_other_lines_and_their_tracebacks_are_redacted():
    try:
        raise ValueError(f"geen resultaat voor {PERSONAL['telefoon']}")
    except ValueError:
        line = record("search_api.engine", "Search %r failed for %s", ("mail jan.jansen@example.nl", "bsn 158813996"), sys.exc_info())
    assert RedactingFilter().filter(line)
    assert line.getMessage() == "Search 'mail [e-mail]' failed for bsn [bsn]"
    assert "ValueError: geen resultaat voor [telefoon]" in line.exc_text
    assert PERSONAL["telefoon"] not in logging.Formatter().format(line)


def test_the_log_config_puts_a_filter_on_every_handler():
    """In a fresh interpreter (the test process keeps its own logging): messages of the app, of
    uvicorn and of other libraries are redacted; access lines lose query string and client."""
    script = (
        "import logging, logging.config\n"
        "from search_api.logging_setup import log_config\n"
        "logging.config.dictConfig(log_config())\n"
        "logging.getLogger('search_api.engine').info('vraag: %s', 'mijn bsn is 158813996')\n"
        "logging.getLogger('uvicorn.error').warning('van 06-41235577')\n"
        "logging.getLogger('httpx').info('HTTP Request: GET /search?q=NL62RBRB4535577879')\n"
        "logging.getLogger('uvicorn.access').info("
        "'%s - \"%s %s HTTP/%s\" %d', '10.1.2.3:5000', 'GET', '/search?q=jan.jansen%40example.nl', '1.1', 200)\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=PROJECT_DIR, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "search_api.engine: vraag: mijn bsn is [bsn]" in result.stderr
    assert "uvicorn.error: van [telefoon]" in result.stderr
    assert "httpx: HTTP Request: GET /search?q=[iban]" in result.stderr
    assert 'uvicorn.access: - - "GET /search HTTP/1.1" 200' in result.stdout
    assert_no_personal_data(result.stdout + result.stderr)


def assert_no_personal_data(output: str) -> None:
    for kind, value in PERSONAL.items():
        for form in {value, value.replace("-", ""), value.split("@")[0]}:
            assert form not in output, f"{kind} {form!r} was logged"
    assert "10.1.2.3" not in output


@pytest.fixture
def small_content(tmp_path):
    content = tmp_path / "content"
    content.mkdir()
    for article_id in ("paspoort-aanvragen", "grofvuil-ophalen", "huurtoeslag"):
        text = (SHIPPED_CONTENT / f"{article_id}.md").read_text(encoding="utf-8")
        # Links to articles outside this small set would (rightly) fail validation.
        (content / f"{article_id}.md").write_text(re.sub(r"\[([^\]]+)\]\([^)]+\.md\)", r"\1", text), encoding="utf-8")
    return content


@pytest.mark.slow
def test_kb_serve_logs_no_personal_data(tmp_path, small_content):
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "KB_DATA_DIR": str(tmp_path / "data"),
        "KB_CONTENT_DIR": str(small_content),
        "KB_STAFF_TOKEN": STAFF_TOKEN,
        "KB_EDITOR_TOKEN": EDITOR_TOKEN,
        "KB_ADMIN_TOKEN": ADMIN_TOKEN,
    }
    stdout, stderr = tmp_path / "stdout.txt", tmp_path / "stderr.txt"
    with stdout.open("w") as out, stderr.open("w") as err:
        process = subprocess.Popen(
            [sys.executable, "-m", "kb.cli", "serve", "--port", str(port)], env=env, cwd=PROJECT_DIR, stdout=out, stderr=err
        )
        try:
            wait_until_ready(url, process, stderr)
            with httpx.Client(base_url=url, timeout=60) as client:
                for value in PERSONAL.values():
                    assert client.get("/search", params={"q": f"mijn gegevens: {value}"}).status_code == 200
                    client.get("/search", params={"q": value, "view": "staff"}, headers={"Authorization": f"Bearer {STAFF_TOKEN}"})
                assert client.get(f"/articles/{PERSONAL['bsn']}").status_code == 404
                client.get("/search", params={"q": "x" * 600 + PERSONAL["iban"]})  # refused (too long): 422
        finally:
            process.terminate()
            process.wait(timeout=60)
    logged = stdout.read_text(encoding="utf-8") + stderr.read_text(encoding="utf-8")
    access = [line for line in logged.splitlines() if "uvicorn.access" in line]
    assert sum('"GET /search HTTP/1.1" 200' in line for line in access) == 2 * len(PERSONAL), logged
    assert any('"GET /articles/[bsn] HTTP/1.1" 404' in line for line in access), logged
    assert any('"GET /search HTTP/1.1" 422' in line for line in access), logged
    assert not any("127.0.0.1" in line for line in access), access
    assert_no_personal_data(logged)


def wait_until_ready(url: str, process: subprocess.Popen, stderr) -> None:
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"kb serve stopped: {stderr.read_text(encoding='utf-8')}")
        try:
            if httpx.get(f"{url}/health", timeout=5).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.5)
    raise TimeoutError("kb serve did not become ready")
