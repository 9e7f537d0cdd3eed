"""GET /suggest over real HTTP: the contract, the limit, 422 on an empty query, and an article
added through POST /admin/reindex suggested at once (its staff notes not)."""

import pytest

from tests.kb.test_articles import VALID

pytestmark = pytest.mark.slow

NEW_ARTICLE = (
    VALID.replace("id: voorbeeld", "id: bijen-houden")
    .replace("title: Voorbeeld aanvragen", "title: Bijenkast op uw balkon")
    .replace("department: burgerzaken", "department: openbare_ruimte")
    .replace("terms/paspoort", "terms/dierenhOnth")  # the passport product already has its main article
    .replace("keywords: [voorbeeld]", "keywords: [imker, honingbijen]")
)


def test_suggest_contract(client):
    response = client.get("/suggest", params={"q": "paspoord"})  # no token: public
    assert response.status_code == 200
    body = response.json()
    assert body["query"] == "paspoord"
    assert 1 <= len(body["suggestions"]) <= 8
    assert body["suggestions"][0] == {
        "text": "Paspoort aanvragen", "kind": "title", "article_id": "paspoort-aanvragen", "title": "Paspoort aanvragen",
    }
    assert {suggestion["kind"] for suggestion in body["suggestions"]} <= {"title", "keyword", "question"}
    assert "/suggest" in client.get("/openapi.json").json()["paths"]


def test_suggest_limit(client):
    assert len(client.get("/suggest", params={"q": "parkeer"}).json()["suggestions"]) == 8
    assert len(client.get("/suggest", params={"q": "parkeer", "limit": 3}).json()["suggestions"]) == 3
    for limit in (0, 9):
        assert client.get("/suggest", params={"q": "parkeer", "limit": limit}).status_code == 422


@pytest.mark.parametrize("params", [{}, {"q": ""}, {"q": "   "}])
def test_empty_query_is_422_with_a_reason(client, params):
    response = client.get("/suggest", params=params)
    assert response.status_code == 422
    assert "leeg" in response.json()["detail"]


def test_nothing_found_is_an_empty_list(client):
    assert client.get("/suggest", params={"q": "qqqqxz"}).json() == {"query": "qqqqxz", "suggestions": []}


def test_reindex_refreshes_the_suggestions(client, editor_headers, api_settings):
    path = api_settings.content_dir / "bijen-houden.md"
    path.write_text(NEW_ARTICLE, encoding="utf-8")
    try:
        response = client.post("/admin/reindex", json={"article_ids": ["bijen-houden"]}, headers=editor_headers)
        assert response.status_code == 200, response.text
        suggestions = client.get("/suggest", params={"q": "bijenk"}).json()["suggestions"]
        assert suggestions[0]["article_id"] == "bijen-houden" and suggestions[0]["text"] == "Bijenkast op uw balkon"
        found = client.get("/suggest", params={"q": "imker"}).json()["suggestions"]
        assert ("imker", "keyword", "bijen-houden") in {(s["text"], s["kind"], s["article_id"]) for s in found}
        staff_note = client.get("/suggest", params={"q": "geheime tip"}).json()["suggestions"]
        assert all("tip" not in suggestion["text"].lower().split() for suggestion in staff_note)
    finally:
        path.unlink()
    client.post("/admin/reindex", json={"article_ids": ["bijen-houden"]}, headers=editor_headers)
    suggestions = client.get("/suggest", params={"q": "bijenk"}).json()["suggestions"]
    assert all(suggestion["article_id"] != "bijen-houden" for suggestion in suggestions)
