"""One input policy at the edge, over real HTTP: characters no citizen types, numbers JSON cannot
hold, blank and loosely typed fields, sizes, slow bodies, and the headers every answer carries."""

from __future__ import annotations

import socket
import stat
import time

import httpx
import pytest

from tests.conftest import ALLOWED_ORIGIN

pytestmark = pytest.mark.slow


def raw_request(url: str, data: bytes, timeout: float = 15) -> bytes:
    """Send bytes as they are; the answer's head and body (by its Content-Length)."""
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=timeout) as sock:
        try:
            sock.sendall(data)
        except OSError:
            pass  # the server may answer and close before all is sent; what it answered is read below
        received = b""
        try:
            while True:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                received += chunk
                head, _, body = received.partition(b"\r\n\r\n")
                length = next((int(line.split(b":")[1]) for line in head.lower().split(b"\r\n")
                               if line.startswith(b"content-length:")), None)
                if length is not None and len(body) >= length:
                    break
        except (TimeoutError, ConnectionResetError):
            pass
    return received


def status_of(raw: bytes) -> int:
    return int(raw.split(b" ", 2)[1])


@pytest.mark.parametrize("bad", ["\uffff", "\x00", "\x1b[31m", "\x85", "\x9f", "\ufdd0"])
def test_characters_no_citizen_types_are_refused_with_a_reason(client, bad):
    response = client.get("/search", params={"q": f"paspoort{bad}aanvragen"})
    assert response.status_code == 422
    assert "teken dat niet is toegestaan" in response.json()["detail"]


