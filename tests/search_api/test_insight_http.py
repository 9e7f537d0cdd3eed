"""The editors' insight (`GET /quality/insight`) over real HTTP, on the real model and search log:
searches through the API are counted per day and outcome, near-duplicate questions form one group
named by the most asked phrasing, questions that found nothing form a gap, clicks and remarks show
per article; staff only; a bad or too long period gets a reason in Dutch."""

from __future__ import annotations

import random
import string
from datetime import UTC, datetime, timedelta

import httpx
import pytest

pytestmark = pytest.mark.slow

PASSPORT = {"paspoort verlengen": 3, "hoe kan ik mijn paspoort verlengen": 2, "paspoord verlengen": 2, "Paspoort verlengen?": 1}
APPLE_PIE = {"recept appeltaart": 3, "appeltaart recept": 2}


def today() -> str:
    return str(datetime.now(UTC).date())


def insight(client, headers, **params) -> dict:
    response = client.get("/quality/insight", params=params, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def test_what_citizens_asked_grouped_by_meaning_with_the_gaps(client, staff_headers):
    before = insight(client, staff_headers)
    asked = {}
    for question, times in {**PASSPORT, **APPLE_PIE}.items():
        for _ in range(times):
            asked[question] = client.get("/search", params={"q": question}).json()
    assert {asked[question]["routing"]["status"] for question in APPLE_PIE} == {"off_topic"}
    assert {asked[question]["routing"]["status"] for question in PASSPORT} == {"routed"}
    remark = "Ik mis de kosten " + "".join(random.choices(string.ascii_lowercase, k=8))
    opened = asked["paspoort verlengen"]
    assert client.post("/clicks", json={"search_id": opened["search_id"], "article_id": opened["results"][0]["article_id"],
                                        "position": 1}).status_code == 204
    assert client.post("/feedback", json={"query": "paspoort verlengen", "article_id": "paspoort-aanvragen",
                                           "helpful": False, "comment": remark, "search_id": opened["search_id"]}).status_code == 201

    after = insight(client, staff_headers)
    assert (after["since"], after["until"], after["days"]) == (str(datetime.now(UTC).date() - timedelta(days=6)), today(), 7)
    assert len(after["per_day"]) == 7 and after["per_day"][-1]["day"] == today()
    assert after["searches"] - before["searches"] == 13
    day, day_before = after["per_day"][-1], before["per_day"][-1]
    assert day["routed"] - day_before["routed"] == 8 and day["off_topic"] - day_before["off_topic"] == 5
    assert [share["outcome"] for share in after["outcomes"]] == ["routed", "ambiguous", "off_topic", "no_results"]
    assert abs(sum(share["share"] for share in after["outcomes"]) - 1) < 1e-9
    assert sum(department["searches"] for department in after["departments"]) == after["searches"]

    passport = next(group for group in after["groups"] if "hoe kan ik mijn paspoort verlengen" in
                    [phrasing["text"] for phrasing in group["phrasings"]])
    phrasings = {phrasing["text"] for phrasing in passport["phrasings"]}
    assert {"paspoort verlengen", "paspoord verlengen"} <= phrasings, "near-duplicates in one group"
    assert passport["question"] == max(passport["phrasings"], key=lambda phrasing: phrasing["searches"])["text"]
    assert passport["department_id"] == "burgerzaken" and passport["department"] == "Burgerzaken"
    assert passport["not_helpful"] >= 1 and passport not in after["gaps"]

    gap = next(gap for gap in after["gaps"] if "recept appeltaart" in [p["text"] for p in gap["phrasings"]])
    assert "appeltaart recept" in [phrasing["text"] for phrasing in gap["phrasings"]]
    assert gap["problem"] == "not_found" and gap["outcomes"]["off_topic"] >= 5 and gap["department_id"] is None
    assert [gap["searches"] for gap in after["gaps"]] == sorted((gap["searches"] for gap in after["gaps"]), reverse=True)

    article = next(row for row in after["click_through"] if row["article_id"] == opened["results"][0]["article_id"])
    assert article["opened"] >= 1 and article["shown_first"] >= 1 and 0 < article["opened_share"] <= 1
    assert after["opened_share"] > 0 and any(position["position"] == 1 for position in after["click_positions"])
    feedback = next(row for row in after["feedback"] if row["article_id"] == "paspoort-aanvragen")
    assert feedback["title"] == "Paspoort aanvragen" and feedback["not_helpful"] >= 1
    assert {"helpful": False, "question": "paspoort verlengen", "comment": remark}.items() <= feedback["comments"][0].items()


def test_a_period_is_chosen_by_its_days(client, staff_headers):
    long_ago = insight(client, staff_headers, since="2026-01-01", until="2026-01-31")
    assert (long_ago["days"], long_ago["since_before"], long_ago["until_before"]) == (31, "2025-12-01", "2025-12-31")
    assert long_ago["searches"] == 0 and long_ago["groups"] == [] and long_ago["gaps"] == [] and long_ago["opened_share"] is None
    assert [share["share"] for share in long_ago["outcomes"]] == [0, 0, 0, 0]
    one_day = insight(client, staff_headers, since=today())
    assert one_day["days"] == 1 and one_day["per_day"][0]["day"] == today()


@pytest.mark.parametrize(
    ("params", "reason"),
    [
        ({"since": "gisteren"}, "since heeft een ongeldige vorm"),
        ({"since": "2026-02-30"}, "since is geen bestaande datum"),
        ({"until": "2026-13-01"}, "until is geen bestaande datum"),
        ({"since": "2026-12-07", "until": "2026-12-01"}, "de begindatum 2026-12-07 ligt na de einddatum 2026-12-01"),
        ({"since": "2026-10-01", "until": "2026-12-01"}, "de periode is 62 dagen. Kies een periode van hoogstens 31 dagen"),
        ({"until": "0001-01-03"}, "kies dagen tussen 2000-01-01 en 2099-12-31"),
    ],
)
def test_a_period_that_does_not_fit_gets_a_reason(client, staff_headers, params, reason):
    response = client.get("/quality/insight", params=params, headers=staff_headers)
    assert response.status_code == 422 and reason in response.json()["detail"]


def test_staff_only(client):
    response = httpx.get(f"{client.base_url}/quality/insight")
    assert response.status_code == 401 and "Alleen voor medewerkers" in response.json()["detail"]
