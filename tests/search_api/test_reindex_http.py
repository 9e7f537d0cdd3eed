"""An editor's change becomes searchable through POST /admin/reindex, without a restart."""

import pytest

from tests.kb.test_articles import VALID

pytestmark = pytest.mark.slow

NEW_ARTICLE = (
    VALID.replace("id: voorbeeld", "id: kippen-houden")
    .replace("title: Voorbeeld aanvragen", "title: Kippen houden in de tuin")
    .replace("department: burgerzaken", "department: openbare_ruimte")
    .replace("terms/paspoort", "terms/dierenhOnth")  # the passport product already has its main article
    .replace("Een **voorbeeld** met een [link](paspoort-aanvragen.md).", "U mag in Voorbeeldstad kippen houden in uw achtertuin, maar geen haan.")
)


def test_new_article_is_searchable_after_reindex(client, editor_headers, api_settings):
    question = "mag ik kippen houden in mijn achtertuin"
    path = api_settings.content_dir / "kippen-houden.md"
    path.write_text(NEW_ARTICLE, encoding="utf-8")
    try:
        response = client.post("/admin/reindex", json={"article_ids": ["kippen-houden"]}, headers=editor_headers)
        assert response.status_code == 200, response.text
        report = response.json()
        assert report["added"] == ["kippen-houden"] and report["chunks_written"] > 0
        body = client.get("/search", params={"q": question}).json()
        assert body["results"][0]["article_id"] == "kippen-houden"
        assert client.get("/articles/kippen-houden").status_code == 200
    finally:
        path.unlink()
    report = client.post("/admin/reindex", json={"article_ids": ["kippen-houden"]}, headers=editor_headers).json()
    assert report["removed"] == ["kippen-houden"] and report["chunks_written"] == 0
    assert client.get("/articles/kippen-houden").status_code == 404
    body = client.get("/search", params={"q": question}).json()
    assert all(r["article_id"] != "kippen-houden" for r in body["results"])


def test_reindex_is_for_editors_and_everything_for_administrators(client, staff_headers, editor_headers, admin_headers):
    some = {"article_ids": ["paspoort-aanvragen"]}
    assert client.post("/admin/reindex", json=some).status_code == 401
    assert client.post("/admin/reindex", json=some, headers=staff_headers).status_code == 403
    assert client.post("/admin/reindex", json=some, headers=editor_headers).status_code == 200
    whole = client.post("/admin/reindex", headers=editor_headers)
    assert whole.status_code == 403 and "beheerders" in whole.json()["detail"]
    report = client.post("/admin/reindex", headers=admin_headers)
    assert report.status_code == 200 and report.json()["unchanged"] > 200 and report.json()["chunks_written"] == 0
    assert client.get("/whoami", headers=staff_headers).json() == {"role": "staff"}
    assert client.get("/whoami", headers=editor_headers).json() == {"role": "editor"}
    assert client.get("/whoami", headers=admin_headers).json() == {"role": "admin"}


def test_reindex_of_unknown_article_is_404(client, editor_headers):
    response = client.post("/admin/reindex", json={"article_ids": ["bestaat-niet"]}, headers=editor_headers)
    assert response.status_code == 404
