"""`kb bench-insight`: fill an empty search log with many realistic searches, then time every
query of the editors' insight page on it, the grouping by meaning, and the storage it takes.

The searches span `DAYS` days up to now (fewer at night and at the weekend). Their questions are
the labelled evaluation questions and the articles' example questions, a few thousand different
ones, asked with a Zipf spread (the most asked one about 160 times as often as the hundredth); a
question outside the knowledge base mostly gets "geen informatie", and about one in
eight of the others is made hard (mostly "geen informatie" or not found: the gaps to find). About
four in ten routed searches open a result (at the answer's link or the first result mostly), and
two in a hundred searches get feedback, a third of it with a remark. Rows are written in bulk:
`COPY` in PostgreSQL, `executemany` in SQLite. Figures to print, not a test."""

from __future__ import annotations

import random
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np
from sqlalchemy import Connection, Engine, Table, func, select, text

from kb.articles import iter_article_paths, parse_article
from kb.questions import load_questions
from kb.settings import Settings
from search_api.question_groups import Embed, QuestionVectors
from search_api.storage import insight as queries
from search_api.storage.db import SQLITE_FILE, database_url, transaction
from search_api.storage.digest import Period
from search_api.storage.models import Click, Feedback, Search
from search_api.storage.normalize import normalize

DAYS = 90
ZIPF = 1.1
CHUNK = 50_000
CHANNELS = (("page", 0.55), ("widget", 0.33), ("console", 0.07), ("api", 0.05))
HOURS = np.array([1, 1, 1, 1, 1, 2, 4, 8, 14, 16, 16, 15, 13, 14, 15, 14, 12, 10, 9, 9, 8, 6, 4, 2], dtype=float)
POSITIONS = (np.arange(6), np.array([0.35, 0.35, 0.15, 0.08, 0.04, 0.03]))
REMARKS_HELPFUL = ("Duidelijk, dank u wel.", "Precies wat ik zocht.", "Snel gevonden.")
REMARKS_NOT_HELPFUL = (
    "De prijs staat er niet bij.", "Ik snap niet wat ik moet meenemen.", "Dit gaat over iets anders.",
    "Er staat niet hoe lang het duurt.", "Ik kan geen afspraak maken via deze pagina.", "Te veel tekst.",
)


@dataclass(frozen=True)
class PoolQuestion:
    text: str
    normalized: str
    article: str | None  # the article that answers it; None: outside the knowledge base
    department: str | None
    language: str


def question_pool(settings: Settings) -> list[PoolQuestion]:
    """The labelled evaluation questions and the articles' example questions, each once."""
    articles = [article for path in iter_article_paths(settings.content_dir) if (article := parse_article(path).article)]
    department_of = {article.id: article.meta.department for article in articles}
    pool: dict[str, PoolQuestion] = {}
    for article in articles:
        for question in article.meta.questions:
            pool.setdefault(normalize(question), PoolQuestion(question, normalize(question), article.id, article.meta.department, "nl"))
        for question in article.meta.english_questions:
            pool.setdefault(normalize(question), PoolQuestion(question, normalize(question), article.id, article.meta.department, "en"))
    for labelled in load_questions(settings.questions_file):
        expected = labelled.expected[0] if labelled.expected else None
        language = {"english": "en", "other_language": "xx"}.get(labelled.kind, "nl")
        pool.setdefault(normalize(labelled.q), PoolQuestion(
            labelled.q, normalize(labelled.q), expected, department_of.get(expected) if expected else None, language,
        ))
    return [question for question in pool.values() if question.normalized]


@dataclass
class Generated:
    searches: int = 0
    clicks: int = 0
    feedback: int = 0
    questions: int = 0  # different questions in the pool
    seconds: float = 0.0


