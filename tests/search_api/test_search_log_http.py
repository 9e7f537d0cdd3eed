"""The search log over real HTTP: a search through the API and the citizen page lands in the log
with its fields and without personal data; clicks from the article page and `POST /clicks`, and
feedback, are tied to it by its search id; the CSV export for the editors."""

from __future__ import annotations

import csv
import html
import io
import random
import re
import sqlite3
import string
from datetime import date, timedelta

import httpx
import pytest

from search_api.routes.search import BENCHMARK_HEADER, CHANNEL_HEADER

pytestmark = pytest.mark.slow
BSN = "123456782"  # passes the 11-proof


def letters() -> str:
    """A marker without digits (digit runs are masked as personal data)."""
    return "".join(random.choices(string.ascii_lowercase, k=10))


def exported(client, headers, **params) -> list[dict]:
    response = client.get("/quality/searches.csv", params=params, headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    assert response.headers["content-disposition"].startswith('attachment; filename="zoeklog-')
    return list(csv.DictReader(io.StringIO(response.text)))


def test_a_search_its_clicks_and_feedback_land_in_the_log_without_personal_data(client, staff_headers, api_settings):
    marker = letters()
    question = f"mijn bsn is {BSN}, ik wil een paspoort aanvragen {marker}"
    body = client.get("/search", params={"q": question}, headers={CHANNEL_HEADER: "widget"}).json()
    search_id = body["search_id"]
    assert re.fullmatch(r"[0-9a-f]{32}", search_id)

    page = client.get("/zoeken", params={"q": f"paspoort aanvragen {marker}"})
    links = [html.unescape(link) for link in re.findall(r'href="(/zoeken/artikel/[^"]+)"', page.text)]
    page_search_id = re.search(r"zoekopdracht=([0-9a-f]{32})", links[0]).group(1)
    assert page_search_id != search_id and f'name="zoekopdracht" value="{page_search_id}"' in page.text
    second = next(link for link in links if "positie=2" in link)
    assert client.get(second).status_code == 200  # the citizen opens the second result

    opened = client.post("/clicks", json={"search_id": search_id, "article_id": body["results"][2]["article_id"], "position": 3})
    assert opened.status_code == 204, opened.text
    feedback = client.post("/feedback", json={"query": question, "article_id": body["answer"]["article_id"],
                                              "helpful": False, "search_id": search_id})
    assert feedback.status_code == 201 and feedback.json()["search_id"] == search_id

    rows = {row["vraag"]: row for row in exported(client, staff_headers, since=str(date.today()))}
    row = rows[f"mijn bsn is [bsn], ik wil een paspoort aanvragen {marker}"]
    assert row["genormaliseerd"] == f"mijn bsn is bsn ik wil een paspoort aanvragen {marker}"
    assert (row["kanaal"], row["uitkomst"], row["taal"]) == ("widget", body["routing"]["status"], "nl")
    assert row["afdeling"] == body["department"]["id"] and float(row["zekerheid_afdeling"]) == body["department"]["confidence"]
    assert float(row["kans_binnen_aanbod"]) == body["routing"]["in_scope"]
    assert row["eerste_artikel"] == body["results"][0]["article_id"] and float(row["duur_ms"]) == body["took_ms"]
    assert (row["klikken"], row["posities_geklikt"], row["nuttig"], row["niet_nuttig"]) == ("1", "3", "0", "1")
    on_page = rows[f"paspoort aanvragen {marker}"]
    assert (on_page["kanaal"], on_page["klikken"], on_page["posities_geklikt"]) == ("page", "1", "2")

    with sqlite3.connect(f"file:{api_settings.data_dir / 'search-log.sqlite'}?mode=ro", uri=True) as database:
        stored = "\n".join(str(value) for table in ("searches", "clicks", "feedback")
                           for row in database.execute(f"SELECT * FROM {table}") for value in row)
    assert marker in stored and BSN not in stored and "127.0.0.1" not in stored


def test_where_a_search_was_asked_and_what_is_left_out(client, staff_headers):
    marker = letters()
    asked = {
        "api": client.get("/search", params={"q": f"paspoort {marker} een"}),
        "console without token": client.get("/search", params={"q": f"paspoort {marker} twee"}, headers={CHANNEL_HEADER: "console"}),
        "console": client.get("/search", params={"q": f"paspoort {marker} drie", "view": "staff"},
                              headers={CHANNEL_HEADER: "console", **staff_headers}),
        "benchmark": client.get("/search", params={"q": f"paspoort {marker} vier"}, headers={BENCHMARK_HEADER: "1", **staff_headers}),
    }
    assert asked["benchmark"].json()["search_id"] is None and asked["console"].json()["search_id"]
    channels = {row["vraag"]: row["kanaal"] for row in exported(client, staff_headers) if marker in row["vraag"]}
    assert channels == {f"paspoort {marker} een": "api", f"paspoort {marker} twee": "api", f"paspoort {marker} drie": "console"}
    refused = client.get("/search", params={"q": "paspoort"}, headers={CHANNEL_HEADER: "fax"})
    assert refused.status_code == 422 and CHANNEL_HEADER.lower() in refused.json()["detail"].lower()


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"search_id": "0" * 32, "article_id": "bestaat-niet", "position": 1}, 404),
        ({"search_id": "xyz", "article_id": "paspoort-aanvragen", "position": 1}, 422),
        ({"search_id": "0" * 32, "article_id": "paspoort-aanvragen", "position": 101}, 422),
        ({"search_id": "0" * 32, "article_id": "paspoort-aanvragen", "position": "1"}, 422),
        ({"search_id": "0" * 32, "article_id": "paspoort-aanvragen", "position": 1.5}, 422),
        ({"search_id": "0" * 32, "article_id": "paspoort-aanvragen", "position": True}, 422),
        ({"search_id": "0" * 32, "article_id": "paspoort-aanvragen", "position": 1, "ip": "1.2.3.4"}, 422),
    ],
)
def test_a_click_that_does_not_fit_gets_a_reason(client, body, status):
    response = client.post("/clicks", json=body)
    assert response.status_code == status and response.json()["detail"]