def test_invalid_utf8_and_lone_surrogates_are_refused(client, live_api):
    assert client.get("/search?q=paspoort%ED%A0%80").status_code == 422
    assert client.get("/search?q=%FF%FE").status_code == 422
    body = b'{"query": "paspoort \\ud800", "helpful": true}'
    response = client.post("/feedback", content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 422 and "U+D800" in response.json()["detail"]


def test_text_is_normalised_to_one_form(client):
    decomposed = client.get("/search", params={"q": "cafe\u0301 terras"}).json()
    assert decomposed["query"] == "caf\u00e9 terras"


@pytest.mark.parametrize("number", ["NaN", "Infinity", "-Infinity", "1e309", "-1e400"])
@pytest.mark.parametrize("path", ["/feedback", "/admin/reindex", "/quality/questions"])
def test_numbers_json_cannot_hold_are_422_not_500(client, admin_headers, path, number):
    body = f'{{"query": "paspoort", "q": "paspoort", "helpful": {number}, "article_ids": [{number}], "kind": {number}}}'
    response = client.post(path, content=body, headers={"Content-Type": "application/json", **admin_headers})
    assert response.status_code == 422, response.text
    assert response.json()["detail"]


@pytest.mark.parametrize(
    "body, field",
    [
        ({"query": "   ", "helpful": True}, "query"),
        ({"query": "paspoort", "helpful": "yes"}, "helpful"),
        ({"query": "paspoort", "helpful": 0}, "helpful"),
        ({"query": "paspoort", "helpful": True, "article_id": "../../etc/passwd"}, "article_id"),
        ({"query": "paspoort", "helpful": True, "extra": 1}, "extra"),
        ("geen json", "JSON"),
    ],
)
def test_feedback_is_as_strict_as_search(client, body, field):
    if isinstance(body, str):
        response = client.post("/feedback", content=body, headers={"Content-Type": "application/json"})
    else:
        response = client.post("/feedback", json=body)
    assert response.status_code == 422
    assert field in response.json()["detail"]


@pytest.mark.parametrize("path", ["/quality/feedback", "/quality/unanswered"])
@pytest.mark.parametrize("limit", [-1, 0, 10_000_000])
def test_lists_refuse_a_limit_out_of_range(client, staff_headers, path, limit):
    assert client.get(path, params={"limit": limit}, headers=staff_headers).status_code == 422


def test_a_body_over_the_limit_is_413(client, api_settings):
    big = {"query": "paspoort", "helpful": True, "comment": "x" * (api_settings.max_body_bytes + 1)}
    response = client.post("/feedback", json=big)
    assert response.status_code == 413 and "te groot" in response.json()["detail"]


def test_a_body_that_never_arrives_is_408(live_api, api_settings):
    head = b"POST /feedback HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"query\""
    started = time.monotonic()
    answer = raw_request(live_api, head, timeout=api_settings.body_timeout_seconds + 10)
    assert status_of(answer) == 408
    assert time.monotonic() - started < api_settings.body_timeout_seconds + 5


@pytest.mark.parametrize("size", [9_000, 2_000_000])
def test_a_long_url_is_414(live_api, size):
    answer = raw_request(live_api, b"GET /search?q=" + b"a" * size + b" HTTP/1.1\r\nHost: x\r\n\r\n")
    assert status_of(answer) == 414
    assert "te lang" in answer.decode("utf-8", "replace")


@pytest.mark.parametrize("size", [20_000, 500_000])
def test_large_headers_are_431(live_api, size):
    answer = raw_request(live_api, b"GET /health HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * size + b"\r\n\r\n")
    assert status_of(answer) == 431


def test_every_answer_carries_the_security_headers(client, staff_headers):
    for response in (
        client.get("/search", params={"q": "paspoort"}),
        client.get("/search", params={"q": "\x00"}),
        client.get("/articles/bestaat-niet"),
        client.get("/quality/unanswered", headers=staff_headers),
        client.get("/openapi.json"),
    ):
        headers = response.headers
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["referrer-policy"] == "no-referrer"
        assert "frame-ancestors 'none'" in headers["content-security-policy"]
        assert headers["cache-control"] == "no-store"
        assert "server" not in headers


def test_the_api_documentation_works_offline(client):
    for page, asset in (("/docs", "swagger-ui-bundle.js"), ("/redoc", "redoc.standalone.js")):
        response = client.get(page)
        assert response.status_code == 200
        assert "cdn" not in response.text.lower() and "https://" not in response.text
        policy = response.headers["content-security-policy"]
        assert "script-src 'self'" in policy and "unsafe-inline" not in policy.split("script-src")[1].split(";")[0]
        script = client.get(f"/docs-assets/{asset}")
        assert script.status_code == 200 and len(script.content) > 100_000
        assert "max-age" in script.headers["cache-control"]


def test_only_the_public_endpoints_are_open_to_the_municipal_site(client, staff_headers):
    allowed = client.get("/search", params={"q": "paspoort"}, headers={"Origin": ALLOWED_ORIGIN})
    assert allowed.headers["access-control-allow-origin"] == ALLOWED_ORIGIN
    other = client.get("/search", params={"q": "paspoort"}, headers={"Origin": "https://kwaadwillend.example"})
    assert "access-control-allow-origin" not in other.headers
    preflight = client.options(
        "/feedback", headers={"Origin": ALLOWED_ORIGIN, "Access-Control-Request-Method": "POST",
                              "Access-Control-Request-Headers": "content-type"},
    )
    assert preflight.status_code == 200 and preflight.headers["access-control-allow-origin"] == ALLOWED_ORIGIN
    for path, method, headers in (("/search", "GET", "x-kb-channel"), ("/clicks", "POST", "content-type")):
        preflight = client.options(path, headers={"Origin": ALLOWED_ORIGIN, "Access-Control-Request-Method": method,
                                                  "Access-Control-Request-Headers": headers})
        assert preflight.status_code == 200 and preflight.headers["access-control-allow-origin"] == ALLOWED_ORIGIN
    staff_page = client.get("/quality/unanswered", headers={"Origin": ALLOWED_ORIGIN, **staff_headers})
    assert "access-control-allow-origin" not in staff_page.headers


def test_what_citizens_wrote_is_readable_by_the_service_only(client, api_settings, staff_headers):
    assert client.post("/feedback", json={"query": "paspoort kwijt", "helpful": False}).status_code == 201
    client.get("/search", params={"q": "recept voor stoofpeer met rode wijn"})
    client.get("/quality/unanswered", headers=staff_headers)  # written by now
    assert stat.S_IMODE(api_settings.data_dir.stat().st_mode) == 0o700
    files = list(api_settings.data_dir.glob("search-log.sqlite*"))
    assert api_settings.data_dir / "search-log.sqlite" in files
    for path in files:  # the database and its -wal and -shm files
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path


def test_a_poisoned_question_cannot_reach_the_evaluation_set(client, editor_headers, api_settings):
    before = api_settings.questions_file.read_bytes()
    for bad in ("\uffff", "\x85", "\x7f"):
        response = client.post(
            "/quality/questions", json={"q": f"paspoort{bad}", "expected": [], "kind": "off_topic"}, headers=editor_headers,
        )
        assert response.status_code == 422
    assert api_settings.questions_file.read_bytes() == before


def test_refusals_never_echo_what_was_sent(client):
    response = client.post("/feedback", json={"query": "mijn bsn is 111222333", "helpful": "ja"})
    assert response.status_code == 422 and "111222333" not in response.text


def test_an_http_client_sees_the_same_limits(live_api):
    with httpx.Client(base_url=live_api, timeout=30) as http:
        assert http.get("/search", params={"q": "a" * 20_000}).status_code == 414