def _bulk_insert(connection: Connection, table: Table, columns: tuple[str, ...], rows: list[tuple]) -> None:
    if not rows:
        return
    if connection.dialect.name == "postgresql":
        raw = connection.connection.driver_connection
        assert raw is not None
        with raw.cursor() as cursor, cursor.copy(f"COPY {table.name} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return
    processors = [table.c[name].type.bind_processor(connection.dialect) for name in columns]
    converted = [tuple(value if p is None or value is None else p(value) for p, value in zip(processors, row)) for row in rows]
    placeholders = ", ".join("?" for _ in columns)
    connection.exec_driver_sql(f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({placeholders})", converted)


SEARCH_COLUMNS = ("search_id", "time", "query", "normalized", "language", "channel", "outcome", "department_id",
                  "confidence", "in_scope", "top_article", "latency_ms")
CLICK_COLUMNS = ("search_id", "time", "article_id", "position")
FEEDBACK_COLUMNS = ("search_id", "time", "query", "article_id", "department_id", "helpful", "comment", "channel")
OUTCOMES = queries.OUTCOMES


def generate(engine: Engine, pool: list[PoolQuestion], rows: int, *, now: datetime, days: int = DAYS, seed: int = 7,
             hard_share: float = 0.12, progress: Callable[[int], None] | None = None) -> Generated:
    """Write `rows` searches of the `days` days up to `now` (UTC, no zone), with clicks and feedback;
    `hard_share` of the questions the knowledge base covers mostly fail all the same."""
    started = time.perf_counter()
    rng = np.random.default_rng(seed)
    ids = random.Random(seed)
    pool = list(pool)
    random.Random(seed).shuffle(pool)
    n = len(pool)
    weights = 1 / np.arange(1, n + 1) ** ZIPF
    weights /= weights.sum()
    articles = sorted({question.article for question in pool if question.article})
    departments = sorted({question.department for question in pool if question.department})
    # how each question's searches end: routed, ambiguous, off_topic, no_results
    outside = np.array([question.article is None for question in pool])
    hard = ~outside & (rng.random(n) < hard_share)
    behaviour = np.tile([0.82, 0.10, 0.07, 0.01], (n, 1))
    behaviour[hard] = [0.22, 0.13, 0.55, 0.10]
    behaviour[outside] = [0.04, 0.04, 0.82, 0.10]
    cumulative = behaviour.cumsum(axis=1)
    poor_answer = ~outside & (rng.random(n) < 0.08)  # its answer is mostly called not useful

    day_weights = np.array([0.5 if (now - timedelta(days=day)).weekday() >= 5 else 1.0 for day in range(days)])
    question = rng.choice(n, size=rows, p=weights)
    day = rng.choice(days, size=rows, p=day_weights / day_weights.sum())
    seconds = rng.choice(24, size=rows, p=HOURS / HOURS.sum()) * 3600 + rng.random(rows) * 3600
    start = now.replace(hour=0, minute=0, second=0, microsecond=0)
    offsets = np.sort(seconds - day * 86400)  # seconds from the start of today; in order of time
    order = np.argsort(seconds - day * 86400, kind="stable")
    question = question[order]
    outcome = (rng.random(rows)[:, None] > cumulative[question]).sum(axis=1).clip(0, 3)
    channel_names = [name for name, _ in CHANNELS]
    channel = rng.choice(len(CHANNELS), size=rows, p=[share for _, share in CHANNELS])
    uniform = rng.random((rows, 6))
    positions = rng.choice(POSITIONS[0], size=(rows, 2), p=POSITIONS[1])
    other_articles = rng.integers(0, len(articles), size=(rows, 2))
    result = Generated(questions=n)
    for first in range(0, rows, CHUNK):
        searches, clicks, feedback = [], [], []
        for row in range(first, min(rows, first + CHUNK)):
            asked = pool[question[row]]
            moment = min(start + timedelta(seconds=float(offsets[row])), now)
            kind = OUTCOMES[outcome[row]]
            u = uniform[row]
            department = asked.department or departments[int(u[0] * len(departments))]
            article = asked.article or articles[int(u[1] * len(articles))]
            text = asked.text if u[2] < 0.6 else asked.text[:1].upper() + asked.text[1:].rstrip("?") + "?"
            search_id = f"{ids.getrandbits(128):032x}"
            searches.append((
                search_id, moment, text, asked.normalized, asked.language, channel_names[channel[row]], kind,
                department if kind == "routed" else None,
                round(0.70 + 0.3 * u[3], 3) if kind == "routed" else (round(0.3 + 0.4 * u[3], 3) if kind == "ambiguous" else None),
                round(0.5 + 0.5 * u[4], 3) if kind in ("routed", "ambiguous") else round(0.45 * u[4], 3),
                None if kind == "no_results" else article, round(20 + 60 * u[5], 1),
            ))
            if kind == "no_results":
                continue
            if u[5] < (0.45, 0.30, 0.08)[outcome[row]]:
                for click in range(1 if u[1] < 0.9 else 2):
                    position = int(positions[row, click])
                    clicked = article if position <= 1 else articles[other_articles[row, click]]
                    clicks.append((search_id, moment + timedelta(seconds=5 + 60 * click + 200 * u[2]), clicked, position))
            if u[4] < 0.02 or (u[4] > 0.98 and poor_answer[question[row]]):
                helpful = bool(u[0] < (0.25 if poor_answer[question[row]] else 0.75 if kind == "routed" else 0.4))
                remarks = REMARKS_HELPFUL if helpful else REMARKS_NOT_HELPFUL
                comment = remarks[int(u[3] * len(remarks))] if u[2] < 0.35 else None
                feedback.append((search_id, moment + timedelta(seconds=30 + 100 * u[1]), text, article,
                                 department if kind == "routed" else None, helpful, comment, "web"))
        with transaction(engine, write=True) as connection:
            _bulk_insert(connection, Search.__table__, SEARCH_COLUMNS, searches)
            _bulk_insert(connection, Click.__table__, CLICK_COLUMNS, clicks)
            _bulk_insert(connection, Feedback.__table__, FEEDBACK_COLUMNS, feedback)
        result.searches += len(searches)
        result.clicks += len(clicks)
        result.feedback += len(feedback)
        if progress:
            progress(result.searches)
    result.seconds = time.perf_counter() - started
    return result


#: Every query of the page (`search_api.insight.read_figures`), by what it gives
QUERIES: dict[str, Callable[[Connection, Period], object]] = {
    "searches per day and outcome": queries.daily_outcomes,
    "outcomes of the period before": lambda connection, period: queries.outcome_counts(connection, period.before()),
    "department mix": queries.department_counts,
    "questions by normalised form (top 2,000)": lambda connection, period: queries.question_counts(connection, period, 2000),
    "searches called not useful, per question": queries.not_helpful_counts,
    "first results per article": queries.first_results,
    "searches with a result opened, per first result": queries.opened_after_first,
    "openings per article with their position": queries.article_openings,
    "positions of opened results": queries.click_positions,
    "feedback per article with remarks": queries.article_feedback,
}


@dataclass
class Grouping:
    questions: int
    groups: int
    gaps: int
    cold_seconds: float  # embedding the questions (none cached) and grouping them
    warm_seconds: float  # the same again: every vector from the cache


@dataclass
class InsightBenchmark:
    database: str
    generated: Generated
    bytes: int  # the search log's storage after writing
    periods: dict[str, Period]
    timings: dict[str, dict[str, float]] = field(default_factory=dict)  # query -> period -> median seconds
    grouping: dict[str, Grouping] = field(default_factory=dict)  # period -> figures

    @property
    def bytes_per_million(self) -> float:
        return self.bytes / self.generated.searches * 1_000_000 if self.generated.searches else 0.0


def storage_bytes(engine: Engine, settings: Settings) -> int:
    """The search log's size: the SQLite file after a checkpoint, or PostgreSQL's size of its
    three tables with their indexes."""
    with transaction(engine) as connection:
        if connection.dialect.name == "postgresql":
            return int(connection.execute(text(
                "SELECT pg_total_relation_size('searches') + pg_total_relation_size('clicks') "
                "+ pg_total_relation_size('feedback')"
            )).scalar_one())
    with engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    path = Path(database_url(settings).database or settings.data_dir / SQLITE_FILE)
    return sum(candidate.stat().st_size for candidate in (path, path.with_name(path.name + "-wal")) if candidate.exists())


def searches_stored(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(Search)).scalar_one())


def time_queries(engine: Engine, periods: dict[str, Period], rounds: int = 3) -> dict[str, dict[str, float]]:
    """Each query on each period, `rounds` times; the median."""
    timings: dict[str, dict[str, float]] = {}
    for name, query in QUERIES.items():
        for label, period in periods.items():
            seconds = []
            for _ in range(rounds):
                with engine.connect() as connection:
                    started = time.perf_counter()
                    query(connection, period)
                    seconds.append(time.perf_counter() - started)
            timings.setdefault(name, {})[label] = statistics.median(seconds)
    return timings


def time_grouping(engine: Engine, period: Period, embed: Embed) -> Grouping:
    """Read the period's most asked questions, embed them (nothing cached) and group them; then again."""
    from search_api.insight import QUESTION_CAP, group_questions

    with engine.connect() as connection:
        questions, _ = queries.question_counts(connection, period, QUESTION_CAP)
    vectors = QuestionVectors(embed)
    runs = []
    for _ in range(2):
        started = time.perf_counter()
        groups = group_questions(questions, vectors)
        runs.append(time.perf_counter() - started)
    gaps = sum(1 for group in groups if sum(m.troubled for m in group) * 2 > sum(m.searches for m in group))
    return Grouping(len(questions), len(groups), gaps, runs[0], runs[1])


def periods_until(today: datetime) -> dict[str, Period]:
    """The page's default period (the last seven days) and the longest it allows."""
    from search_api.insight import MAX_DAYS

    last = today.date()
    return {"7 days": Period(last - timedelta(days=6), last), f"{MAX_DAYS} days": Period(last - timedelta(days=MAX_DAYS - 1), last)}


def utc_now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


class NotEmpty(RuntimeError):
    """The database already holds searches: the benchmark writes into an empty one only."""


def run_insight_benchmark(settings: Settings, *, rows: int, progress: Callable[[int], None] | None = None,
                          embed: Callable[[], Embed] | None = None) -> InsightBenchmark:
    """Write `rows` searches into the (empty) search log of the settings, then time the page's
    queries on its default and its longest period, and the grouping by meaning with `embed()`'s
    embedder (default: the query embedder of the settings' model)."""
    from search_api.storage.db import describe, open_database

    engine = open_database(settings)
    try:
        stored = searches_stored(engine)
        if stored:
            raise NotEmpty(f"{describe(settings)} holds {stored:,} searches already: give an empty database")
        now = utc_now()
        generated = generate(engine, question_pool(settings), rows, now=now, progress=progress)
        if engine.dialect.name == "postgresql":
            with transaction(engine) as connection:  # as autovacuum does after so many new rows
                connection.exec_driver_sql("ANALYZE searches, clicks, feedback")
        result = InsightBenchmark(describe(settings), generated, storage_bytes(engine, settings), periods_until(now))
        result.timings = time_queries(engine, result.periods)
        if embed is None:
            from kb.embedding import text_embedder
            from search_api.question_groups import batch_embedder

            embedder = batch_embedder(text_embedder(settings))
        else:
            embedder = embed()
        result.grouping = {label: time_grouping(engine, period, embedder) for label, period in result.periods.items()}
        return result
    finally:
        engine.dispose()
