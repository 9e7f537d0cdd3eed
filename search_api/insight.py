"""What citizens ask, for the editors (`GET /quality/insight`, the console's page Inzicht): the
search log's figures of a period (`search_api.storage.insight`) against the period of the same
length before it, the questions grouped by meaning (`search_api.question_groups`), and the gaps:
groups where most searches found nothing, got "geen informatie", were unsure or were called not
useful, most searches first."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from search_api import schemas
from search_api.question_groups import QuestionVectors, leader_groups
from search_api.storage import insight as queries
from search_api.storage.digest import Period
from search_api.storage.insight import OUTCOMES, QuestionCount
from search_api.storage.search_log import SearchLogUnavailable

#: The longest period: a month, so that the period before it is within the 90 days the log keeps by
#: default; on a million searches each query takes well under a second (`kb bench-insight`)
MAX_DAYS = 31
QUESTION_CAP = 2000  # the most asked different questions that are grouped by meaning
GROUPS = 50
GAPS = 25
PHRASINGS = 10
ARTICLES = 100  # rows of click-through and of feedback
NO_DEPARTMENT = "(geen afdeling)"
NO_ARTICLE = "(geen artikel)"


@dataclass(frozen=True)
class Names:
    """Department and article names for the figures (from the search engine)."""

    departments: Mapping[str, str]
    articles: Mapping[str, str]

    def department(self, department_id: str | None) -> str:
        return NO_DEPARTMENT if department_id is None else self.departments.get(department_id, department_id)

    def article(self, article_id: str | None) -> str:
        return NO_ARTICLE if article_id is None else self.articles.get(article_id, article_id)


@dataclass
class Figures:
    """What the database answered for a period."""

    days: dict
    before: dict[str, int]
    departments: dict[str | None, int]
    questions: list[QuestionCount]
    distinct_questions: int
    clicks: dict[str, queries.ArticleClicks]
    positions: dict[int, int]
    feedback: list[queries.ArticleFeedback]


def read_figures(engine: Engine, period: Period) -> Figures:
    """Every query of the page, in one read transaction; `SearchLogUnavailable` when the database
    does not answer."""
    try:
        with engine.connect() as connection:
            questions, distinct = queries.question_counts(connection, period, QUESTION_CAP)
            questions = queries.with_not_helpful(questions, queries.not_helpful_counts(connection, period))
            return Figures(
                days=queries.daily_outcomes(connection, period),
                before=queries.outcome_counts(connection, period.before()),
                departments=queries.department_counts(connection, period),
                questions=questions,
                distinct_questions=distinct,
                clicks=queries.article_clicks(connection, period),
                positions=queries.click_positions(connection, period),
                feedback=queries.article_feedback(connection, period),
            )
    except SQLAlchemyError as exc:
        raise SearchLogUnavailable(type(exc).__name__) from None


def group_questions(questions: list[QuestionCount], vectors: QuestionVectors) -> list[list[QuestionCount]]:
    """The questions (most asked first) grouped by meaning; each group's most asked question first."""
    if not questions:
        return []
    rows = leader_groups(vectors([question.normalized for question in questions]))
    return [[questions[row] for row in group] for group in rows]


def _group(members: list[QuestionCount], names: Names) -> dict:
    departments: Counter[str | None] = Counter()
    for member in members:
        departments[member.department_id] += member.department_searches
    department_id = max(departments, key=lambda key: (departments[key], key is not None)) if departments else None
    return {
        "question": members[0].phrasing,
        "searches": sum(member.searches for member in members),
        "variants": len(members),
        "phrasings": [schemas.Phrasing(text=member.phrasing, searches=member.searches) for member in members[:PHRASINGS]],
        "outcomes": schemas.OutcomeCounts(**{outcome: sum(m.outcomes[outcome] for m in members) for outcome in OUTCOMES}),
        "unsure": sum(member.unsure for member in members),
        "not_helpful": sum(member.not_helpful for member in members),
        "troubled": sum(member.troubled for member in members),
        "department_id": department_id,
        "department": None if department_id is None else names.department(department_id),
    }


def _problem(group: dict) -> str:
    outcomes = group["outcomes"]
    counts = {"not_found": outcomes.off_topic + outcomes.no_results, "not_helpful": group["not_helpful"],
              "unsure": group["unsure"]}
    return max(counts, key=lambda key: counts[key])  # ties: in this order


def _share(part: int, whole: int) -> float:
    return part / whole if whole else 0.0


def build_insight(figures: Figures, groups: list[list[QuestionCount]], period: Period, names: Names) -> schemas.Insight:
    before = period.before()
    per_day = []
    for offset in range(period.days):
        day = period.since + timedelta(days=offset)
        counts = figures.days.get(day, dict.fromkeys(OUTCOMES, 0))
        per_day.append(schemas.DayCount(day=day, searches=sum(counts.values()), **counts))
    now = {outcome: sum(day.model_dump()[outcome] for day in per_day) for outcome in OUTCOMES}
    searches, searches_before = sum(now.values()), sum(figures.before.values())
    outcomes = []
    for outcome in OUTCOMES:
        share, share_before = _share(now[outcome], searches), _share(figures.before[outcome], searches_before)
        outcomes.append(schemas.OutcomeShare(
            outcome=outcome, searches=now[outcome], share=share, searches_before=figures.before[outcome],
            share_before=share_before, change_points=round((share - share_before) * 100, 1),
        ))
    described = [_group(members, names) for members in groups]
    described.sort(key=lambda group: (-group["searches"], group["question"]))
    gaps = [schemas.Gap(**group, problem=_problem(group)) for group in described if group["troubled"] * 2 > group["searches"]]
    clicks = sorted(figures.clicks.values(), key=lambda row: (-row.shown_first, -row.opened, row.article_id))
    opened_after = sum(row.opened_after for row in figures.clicks.values())
    return schemas.Insight(
        since=period.since, until=period.until, days=period.days, since_before=before.since, until_before=before.until,
        searches=searches, searches_before=searches_before, per_day=per_day, outcomes=outcomes,
        departments=[
            schemas.DepartmentShare(department_id=department_id, name=names.department(department_id), searches=count,
                                    share=_share(count, searches))
            for department_id, count in figures.departments.items()
        ],
        opened_share=_share(opened_after, searches) if searches else None,
        click_positions=[schemas.PositionCount(position=position, clicks=count) for position, count in figures.positions.items()],
        questions=figures.distinct_questions,
        grouped_questions=len(figures.questions),
        grouped_searches=sum(question.searches for question in figures.questions),
        groups=[schemas.QuestionGroup(**group) for group in described[:GROUPS]],
        gaps=gaps[:GAPS],
        click_through=[
            schemas.ArticleClickThrough(
                article_id=row.article_id, title=names.article(row.article_id), shown_first=row.shown_first,
                opened_share=_share(row.opened_after, row.shown_first) if row.shown_first else None,
                opened=row.opened, mean_position=None if row.mean_position is None else round(row.mean_position, 2),
            )
            for row in clicks[:ARTICLES]
        ],
        feedback=[
            schemas.ArticleFeedbackInsight(
                article_id=entry.article_id, title=names.article(entry.article_id), helpful=entry.helpful,
                not_helpful=entry.not_helpful, comments=[schemas.InsightComment(**comment) for comment in entry.comments],
            )
            for entry in figures.feedback[:ARTICLES]
        ],
    )


def insight(engine: Engine, period: Period, vectors: QuestionVectors, names: Names) -> schemas.Insight:
    figures = read_figures(engine, period)
    return build_insight(figures, group_questions(figures.questions, vectors), period, names)
