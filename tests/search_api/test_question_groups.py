"""Grouping logged questions by meaning, as pure logic on given vectors: leader clustering, the
vector cache, and how groups and gaps are described (the real model groups real phrasings in
tests/search_api/test_insight_http.py)."""

from __future__ import annotations

from datetime import date

import numpy as np

from search_api.insight import Figures, Names, build_insight, group_questions
from search_api.question_groups import QuestionVectors, leader_groups
from search_api.storage.digest import Period
from search_api.storage.insight import ArticleClicks, QuestionCount

AXES = {"paspoort": 0, "vis": 1, "parkeren": 2}


def unit(*weights: float) -> np.ndarray:
    vector = np.asarray(weights, dtype=np.float32)
    return vector / np.linalg.norm(vector)


def test_each_question_joins_its_closest_leader_or_leads_a_group():
    vectors = np.stack([unit(1, 0, 0), unit(0, 1, 0), unit(1, 0.1, 0), unit(0.1, 1, 0), unit(1, 1, 0)])
    assert leader_groups(vectors, threshold=0.95) == [[0, 2], [1, 3], [4]]
    assert leader_groups(vectors, threshold=0.999) == [[0], [1], [2], [3], [4]]
    assert leader_groups(np.zeros((0, 3), dtype=np.float32)) == []


def test_the_cache_embeds_each_text_once_and_keeps_the_newest():
    calls: list[list[str]] = []

    def embed(texts: list[str]) -> np.ndarray:
        calls.append(texts)
        return np.asarray([[len(text), 1.0] for text in texts])

    vectors = QuestionVectors(embed, capacity=2)
    first = vectors(["ab", "abcd", "ab"])
    assert calls == [["ab", "abcd"]] and first.shape == (3, 2)
    assert np.allclose(np.linalg.norm(first, axis=1), 1) and np.allclose(first[0], first[2])
    vectors(["abcd"])
    assert len(calls) == 1, "a cached text is not embedded again"
    vectors(["xyz"])
    assert len(vectors) == 2 and vectors.embedded == 3
    vectors(["ab"])  # the least recently used went out
    assert calls[-1] == ["ab"]


def question(normalized: str, searches: int, *, off_topic: int = 0, unsure: int = 0, not_helpful: int = 0,
             department: str | None = None) -> QuestionCount:
    routed = searches - off_topic - unsure
    return QuestionCount(
        normalized=normalized, phrasing=normalized.capitalize(), searches=searches,
        outcomes={"routed": routed, "ambiguous": unsure, "off_topic": off_topic, "no_results": 0},
        unsure=unsure, not_helpful=not_helpful, troubled=off_topic + unsure + not_helpful,
        department_id=None if off_topic == searches else department, department_searches=searches - off_topic,
    )


def test_groups_are_named_by_their_most_asked_phrasing_and_gaps_ranked_by_volume():
    questions = [
        question("paspoort verlengen", 10, department="burgerzaken"),
        question("visvergunning", 6, off_topic=6),
        question("hoe verleng ik mijn paspoort", 4, not_helpful=1, department="burgerzaken"),
        question("vis vangen vergunning", 3, off_topic=2),
        question("parkeren bij de markt", 2, unsure=2),
    ]
    topics = {"paspoort verlengen": "paspoort", "hoe verleng ik mijn paspoort": "paspoort", "visvergunning": "vis",
              "vis vangen vergunning": "vis", "parkeren bij de markt": "parkeren"}

    def embed(texts: list[str]) -> np.ndarray:
        return np.asarray([np.eye(3)[AXES[topics[text]]] for text in texts])

    groups = group_questions(questions, QuestionVectors(embed))
    assert [[member.normalized for member in group] for group in groups] == [
        ["paspoort verlengen", "hoe verleng ik mijn paspoort"], ["visvergunning", "vis vangen vergunning"],
        ["parkeren bij de markt"],
    ]
    week = Period(date(2026, 11, 30), date(2026, 12, 6))
    figures = Figures(
        days={date(2026, 12, 1): {"routed": 10, "ambiguous": 2, "off_topic": 8, "no_results": 0}},
        before={"routed": 5, "ambiguous": 0, "off_topic": 5, "no_results": 0},
        departments={None: 10, "burgerzaken": 14}, questions=questions, distinct_questions=9,
        clicks={"paspoort-aanvragen": ArticleClicks("paspoort-aanvragen", 14, 7, 8, 0.75)}, positions={0: 5, 1: 3},
        feedback=[],
    )
    names = Names({"burgerzaken": "Burgerzaken"}, {"paspoort-aanvragen": "Paspoort aanvragen"})
    insight = build_insight(figures, groups, week, names)
    assert [group.question for group in insight.groups] == ["Paspoort verlengen", "Visvergunning", "Parkeren bij de markt"]
    passport = insight.groups[0]
    assert (passport.searches, passport.variants, passport.department) == (14, 2, "Burgerzaken")
    assert [(p.text, p.searches) for p in passport.phrasings] == [("Paspoort verlengen", 10), ("Hoe verleng ik mijn paspoort", 4)]
    assert [(gap.question, gap.searches, gap.problem) for gap in insight.gaps] == [
        ("Visvergunning", 9, "not_found"), ("Parkeren bij de markt", 2, "unsure"),
    ]
    assert [day.searches for day in insight.per_day] == [0, 20, 0, 0, 0, 0, 0]
    shares = {share.outcome: share for share in insight.outcomes}
    assert (shares["off_topic"].share, shares["off_topic"].share_before, shares["off_topic"].change_points) == (0.4, 0.5, -10.0)
    assert insight.departments[0].name == "(geen afdeling)" and insight.departments[1].share == 14 / 20
    assert insight.opened_share == 7 / 20
    assert insight.click_through[0].opened_share == 0.5 and insight.click_through[0].title == "Paspoort aanvragen"
    assert (insight.questions, insight.grouped_questions, insight.grouped_searches) == (9, 5, 25)
