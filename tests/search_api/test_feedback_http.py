"""Feedback and searches that found nothing, over real HTTP; adding a failed search to the eval set."""

import random
import string

import httpx
import pytest

from kb.questions import load_questions

pytestmark = pytest.mark.slow


def letters() -> str:
    """A marker without digits (digit runs are masked as personal data)."""
    return "".join(random.choices(string.ascii_lowercase, k=10))


def test_feedback_from_the_website_and_from_staff(client, staff_headers):
    marker = letters()
    web = client.post("/feedback", json={"query": f"paspoort kwijt {marker}", "article_id": "paspoort-aanvragen", "helpful": True})
    assert web.status_code == 201, web.text
    assert web.json()["channel"] == "web"
    staff = client.post(
        "/feedback",
        headers=staff_headers,
        json={"query": f"mijn bsn is 123456782 {marker}", "article_id": "grofvuil-ophalen", "department_id": "afval",
              "helpful": False, "comment": "bel 06-12345678"},
    )
    assert staff.status_code == 201, staff.text
    overview = client.get("/quality/feedback", headers=staff_headers).json()
    mine = [row for row in overview["recent"] if marker in row["query"]]
    assert [row["channel"] for row in mine] == ["staff", "web"]
    assert mine[0]["query"] == f"mijn bsn is [bsn] {marker}" and mine[0]["comment"] == "bel [telefoon]"
    grofvuil = next(row for row in overview["per_article"] if row["article_id"] == "grofvuil-ophalen")
    assert grofvuil["not_helpful"] >= 1


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ({"query": "", "helpful": True}, "query"),
        ({"query": "x", "helpful": "misschien"}, "helpful"),
        ({"query": "x", "helpful": True, "comment": "a" * 1001}, "comment"),
    ],
)
def test_bad_feedback_gets_a_reason(client, body, reason):
    response = client.post("/feedback", json=body)
    assert response.status_code == 422
    assert reason in response.text


@pytest.mark.parametrize("body", [{"article_id": "bestaat-niet"}, {"department_id": "nasa"}])
def test_feedback_on_what_does_not_exist_is_404(client, body):
    response = client.post("/feedback", json={"query": "x", "helpful": True, **body})
    assert response.status_code == 404
    assert "bestaat niet" in response.json()["detail"]


def test_searches_that_found_nothing_are_listed_once_with_a_count(client, staff_headers):
    marker = letters()
    question = f"recept voor appeltaart met rozijnen {marker}"
    for _ in range(2):
        assert client.get("/search", params={"q": question}).json()["routing"]["status"] == "off_topic"
    client.get("/search", params={"q": "paspoort aanvragen"})  # found: not listed
    client.get("/search", params={"q": f"recept voor kaastaart {marker}"}, headers={"X-KB-Benchmark": "1", **staff_headers})  # kb bench
    rows = client.get("/quality/unanswered", headers=staff_headers).json()
    mine = [row for row in rows if marker in row["query"]]
    assert len(mine) == 1 and mine[0]["count"] == 2 and mine[0]["status"] == "off_topic"
    assert not any(row["query"] == "paspoort aanvragen" or "kaastaart" in row["query"] for row in rows)
    assert httpx.get(f"{client.base_url}/quality/unanswered").status_code == 401


def test_editor_adds_a_failed_search_to_the_eval_set(client, staff_headers, editor_headers, api_settings):
    path = api_settings.questions_file
    before = path.read_text(encoding="utf-8")
    question = {"q": "hoe laat gaat de milieustraat open op zaterdag", "expected": ["milieustraat"], "kind": "colloquial"}
    assert client.post("/quality/questions", json=question, headers=staff_headers).status_code == 403
    response = client.post("/quality/questions", json=question, headers=editor_headers)
    assert response.status_code == 201, response.text
    assert response.json()["department"] == "afval" and response.json()["split"] in ("dev", "test")
    after = path.read_text(encoding="utf-8")
    assert after.startswith(before), "existing questions are left exactly as they were"
    added = load_questions(path)[-1]
    assert (added.q, added.expected, added.department, added.kind) == (question["q"], ["milieustraat"], "afval", "colloquial")
    assert added.source == response.json()["source"] == "console", "real searches are reported apart from the written sets"

    duplicate = client.post("/quality/questions", json={**question, "q": question["q"].upper()}, headers=editor_headers)
    assert duplicate.status_code == 409 and "al in de evaluatieset" in duplicate.json()["detail"]
    unknown = client.post("/quality/questions", json={**question, "q": "iets anders", "expected": ["nope"]}, headers=editor_headers)
    assert unknown.status_code == 404 and "nope" in unknown.json()["detail"]

    off_topic = client.post("/quality/questions", json={"q": "beste pizza in de stad", "kind": "colloquial"}, headers=editor_headers)
    assert off_topic.json()["department"] is None and off_topic.json()["kind"] == "off_topic"
    assert path.read_text(encoding="utf-8").count("Added from the staff console") == 1
