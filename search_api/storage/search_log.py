"""The search log: what was asked, how it ended, which result was opened and whether it helped.

Storing a search or a click costs the request a few microseconds: it is put on a queue, and a
writer thread masks personal data (`privacy.redact`), then writes in batches (every
`flush_seconds`, or sooner at `batch_rows` rows). `close()` writes what is queued before it
returns (the API calls it when it stops), and the lists for the editors first write what this
process has queued. Feedback is written at once: the citizen is thanked after it is stored.

Rows older than the retention period (`KB_LOG_RETENTION_DAYS`) are deleted when the log is
opened and once a day after. Nothing identifies who searched: no IP address, no user, no
cookie; a search is known by a random `search_id` only.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Literal

from sqlalchemy import Engine, String, case, cast, delete, func, insert, select
from sqlalchemy.exc import SQLAlchemyError

from kb.settings import Settings
from search_api.privacy import redact
from search_api.storage.db import open_database, transaction
from search_api.storage.jsonl_import import import_jsonl_files
from search_api.storage.models import Click, Feedback, Search
from search_api.storage.normalize import normalize

log = logging.getLogger(__name__)

Channel = Literal["page", "widget", "console", "api"]
FAILED = ("off_topic", "no_results")
PURGE_SECONDS = 24 * 3600
RETRY_SECONDS = 5.0
CLOSE_SECONDS = 60  # how long a shutdown waits for the last batch
MAX_PENDING = 100_000  # rows kept while the database cannot be written; the oldest go first beyond


class SearchLogUnavailable(RuntimeError):
    """The database of the search log did not answer."""


@dataclass(frozen=True, slots=True)
class _SearchEntry:
    search_id: str
    time: float
    query: str
    language: str | None
    channel: Channel
    outcome: str
    department_id: str | None
    confidence: float | None
    in_scope: float | None
    top_article: str | None
    latency_ms: float | None


@dataclass(frozen=True, slots=True)
class _ClickEntry:
    search_id: str
    time: float
    article_id: str
    position: int


_STOP = object()


def _utc(timestamp: float) -> datetime:
    return datetime.fromtimestamp(timestamp, timezone.utc).replace(tzinfo=None)


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def iso(moment: datetime) -> str:
    """A stored time as ISO 8601 in UTC: 2026-12-01T09:30:00+00:00."""
    return moment.replace(tzinfo=timezone.utc).isoformat(timespec="seconds")


class SearchLog:
    def __init__(self, engine: Engine, *, retention_days: int = 90, flush_seconds: float = 0.2, batch_rows: int = 1000):
        self.engine = engine
        self.retention = timedelta(days=retention_days)
        self.flush_seconds = flush_seconds
        self.batch_rows = batch_rows
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._pending: list[_SearchEntry | _ClickEntry] = []
        self._closed = False
        self._thread = threading.Thread(target=self._run, name="search-log-writer", daemon=True)
        self._thread.start()

    @classmethod
    def open(cls, settings: Settings, **options) -> "SearchLog":
        """The log of the settings' database: migrated, the old JSON Lines files imported, old rows
        deleted. `storage.db.DatabaseError` says why when it cannot be opened."""
        engine = open_database(settings)
        import_jsonl_files(engine, settings.data_dir / "feedback")
        search_log = cls(engine, retention_days=settings.log_retention_days, **options)
        search_log.purge()
        return search_log

    # -- the request path: a queue ------------------------------------------------------------

    def record_search(
        self, *, query: str, language: str | None, channel: Channel, outcome: str, department_id: str | None,
        confidence: float | None, in_scope: float | None, top_article: str | None, latency_ms: float | None,
    ) -> str:
        """Queue a search (masked and written by the writer thread); its new `search_id`."""
        search_id = uuid.uuid4().hex
        self._queue.put(_SearchEntry(
            search_id, time.time(), query, language, channel, outcome, department_id, confidence, in_scope,
            top_article, latency_ms,
        ))
        return search_id

    def record_click(self, *, search_id: str, article_id: str, position: int) -> None:
        """Queue a click on a result of the search `search_id`."""
        self._queue.put(_ClickEntry(search_id, time.time(), article_id, position))

    # -- the writer thread ----------------------------------------------------------------------

    def _run(self) -> None:
        next_purge = time.monotonic() + PURGE_SECONDS
        stopping = False
        while not stopping:
            waiters: list[threading.Event] = []
            wait = RETRY_SECONDS if self._pending else max(0.0, next_purge - time.monotonic())
            deadline = None
            while True:
                try:
                    timeout = wait if deadline is None else max(0.0, deadline - time.monotonic())
                    item = self._queue.get(timeout=timeout)
                except queue.Empty:
                    break
                if item is _STOP:
                    stopping = True
                    break
                if isinstance(item, threading.Event):
                    waiters.append(item)
                    break
                self._pending.append(item)
                if len(self._pending) >= self.batch_rows:
                    break
                if deadline is None:
                    deadline = time.monotonic() + self.flush_seconds
            if stopping:  # what was queued until close() was called
                while True:
                    try:
                        item = self._queue.get_nowait()
                    except queue.Empty:
                        break
                    if isinstance(item, threading.Event):
                        waiters.append(item)
                    elif item is not _STOP:
                        self._pending.append(item)
            self._write_pending(final=stopping)
            for waiter in waiters:
                waiter.set()
            if time.monotonic() >= next_purge:
                next_purge = time.monotonic() + PURGE_SECONDS
                try:
                    self.purge()
                except SearchLogUnavailable:
                    log.warning("Old rows of the search log could not be deleted; trying again in a day")

    def _write_pending(self, *, final: bool = False) -> None:
        if not self._pending:
            return
        searches = [_search_row(entry) for entry in self._pending if isinstance(entry, _SearchEntry)]
        clicks = [_click_row(entry) for entry in self._pending if isinstance(entry, _ClickEntry)]
        try:
            with transaction(self.engine, write=True) as connection:
                if searches:
                    connection.execute(insert(Search), searches)
                if clicks:
                    connection.execute(insert(Click), clicks)
        except SQLAlchemyError as exc:
            if final:
                log.error("The search log could not be written (%s): %d rows lost", type(exc).__name__, len(self._pending))
                self._pending.clear()
                return
            dropped = max(0, len(self._pending) - MAX_PENDING)
            del self._pending[:dropped]
            log.warning(
                "The search log could not be written (%s); %d rows kept for the next try%s", type(exc).__name__,
                len(self._pending), f", {dropped} oldest dropped" if dropped else "",
            )
            return
        self._pending.clear()

    def flush(self, timeout: float | None = 30.0) -> None:
        """Return when what this process queued so far is written (or could not be)."""
        if self._closed or not self._thread.is_alive():
            return
        done = threading.Event()
        self._queue.put(done)
        done.wait(timeout)

    def close(self) -> None:
        """Write what is queued, stop the writer thread and close the database's connections."""
        if self._closed:
            return
        self._closed = True
        self._queue.put(_STOP)
        self._thread.join(CLOSE_SECONDS)
        if self._thread.is_alive():
            log.error("The search log's writer did not finish within %d s; what it still holds is lost", CLOSE_SECONDS)
        self.engine.dispose()

    # -- retention ------------------------------------------------------------------------------

    def _cutoff(self) -> datetime:
        return _now() - self.retention

    def purge(self) -> int:
        """Delete searches, clicks and feedback older than the retention period; how many rows."""
        cutoff = self._cutoff()
        try:
            with transaction(self.engine, write=True) as connection:
                deleted = sum(
                    connection.execute(delete(table).where(table.time < cutoff)).rowcount
                    for table in (Search, Click, Feedback)
                )
        except SQLAlchemyError as exc:
            raise SearchLogUnavailable(type(exc).__name__) from None
        if deleted:
            log.info("Deleted %d rows older than %d days from the search log", deleted, self.retention.days)
        return deleted

    # -- feedback: written at once --------------------------------------------------------------

    def add_feedback(
        self, *, query: str, article_id: str | None, department_id: str | None, helpful: bool, comment: str | None,
        channel: str, search_id: str | None = None,
    ) -> dict:
        """Store feedback (personal data masked); the record as stored."""
        row = {
            "search_id": search_id, "time": _now(), "query": redact(query), "article_id": article_id,
            "department_id": department_id, "helpful": helpful, "comment": redact(comment) if comment else None,
            "channel": channel,
        }
        try:
            with transaction(self.engine, write=True) as connection:
                connection.execute(insert(Feedback), [row])
        except SQLAlchemyError as exc:
            raise SearchLogUnavailable(type(exc).__name__) from None
        return {**row, "time": iso(row["time"])}

    # -- what the editors read ------------------------------------------------------------------

    def _read(self, statement) -> list[dict]:
        try:
            with self.engine.connect() as connection:
                return [dict(row._mapping) for row in connection.execute(statement)]
        except SQLAlchemyError as exc:
            raise SearchLogUnavailable(type(exc).__name__) from None

    def feedback(self, limit: int | None = None) -> list[dict]:
        """Feedback within the retention period, newest first."""
        columns = [Feedback.time, Feedback.query, Feedback.article_id, Feedback.department_id, Feedback.helpful,
                   Feedback.comment, Feedback.channel, Feedback.search_id]
        statement = (select(*columns).where(Feedback.time >= self._cutoff())
                     .order_by(Feedback.time.desc(), Feedback.id.desc()).limit(limit))
        return [{**row, "time": iso(row["time"])} for row in self._read(statement)]

    def feedback_per_article(self) -> list[dict]:
        """Per article: how often it was called useful and not useful, most complaints first."""
        helpful = func.sum(case((Feedback.helpful, 1), else_=0))
        not_helpful = func.sum(case((Feedback.helpful, 0), else_=1))
        statement = (
            select(Feedback.article_id, helpful.label("helpful"), not_helpful.label("not_helpful"))
            .where(Feedback.time >= self._cutoff()).group_by(Feedback.article_id)
        )
        rows = [{**row, "helpful": int(row["helpful"]), "not_helpful": int(row["not_helpful"])} for row in self._read(statement)]
        return sorted(rows, key=lambda row: (-row["not_helpful"], row["helpful"], row["article_id"] or ""))

    def unanswered(self, limit: int | None = None) -> list[dict]:
        """Searches that found nothing, the same question (normalised) once with how often it was asked
        and when first and last; the newest wording, status, language and best guess. Most asked first."""
        self.flush()
        window = {"partition_by": Search.normalized}
        ranked = (
            select(
                Search.id, Search.query, Search.outcome, Search.language, Search.top_article, Search.time,
                func.row_number().over(**window, order_by=(Search.time.desc(), Search.id.desc())).label("rank"),
                func.count().over(**window).label("count"),
                func.min(Search.time).over(**window).label("first_seen"),
            )
            .where(Search.outcome.in_(FAILED), Search.time >= self._cutoff())
            .subquery()
        )
        statement = (
            select(ranked).where(ranked.c.rank == 1)
            .order_by(ranked.c.count.desc(), ranked.c.time.desc(), ranked.c.id.desc()).limit(limit)
        )
        return [
            {
                "query": row["query"], "count": row["count"], "first_seen": iso(row["first_seen"]),
                "last_seen": iso(row["time"]), "status": row["outcome"], "language": row["language"],
                "top_article": row["top_article"],
            }
            for row in self._read(statement)
        ]

    def searches(self, since: date, until: date) -> Iterator[dict]:
        """Every search of the days `since` to `until` (UTC, both included), oldest first, with its
        clicks and feedback; read in pieces, for an export of any size."""
        self.flush()
        clicks = (
            select(Click.search_id, func.count().label("clicks"),
                   func.aggregate_strings(cast(Click.position, String), ";").label("positions"))
            .group_by(Click.search_id).subquery()
        )
        feedback = (
            select(Feedback.search_id,
                   func.sum(case((Feedback.helpful, 1), else_=0)).label("helpful"),
                   func.sum(case((Feedback.helpful, 0), else_=1)).label("not_helpful"))
            .where(Feedback.search_id.is_not(None)).group_by(Feedback.search_id).subquery()
        )
        start = datetime.combine(since, datetime.min.time())
        end = datetime.combine(until, datetime.max.time())
        statement = (
            select(
                Search.time, Search.query, Search.normalized, Search.language, Search.channel, Search.outcome,
                Search.department_id, Search.confidence, Search.in_scope, Search.top_article, Search.latency_ms,
                func.coalesce(clicks.c.clicks, 0).label("clicks"), clicks.c.positions,
                func.coalesce(feedback.c.helpful, 0).label("helpful"),
                func.coalesce(feedback.c.not_helpful, 0).label("not_helpful"),
            )
            .outerjoin(clicks, clicks.c.search_id == Search.search_id)
            .outerjoin(feedback, feedback.c.search_id == Search.search_id)
            .where(Search.time >= start, Search.time <= end, Search.time >= self._cutoff())
            .order_by(Search.time, Search.id)
        )
        try:
            with self.engine.connect() as connection:
                result = connection.execution_options(stream_results=True, yield_per=1000).execute(statement)
                for row in result:
                    yield {**row._mapping, "time": iso(row.time)}
        except SQLAlchemyError as exc:
            raise SearchLogUnavailable(type(exc).__name__) from None


def _search_row(entry: _SearchEntry) -> dict:
    query = redact(entry.query)
    return {
        "search_id": entry.search_id, "time": _utc(entry.time), "query": query, "normalized": normalize(query),
        "language": entry.language, "channel": entry.channel, "outcome": entry.outcome,
        "department_id": entry.department_id, "confidence": entry.confidence, "in_scope": entry.in_scope,
        "top_article": entry.top_article, "latency_ms": entry.latency_ms,
    }


def _click_row(entry: _ClickEntry) -> dict:
    return {"search_id": entry.search_id, "time": _utc(entry.time), "article_id": entry.article_id,
            "position": entry.position}
