"""Editors create, save and retire articles through the API (the console writes no file itself):
over real HTTP, against the test API and its private copy of the content."""

import datetime as dt

import pytest

from staff_ui.editor import ArticleSource, new_article_text

pytestmark = pytest.mark.slow
ARTICLE = "kippen-houden"
TITLE = "Kippen houden in de tuin"


def template() -> str:
    return new_article_text(
        ARTICLE, TITLE, "openbare_ruimte", "http://standaarden.overheid.nl/owms/terms/dierenhOnth",
        "Bel 14 0999 of mail naar info@voorbeeldstad.nl.", dt.date.today(),
    )


@pytest.fixture
def cleanup(api_settings, client, editor_headers):
    yield
    path = api_settings.content_dir / f"{ARTICLE}.md"
    if path.exists():
        client.post(f"/admin/articles/{ARTICLE}/retire", headers=editor_headers)
    (api_settings.content_dir.parent / "retired" / f"{ARTICLE}.md").unlink(missing_ok=True)


def test_create_save_and_retire_an_article(client, editor_headers, api_settings, cleanup):
    created = client.post("/admin/articles", json={"id": ARTICLE, "text": template()}, headers=editor_headers)
    assert created.status_code == 201, created.text
    assert created.json()["file"] == f"{ARTICLE}.md" and created.json()["index"] is None
    assert (api_settings.content_dir / f"{ARTICLE}.md").read_text(encoding="utf-8") == template()

    again = client.post("/admin/articles", json={"id": ARTICLE, "text": template()}, headers=editor_headers)
    assert again.status_code == 409 and again.json() == {"detail": f"Er bestaat al een artikel met id '{ARTICLE}'."}

    source = ArticleSource.parse(template())
    source.body = source.body.replace(
        "Schrijf hier in een paar korte zinnen wat het product is.",
        "Wilt u kippen houden in uw tuin? Dat mag, met ten hoogste tien kippen en zonder haan.",
    )
    saved = client.put(f"/admin/articles/{ARTICLE}", json={"text": source.text()}, headers=editor_headers)
    assert saved.status_code == 200, saved.text
    assert saved.json()["index"]["added"] == [ARTICLE] and saved.json()["index"]["chunks_written"] > 0
    assert client.get(f"/articles/{ARTICLE}").json()["title"] == TITLE
    results = client.get("/search", params={"q": "kippen houden in de tuin"}).json()["results"]
    assert results[0]["article_id"] == ARTICLE

    retired = client.post(f"/admin/articles/{ARTICLE}/retire", headers=editor_headers)
    assert retired.status_code == 200, retired.text
    assert retired.json()["file"] == f"retired/{ARTICLE}.md" and retired.json()["index"]["removed"] == [ARTICLE]
    assert (api_settings.content_dir.parent / "retired" / f"{ARTICLE}.md").exists()
    assert not (api_settings.content_dir / f"{ARTICLE}.md").exists()
    assert client.get(f"/articles/{ARTICLE}").status_code == 404
    assert client.post(f"/admin/articles/{ARTICLE}/retire", headers=editor_headers).status_code == 404


def test_an_invalid_text_is_refused_in_dutch_and_nothing_is_written(client, editor_headers, api_settings):
    path = api_settings.content_dir / "grofvuil-ophalen.md"
    before = path.read_text(encoding="utf-8")
    response = client.put(
        "/admin/articles/grofvuil-ophalen", json={"text": before.replace("## Kosten", "## Prijs")}, headers=editor_headers
    )
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert detail.startswith("Niet opgeslagen: los eerst de fouten op. regel ") and "## Kosten" in detail
    assert "Traceback" not in response.text
    assert path.read_text(encoding="utf-8") == before

    new = client.post("/admin/articles", json={"id": "leeg-artikel", "text": "geen front matter"}, headers=editor_headers)
    assert new.status_code == 422 and new.json()["detail"].startswith("Niet opgeslagen")
    assert not (api_settings.content_dir / "leeg-artikel.md").exists()


@pytest.mark.parametrize(
    ("method", "path", "body", "status"),
    [
        ("PUT", "/admin/articles/bestaat-niet", {"text": "---\nid: bestaat-niet\n---\n"}, 404),
        ("POST", "/admin/articles/bestaat-niet/retire", None, 404),
        ("PUT", "/admin/articles/Geen_Id", {"text": "tekst"}, 422),
        ("POST", "/admin/articles/.departments/retire", None, 422),
        ("POST", "/admin/articles", {"id": "../departments", "text": "tekst"}, 422),
        ("POST", "/admin/articles", {"id": "goed-id"}, 422),
        ("PUT", "/admin/articles/grofvuil-ophalen", {"text": ""}, 422),
        ("PUT", "/admin/articles/grofvuil-ophalen", {"text": "x", "path": "/etc/passwd"}, 422),
    ],
)
def test_bad_requests_get_a_reason(client, editor_headers, method, path, body, status):
    response = client.request(method, path, json=body, headers=editor_headers)
    assert response.status_code == status, response.text
    assert response.json()["detail"] and "Traceback" not in response.text


def test_only_editors_change_articles(client, staff_headers):
    assert client.put("/admin/articles/grofvuil-ophalen", json={"text": "x"}).status_code == 401
    assert client.post("/admin/articles/grofvuil-ophalen/retire", headers=staff_headers).status_code == 403
    assert client.post("/admin/articles", json={"id": ARTICLE, "text": "x"}, headers=staff_headers).status_code == 403
