"""The search widget over real HTTP: `GET /zoeken/widget.js` with its integrity hash, cache and
CORS headers and its size budget; what `GET /search` gives the widget (the answer's title, the
notice in the asker's language, the general desk when nothing fits, narrowing to one department);
and the citizen pages' `frame-ancestors` from configuration."""

from __future__ import annotations

import base64
import gzip
import hashlib
import re

import pytest
from typer.testing import CliRunner

from kb.cli import app as cli
from search_api.web.widget import embed_lines, integrity

AMBIGUOUS = "ik wil een container"
WIDGET_BUDGET_BYTES = 20 * 1024  # JS and CSS together, gzipped


def test_the_widget_file_with_its_integrity_hash(client):
    response = client.get("/zoeken/widget.js", headers={"Origin": "https://elders.example"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/javascript")
    expected = "sha384-" + base64.b64encode(hashlib.sha384(response.content).digest()).decode()
    assert integrity() == expected
    assert response.headers["etag"] == f'"{expected}"'
    assert response.headers["cache-control"] == "public, max-age=3600"
    assert response.headers["access-control-allow-origin"] == "*"  # a public file, loaded with crossorigin=anonymous
    assert "set-cookie" not in response.headers
    again = client.get("/zoeken/widget.js", headers={"If-None-Match": response.headers["etag"]})
    assert again.status_code == 304 and not again.content


def test_the_widget_stays_small_and_asks_only_its_own_service(client):
    source = client.get("/zoeken/widget.js").text
    assert len(gzip.compress(source.encode("utf-8"), 9)) <= WIDGET_BUDGET_BYTES
    assert "adoptedStyleSheets" in source  # its CSS is inside: one file, one hash
    addresses = set(re.findall(r"https?://[^\s\"'<>)]+", source))
    assert addresses <= {"https://SERVICE/zoeken/widget.js"}, addresses  # only the example in its header comment
    for forbidden in ("document.cookie", "localStorage", "sessionStorage", "innerHTML", "eval("):
        assert forbidden not in source, forbidden


def test_kb_widget_prints_the_lines_to_embed():
    result = CliRunner().invoke(cli, ["widget", "--service", "https://zoeken.voorbeeldstad.nl/"])
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert lines == embed_lines("https://zoeken.voorbeeldstad.nl")
    assert lines[0] == (
        f'<script src="https://zoeken.voorbeeldstad.nl/zoeken/widget.js" integrity="{integrity()}" '
        'crossorigin="anonymous" defer></script>'
    )
    assert lines[1] == "<kb-zoeken></kb-zoeken>"


def test_the_answer_names_its_article(client):
    body = client.get("/search", params={"q": "wat kost een paspoort"}).json()
    article = client.get(f"/articles/{body['answer']['article_id']}").json()
    assert body["answer"]["title"] == article["title"]
    assert body["department"]["description"]
    assert body["notice"] is None and body["general_desk"] is None


def test_a_notice_in_the_askers_language_and_the_general_desk_when_nothing_fits(client):
    english = client.get("/search", params={"q": "how do I register my new address after moving"}).json()
    assert english["notice"]["lang"] == "en" and english["notice"]["dir"] == "ltr"
    general = client.get("/departments").json()
    phone = next(d for d in general if d["id"] == "klantcontact")["contact"]["phone"]
    assert english["notice"]["text"].startswith("This information is in Dutch.") and phone in english["notice"]["text"]
    off_topic = client.get("/search", params={"q": "recept appeltaart"}).json()
    assert off_topic["routing"]["status"] == "off_topic"
    assert off_topic["general_desk"]["id"] == "klantcontact" and off_topic["general_desk"]["contact"]["phone"] == phone


def test_narrowing_to_a_department(client):
    asked = client.get("/search", params={"q": AMBIGUOUS}).json()
    assert asked["routing"]["status"] == "ambiguous" and len(asked["routing"]["alternatives"]) >= 2
    for alternative in asked["routing"]["alternatives"]:
        narrowed = client.get("/search", params={"q": AMBIGUOUS, "department": alternative["id"], "limit": 20}).json()
        assert narrowed["department"]["id"] == alternative["id"]
        assert narrowed["results"], alternative
        assert {result["department_id"] for result in narrowed["results"]} == {alternative["id"]}
        assert narrowed["answer"]["article_id"] == narrowed["results"][0]["article_id"]
        assert narrowed["routing"] == asked["routing"]  # the routing decision itself is the same


@pytest.mark.parametrize(("department", "status"), [("bestaat_niet", 404), ("Burgerzaken!", 422)])
def test_narrowing_to_an_unknown_department(client, department, status):
    response = client.get("/search", params={"q": AMBIGUOUS, "department": department})
    assert response.status_code == status
    assert "detail" in response.json() and "Traceback" not in response.text
    if status == 404:
        assert response.json()["detail"] == "Afdeling 'bestaat_niet' bestaat niet."


def test_pages_may_be_framed_by_the_configured_sites_only(client, live_server):
    page = client.get("/zoeken")
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    assert "x-frame-options" not in page.headers  # the policy's frame-ancestors decides
    assert client.get("/health").headers["x-frame-options"] == "DENY"
    settings = live_server.app.state.settings
    live_server.app.state.settings = settings.model_copy(update={"frame_ancestors": ["https://www.voorbeeldstad.nl"]})
    try:
        framed = client.get("/zoeken")
    finally:
        live_server.app.state.settings = settings
    assert framed.headers["content-security-policy"].endswith("frame-ancestors https://www.voorbeeldstad.nl")
    api = client.get("/search", params={"q": "paspoort"})
    assert "frame-ancestors 'none'" in api.headers["content-security-policy"]