def test_a_tampered_link_shows_the_article_all_the_same(client):
    page = client.get("/zoeken/artikel/paspoort-aanvragen", params={"q": "paspoort", "zoekopdracht": "'; drop", "positie": "-1"})
    assert page.status_code == 200 and "Paspoort" in page.text


def test_the_export_of_a_period(client, staff_headers):
    marker = letters()
    client.get("/search", params={"q": f"=1+2 recept voor appeltaart {marker}"})
    rows = exported(client, staff_headers, since=str(date.today() - timedelta(days=1)), until=str(date.today()))
    mine = [row for row in rows if marker in row["vraag"]]
    assert len(mine) == 1 and mine[0]["vraag"].startswith("'=1+2"), "a spreadsheet shows it as text, never runs it"
    assert mine[0]["uitkomst"] == "off_topic"
    assert list(rows[0]) == ["tijd_utc", "vraag", "genormaliseerd", "taal", "kanaal", "uitkomst", "afdeling",
                             "zekerheid_afdeling", "kans_binnen_aanbod", "eerste_artikel", "duur_ms", "klikken",
                             "posities_geklikt", "nuttig", "niet_nuttig"]
    assert exported(client, staff_headers, since="2020-01-01", until="2020-01-31") == []
    assert exported(client, staff_headers, since=str(date.today()), until="2020-01-01") == [], "a start after the end"
    for day in ("gisteren", "2026-02-30"):
        not_a_date = client.get("/quality/searches.csv", params={"since": day}, headers=staff_headers)
        assert not_a_date.status_code == 422 and "since" in not_a_date.json()["detail"]
    assert httpx.get(f"{client.base_url}/quality/searches.csv").status_code == 401
