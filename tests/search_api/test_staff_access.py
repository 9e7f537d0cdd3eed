"""Staff notes (`## Voor medewerkers`) only with a valid token; never in a public response."""

import json

import pytest

from kb.articles import parse_article
from tests.conftest import SHIPPED_CONTENT

pytestmark = pytest.mark.slow

QUESTIONS = ["paspoort kwijt", "grofvuil", "bijzondere bijstand", "huurtoeslag", "parkeervergunning", "klacht"]


def staff_sentences() -> list[str]:
    """Distinctive sentences from the staff sections of the shipped articles."""
    sentences = []
    for path in sorted(SHIPPED_CONTENT.glob("*.md")):
        staff = parse_article(path).article.staff_section
        if staff:
            sentences.extend(line for line in staff.text.split("\n") if len(line) > 40)
    return sentences


def test_staff_view_requires_a_valid_token(client):
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": "Basic abc"}):
        assert client.get("/search", params={"q": "paspoort", "view": "staff"}, headers=headers).status_code == 401
        assert client.get("/articles/paspoort-aanvragen", params={"view": "staff"}, headers=headers).status_code == 401
    assert client.get("/search", params={"q": "paspoort", "view": "geheim"}).status_code == 422


def test_staff_view_returns_the_notes(client, staff_headers):
    body = client.get("/search", params={"q": "paspoort", "view": "staff"}, headers=staff_headers).json()
    assert body["results"][0]["staff_notes"]
    detail = client.get("/articles/paspoort-aanvragen", params={"view": "staff"}, headers=staff_headers).json()
    assert detail["staff_notes"]["heading"] == "Voor medewerkers"
    assert detail["questions"] and detail["owner"]


def test_public_responses_never_contain_staff_notes(client, staff_headers):
    sentences = staff_sentences()
    assert len(sentences) > 50
    def search_without_echo(question: str) -> str:
        body = client.get("/search", params={"q": question, "limit": 20}).json()
        body.pop("query")  # the echoed question is not article content
        return json.dumps(body, ensure_ascii=False)

    public_bodies = [search_without_echo(q) for q in QUESTIONS]
    public_bodies += [search_without_echo(s[:200]) for s in sentences[:15]]
    public_bodies += [client.get(f"/articles/{a['id']}").text for a in client.get("/articles").json()]
    for body in public_bodies:
        assert "staff_notes" not in body and "Voor medewerkers" not in body
        for sentence in sentences:
            assert sentence not in body


def test_reindex_requires_the_token(client):
    assert client.post("/admin/reindex").status_code == 401
