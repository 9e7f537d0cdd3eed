"""The queries of the editors' insight page on both databases, on a small log with known figures:
per day and outcome, the period before, the department mix, the questions by normalised form with
their unsure and not useful searches, click-through and feedback per article."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import insert

from search_api.storage import insight as queries
from search_api.storage.db import open_database
from search_api.storage.digest import Period
from search_api.storage.models import Click, Feedback, Search

WEEK = Period(date(2026, 11, 30), date(2026, 12, 6))


def at(day: int, hour: int = 10, month: int = 12) -> datetime:
    return datetime(2026, month, day, hour)


def search(number: int, moment: datetime, query: str, outcome: str, *, department: str | None = None,
           confidence: float | None = None, article: str | None = None) -> dict:
    return {"search_id": f"{number:032d}", "time": moment, "query": query, "normalized": query.lower().strip("?"),
            "outcome": outcome, "department_id": department, "confidence": confidence, "top_article": article,
            "channel": "page"}


SEARCHES = [
    *(search(n, at(1), "paspoort verlengen", "routed", department="burgerzaken", confidence=0.9,
             article="paspoort-aanvragen") for n in range(4)),
    search(4, at(1, 23), "Paspoort verlengen?", "routed", department="burgerzaken", confidence=0.9, article="paspoort-aanvragen"),
    *(search(n, at(2), "visvergunning", "off_topic", article="evenementenvergunning") for n in range(10, 13)),
    search(13, at(2), "visvergunning", "no_results"),
    *(search(n, at(3), "parkeren bij de markt", "ambiguous", confidence=0.4, article="parkeervergunning-bewoners")
      for n in (20, 21)),
    search(22, at(3), "parkeren bij de markt", "routed", department="parkeren", confidence=0.3,
           article="parkeervergunning-bewoners"),
    # the week before
    *(search(n, at(25, month=11), "paspoort verlengen", "routed", department="burgerzaken", confidence=0.9,
             article="paspoort-aanvragen") for n in (30, 31)),
    search(32, at(25, month=11), "visvergunning", "off_topic"),
    # the day after the period
    search(40, at(7), "paspoort verlengen", "routed", department="burgerzaken", confidence=0.9, article="paspoort-aanvragen"),
]
CLICKS = [
    {"search_id": f"{0:032d}", "time": at(1, 11), "article_id": "paspoort-aanvragen", "position": 1},
    {"search_id": f"{1:032d}", "time": at(1, 11), "article_id": "paspoort-aanvragen", "position": 0},
    {"search_id": f"{1:032d}", "time": at(1, 12), "article_id": "identiteitskaart-aanvragen", "position": 3},
    {"search_id": f"{10:032d}", "time": at(2, 11), "article_id": "evenementenvergunning", "position": 2},
    {"search_id": f"{40:032d}", "time": at(7, 11), "article_id": "paspoort-aanvragen", "position": 1},  # after the period
]


def feedback(number: int | None, moment: datetime, helpful: bool, article: str, comment: str | None = None) -> dict:
    return {"search_id": None if number is None else f"{number:032d}", "time": moment, "query": "vraag",
            "article_id": article, "department_id": None, "helpful": helpful, "comment": comment, "channel": "web"}


FEEDBACK = [
    feedback(2, at(1, 12), False, "paspoort-aanvragen", "De prijs staat er niet bij"),
    feedback(3, at(1, 12), True, "paspoort-aanvragen"),
    feedback(None, at(4), True, "paspoort-aanvragen", "Duidelijk"),
    feedback(22, at(3, 12), False, "parkeervergunning-bewoners", "Ik zoek parkeren bij de markt"),
]


@pytest.fixture
def log(log_settings):
    """The search log with the searches, clicks and feedback above."""
    engine = open_database(log_settings)
    with engine.begin() as connection:
        connection.execute(insert(Search), SEARCHES)
        connection.execute(insert(Click), CLICKS)
        connection.execute(insert(Feedback), FEEDBACK)
    yield engine
    engine.dispose()


def figures(engine, read):
    with engine.connect() as connection:
        return read(connection)


def test_volumes_outcomes_and_departments(log):
    days, before, departments = figures(log, lambda connection: (
        queries.daily_outcomes(connection, WEEK), queries.outcome_counts(connection, WEEK.before()),
        queries.department_counts(connection, WEEK),
    ))
    assert days == {
        date(2026, 12, 1): {"routed": 5, "ambiguous": 0, "off_topic": 0, "no_results": 0},
        date(2026, 12, 2): {"routed": 0, "ambiguous": 0, "off_topic": 3, "no_results": 1},
        date(2026, 12, 3): {"routed": 1, "ambiguous": 2, "off_topic": 0, "no_results": 0},
    }
    assert before == {"routed": 2, "ambiguous": 0, "off_topic": 1, "no_results": 0}
    assert list(departments.items()) == [(None, 6), ("burgerzaken", 5), ("parkeren", 1)]


def test_questions_by_normalised_form(log):
    questions, distinct = figures(log, lambda connection: queries.question_counts(connection, WEEK, 10))
    rated = figures(log, lambda connection: queries.not_helpful_counts(connection, WEEK))
    questions = queries.with_not_helpful(questions, rated)
    assert distinct == 3
    by_text = {question.normalized: question for question in questions}
    assert [question.normalized for question in questions] == ["paspoort verlengen", "visvergunning", "parkeren bij de markt"]
    passport = by_text["paspoort verlengen"]
    assert (passport.searches, passport.phrasing, passport.department_id, passport.department_searches) == (
        5, "paspoort verlengen", "burgerzaken", 5)
    assert (passport.unsure, passport.not_helpful, passport.troubled) == (0, 1, 1)  # one answer called not useful
    fish = by_text["visvergunning"]
    assert fish.outcomes == {"routed": 0, "ambiguous": 0, "off_topic": 3, "no_results": 1}
    assert (fish.troubled, fish.department_id) == (4, None)
    parking = by_text["parkeren bij de markt"]
    # twice "Bedoelt u", once a department with confidence 0.3; that search was also called not useful
    assert (parking.unsure, parking.not_helpful, parking.troubled) == (3, 1, 3)
    assert (parking.department_id, parking.department_searches) == (None, 2)

    top, distinct = figures(log, lambda connection: queries.question_counts(connection, WEEK, 1))
    assert [question.normalized for question in top] == ["paspoort verlengen"] and distinct == 3


def test_click_through_and_positions(log):
    clicks, positions = figures(log, lambda connection: (
        queries.article_clicks(connection, WEEK), queries.click_positions(connection, WEEK),
    ))
    assert clicks["paspoort-aanvragen"] == queries.ArticleClicks("paspoort-aanvragen", 5, 2, 2, 0.5)
    assert clicks["evenementenvergunning"] == queries.ArticleClicks("evenementenvergunning", 3, 1, 1, 2.0)
    assert clicks["parkeervergunning-bewoners"] == queries.ArticleClicks("parkeervergunning-bewoners", 3, 0, 0, None)
    assert clicks["identiteitskaart-aanvragen"] == queries.ArticleClicks("identiteitskaart-aanvragen", 0, 0, 1, 3.0)
    assert positions == {0: 1, 1: 1, 2: 1, 3: 1}


def test_feedback_per_article_with_the_newest_remarks(log):
    entries = figures(log, lambda connection: queries.article_feedback(connection, WEEK))
    assert [(entry.article_id, entry.helpful, entry.not_helpful) for entry in entries] == [
        ("paspoort-aanvragen", 2, 1), ("parkeervergunning-bewoners", 0, 1),
    ]
    assert [comment["comment"] for comment in entries[0].comments] == ["Duidelijk", "De prijs staat er niet bij"]
    assert entries[0].comments[1] == {"time": "2026-12-01T12:00:00+00:00", "helpful": False, "question": "vraag",
                                      "comment": "De prijs staat er niet bij"}


def test_an_empty_period(log):
    empty = Period(date(2026, 1, 1), date(2026, 1, 7))
    result = figures(log, lambda connection: (
        queries.daily_outcomes(connection, empty), queries.department_counts(connection, empty),
        queries.question_counts(connection, empty, 10), queries.article_clicks(connection, empty),
        queries.article_feedback(connection, empty),
    ))
    assert result == ({}, {}, ([], 0), {}, [])
    assert WEEK.before() == Period(date(2026, 11, 23), date(2026, 11, 29))
    assert WEEK.days == 7 and WEEK.since + timedelta(days=6) == WEEK.until
