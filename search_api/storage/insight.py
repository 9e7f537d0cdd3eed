"""The queries behind the editors' insight page (`GET /quality/insight`), for a period. Each one
aggregates in the database (GROUP BY over the indexed columns of migration 0002); what comes back
to Python is one row per day, outcome, department, question or article, never one per search.

- `daily_outcomes`: searches per day, split by outcome;
- `outcome_counts`: the outcomes of a period (for the period before);
- `department_counts`: the department mix;
- `question_counts`: the most asked questions by their normalised form, each with its outcomes,
  how many searches were unsure or found nothing, and its main department (`search_api.insight`
  groups these by meaning); `not_helpful_counts`: per question, the searches called not useful;
- `first_results`, `opened_after_first`, `article_openings`: per article, how often it came
  first, how often a result was opened then, and how often and at which position the article
  itself was opened;
- `click_positions`: at which positions results were opened;
- `article_feedback`: useful / not useful per article, with the newest remarks.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, timedelta

from sqlalchemy import Connection, and_, case, distinct, func, or_, select

from search_api.storage.digest import Period
from search_api.storage.models import Click, Feedback, Search
from search_api.storage.search_log import iso

OUTCOMES = ("routed", "ambiguous", "off_topic", "no_results")
#: A department chosen with less than this confidence is "unsure", like every "Bedoelt u ...?"
#: (the router abstains below its fitted minimum, 0.70 in December 2026; this catches a department
#: a citizen picked from "Bedoelt u ...?" with a low probability)
LOW_CONFIDENCE = 0.5
COMMENTS_PER_ARTICLE = 5


@dataclass(frozen=True)
class QuestionCount:
    """The searches of one normalised question in a period."""

    normalized: str
    phrasing: str  # one way it was typed (case and punctuation as a citizen typed them)
    searches: int
    outcomes: dict[str, int]
    unsure: int  # "Bedoelt u ...?" or a department chosen with low confidence
    not_helpful: int  # searches whose answer was called not useful
    troubled: int  # searches with any of: nothing found, "geen informatie", unsure, not useful
    department_id: str | None  # where most of its searches were sent
    department_searches: int  # how many of them


@dataclass(frozen=True)
class ArticleClicks:
    article_id: str
    shown_first: int = 0  # searches that had it as first result
    opened_after: int = 0  # of those, searches where a result was opened
    opened: int = 0  # times the article itself was opened (any search, any position)
    mean_position: float | None = None  # of those openings


@dataclass
class ArticleFeedback:
    article_id: str | None
    helpful: int = 0
    not_helpful: int = 0
    comments: list[dict] = field(default_factory=list)  # time, helpful, question, comment; newest first


def _between(column, period: Period):
    start, end = period.bounds()
    return column.between(start, end)


def _sum(condition):
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _day(value: object) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))  # SQLite gives text


def daily_outcomes(connection: Connection, period: Period) -> dict[date, dict[str, int]]:
    """Day (UTC) -> outcome -> searches, for the days that had any."""
    day = func.date(Search.time)
    rows = connection.execute(
        select(day, Search.outcome, func.count()).where(_between(Search.time, period)).group_by(day, Search.outcome)
    ).all()
    days: dict[date, dict[str, int]] = {}
    for value, outcome, count in rows:
        days.setdefault(_day(value), dict.fromkeys(OUTCOMES, 0))[outcome] = count
    return days


def outcome_counts(connection: Connection, period: Period) -> dict[str, int]:
    rows = connection.execute(
        select(Search.outcome, func.count()).where(_between(Search.time, period)).group_by(Search.outcome)
    ).all()
    return {**dict.fromkeys(OUTCOMES, 0), **{outcome: count for outcome, count in rows}}


def department_counts(connection: Connection, period: Period) -> dict[str | None, int]:
    """Department id (None: none was named) -> searches, most first."""
    rows = connection.execute(
        select(Search.department_id, func.count().label("n")).where(_between(Search.time, period))
        .group_by(Search.department_id).order_by(func.count().desc(), Search.department_id)
    ).all()
    return {department_id: count for department_id, count in rows}


def question_counts(connection: Connection, period: Period, limit: int) -> tuple[list[QuestionCount], int]:
    """The `limit` most asked normalised questions of the period, most asked first, and how many
    different ones the period had."""
    unsure = or_(Search.outcome == "ambiguous", and_(Search.outcome == "routed", Search.confidence < LOW_CONFIDENCE))
    per_department = (
        select(
            Search.normalized, Search.department_id, func.count().label("n"), func.max(Search.query).label("phrasing"),
            *(_sum(Search.outcome == outcome).label(outcome) for outcome in OUTCOMES), _sum(unsure).label("unsure"),
        )
        .where(_between(Search.time, period))
        .group_by(Search.normalized, Search.department_id)
        .subquery()
    )
    window = {"partition_by": per_department.c.normalized}
    ranked = select(
        per_department.c.normalized, per_department.c.department_id, per_department.c.n.label("department_searches"),
        func.row_number().over(
            **window, order_by=(per_department.c.n.desc(), func.coalesce(per_department.c.department_id, ""))
        ).label("rank"),
        func.max(per_department.c.phrasing).over(**window).label("phrasing"),
        *(func.sum(per_department.c[name]).over(**window).label(f"total_{name}") for name in ("n", *OUTCOMES, "unsure")),
    ).subquery()
    statement = (
        select(ranked, func.count().over().label("questions"))
        .where(ranked.c.rank == 1)
        .order_by(ranked.c.total_n.desc(), ranked.c.normalized)
        .limit(limit)
    )
    rows = connection.execute(statement).all()
    questions = []
    for row in rows:
        outcomes = {outcome: int(row._mapping[f"total_{outcome}"]) for outcome in OUTCOMES}
        unsure_searches = int(row.total_unsure)
        questions.append(QuestionCount(
            normalized=row.normalized, phrasing=row.phrasing, searches=int(row.total_n), outcomes=outcomes,
            unsure=unsure_searches, not_helpful=0,
            troubled=outcomes["off_topic"] + outcomes["no_results"] + unsure_searches,
            department_id=row.department_id, department_searches=int(row.department_searches),
        ))
    return questions, (int(rows[0].questions) if rows else 0)


def with_not_helpful(questions: list[QuestionCount], rated: dict[str, tuple[int, int]]) -> list[QuestionCount]:
    """The questions with their searches called not useful (`not_helpful_counts`) counted in."""
    return [
        replace(question, not_helpful=rated[question.normalized][0], troubled=question.troubled + rated[question.normalized][1])
        if question.normalized in rated else question
        for question in questions
    ]


def not_helpful_counts(connection: Connection, period: Period) -> dict[str, tuple[int, int]]:
    """Normalised question -> its searches of the period whose answer was called not useful, and how
    many of those were otherwise fine (sent to a department with confidence). Read from the
    feedback, which is small: checking every search against it costs more."""
    start, _ = period.bounds()
    rated = (
        select(Feedback.search_id)
        .where(Feedback.helpful.is_(False), Feedback.search_id.is_not(None), Feedback.time >= start)
        .distinct()
        .subquery()
    )
    fine = and_(Search.outcome == "routed", or_(Search.confidence.is_(None), Search.confidence >= LOW_CONFIDENCE))
    rows = connection.execute(
        select(Search.normalized, func.count(), _sum(fine))
        .join(rated, rated.c.search_id == Search.search_id)
        .where(_between(Search.time, period))
        .group_by(Search.normalized)
    ).all()
    return {normalized: (int(count), int(otherwise_fine)) for normalized, count, otherwise_fine in rows}


def first_results(connection: Connection, period: Period) -> dict[str, int]:
    """Article id -> searches that had it as first result."""
    rows = connection.execute(
        select(Search.top_article, func.count()).where(_between(Search.time, period), Search.top_article.is_not(None))
        .group_by(Search.top_article)
    ).all()
    return {article_id: count for article_id, count in rows if article_id}


def opened_after_first(connection: Connection, period: Period) -> dict[str, int]:
    """Article id -> searches that had it as first result and where a result was opened. Read from
    the clicks (a result is opened after its search, within the day mostly)."""
    start, end = period.bounds()
    rows = connection.execute(
        select(Search.top_article, func.count(distinct(Search.id)))
        .select_from(Click).join(Search, Search.search_id == Click.search_id)
        .where(Click.time.between(start, end + timedelta(days=1)), Search.time.between(start, end),
               Search.top_article.is_not(None))
        .group_by(Search.top_article)
    ).all()
    return {article_id: count for article_id, count in rows if article_id}


def article_openings(connection: Connection, period: Period) -> dict[str, tuple[int, float]]:
    """Article id -> times it was opened, and its mean position then."""
    rows = connection.execute(
        select(Click.article_id, func.count(), func.avg(Click.position)).where(_between(Click.time, period))
        .group_by(Click.article_id)
    ).all()
    return {article_id: (count, float(position)) for article_id, count, position in rows}


def article_clicks(connection: Connection, period: Period) -> dict[str, ArticleClicks]:
    """Article id -> its click-through in the period."""
    shown, opened_after, opened = (
        first_results(connection, period), opened_after_first(connection, period), article_openings(connection, period),
    )
    return {
        article_id: ArticleClicks(
            article_id, shown.get(article_id, 0), opened_after.get(article_id, 0), *opened.get(article_id, (0, None)),
        )
        for article_id in {*shown, *opened}
    }


def click_positions(connection: Connection, period: Period) -> dict[int, int]:
    """Position (0: the answer's link, 1: the first result) -> results opened there."""
    rows = connection.execute(
        select(Click.position, func.count()).where(_between(Click.time, period)).group_by(Click.position)
        .order_by(Click.position)
    ).all()
    return {position: count for position, count in rows}


def article_feedback(connection: Connection, period: Period) -> list[ArticleFeedback]:
    """Feedback per article (None: about no article), most "niet nuttig" first, each with its
    `COMMENTS_PER_ARTICLE` newest remarks."""
    in_period = _between(Feedback.time, period)
    counts = connection.execute(
        select(Feedback.article_id, _sum(Feedback.helpful.is_(True)), _sum(Feedback.helpful.is_(False)))
        .where(in_period).group_by(Feedback.article_id)
    ).all()
    newest = (
        select(
            Feedback.article_id, Feedback.time, Feedback.helpful, Feedback.query, Feedback.comment,
            func.row_number().over(
                partition_by=Feedback.article_id, order_by=(Feedback.time.desc(), Feedback.id.desc())
            ).label("rank"),
        )
        .where(in_period, Feedback.comment.is_not(None), Feedback.comment != "")
        .subquery()
    )
    comments = connection.execute(
        select(newest).where(newest.c.rank <= COMMENTS_PER_ARTICLE).order_by(newest.c.time.desc(), newest.c.rank)
    ).all()
    articles = {article_id: ArticleFeedback(article_id, int(helpful), int(unhelpful)) for article_id, helpful, unhelpful in counts}
    for row in comments:
        articles[row.article_id].comments.append(
            {"time": iso(row.time), "helpful": bool(row.helpful), "question": row.query, "comment": row.comment}
        )
    return sorted(articles.values(), key=lambda entry: (-entry.not_helpful, -entry.helpful, entry.article_id or ""))
