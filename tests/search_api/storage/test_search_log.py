"""The search log on both databases (a SQLite file and a real PostgreSQL server): what a search
stores, the editors' lists, a batch written at a clean shutdown, retention at start and by the
daily timer, the import of the old JSON Lines files, and two processes writing at once."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from datetime import date, datetime, timedelta, timezone

from sqlalchemy import func, insert, select

from kb.settings import PROJECT_DIR
from search_api.storage import search_log as search_log_module
from search_api.storage.models import Click, Feedback, Search
from search_api.storage.search_log import SearchLog

EVERYTHING = (date(2000, 1, 1), date(2100, 1, 1))


def search(log: SearchLog, query: str, outcome: str = "routed", **fields) -> str:
    values = dict(language="nl", channel="api", outcome=outcome, department_id="burgerzaken", confidence=0.91,
                  in_scope=0.97, top_article="paspoort-aanvragen", latency_ms=21.5)
    return log.record_search(query=query, **{**values, **fields})


def count(log: SearchLog, table) -> int:
    with log.engine.connect() as connection:
        return connection.execute(select(func.count()).select_from(table)).scalar_one()


def test_a_search_is_stored_masked_with_its_clicks_and_feedback(log_settings):
    log = SearchLog.open(log_settings)
    try:
        search_id = search(log, "Mijn BSN is 123456782: paspoort  verlengen?", channel="widget")
        assert len(search_id) == 32 and int(search_id, 16) >= 0
        log.record_click(search_id=search_id, article_id="paspoort-aanvragen", position=0)
        log.record_click(search_id=search_id, article_id="id-kaart-aanvragen", position=2)
        log.add_feedback(query="paspoort verlengen", article_id="paspoort-aanvragen", department_id="burgerzaken",
                         helpful=True, comment="bel mij op 06-12345678", channel="web", search_id=search_id)
        [row] = list(log.searches(*EVERYTHING))
    finally:
        log.close()
    assert row["query"] == "Mijn BSN is [bsn]: paspoort  verlengen?"
    assert row["normalized"] == "mijn bsn is bsn paspoort verlengen"
    assert (row["language"], row["channel"], row["outcome"], row["department_id"]) == ("nl", "widget", "routed", "burgerzaken")
    assert (row["confidence"], row["in_scope"], row["top_article"], row["latency_ms"]) == (0.91, 0.97, "paspoort-aanvragen", 21.5)
    assert row["clicks"] == 2 and sorted(row["positions"].split(";")) == ["0", "2"]
    assert (row["helpful"], row["not_helpful"]) == (1, 0)
    assert row["time"].endswith("+00:00")


def test_the_editors_lists(log_settings):
    log = SearchLog.open(log_settings)
    try:
        for query in ["recept appeltaart", "Recept  appeltaart!", "hondenuitlaatservice", "recept, appeltaart"]:
            search(log, query, outcome="off_topic", department_id=None, top_article=None)
        search(log, "paspoort aanvragen")  # found: not listed
        search(log, "xyzzy", outcome="no_results")
        for article_id, helpful in [("paspoort-aanvragen", True), ("grofvuil", False), ("grofvuil", False), ("grofvuil", True)]:
            log.add_feedback(query="q", article_id=article_id, department_id=None, helpful=helpful, comment=None, channel="web")
        log.add_feedback(query="mijn bsn is 123456782", article_id=None, department_id=None, helpful=False,
                         comment="bsn 123456782", channel="staff")
        unanswered = log.unanswered()
        feedback = log.feedback()
        per_article = log.feedback_per_article()
    finally:
        log.close()
    assert [(row["query"], row["count"], row["status"]) for row in unanswered] == [
        ("recept, appeltaart", 3, "off_topic"), ("xyzzy", 1, "no_results"), ("hondenuitlaatservice", 1, "off_topic"),
    ], "the same question once, most asked first, in its newest wording; the newest first among equals"
    assert unanswered[0]["first_seen"] <= unanswered[0]["last_seen"]
    assert per_article == [
        {"article_id": "grofvuil", "helpful": 1, "not_helpful": 2},
        {"article_id": None, "helpful": 0, "not_helpful": 1},
        {"article_id": "paspoort-aanvragen", "helpful": 1, "not_helpful": 0},
    ]
    assert len(feedback) == 5 and feedback[0]["channel"] == "staff"
    assert (feedback[0]["query"], feedback[0]["comment"]) == ("mijn bsn is [bsn]", "bsn [bsn]")


def test_a_clean_shutdown_writes_every_queued_search(log_settings):
    log = SearchLog.open(log_settings, flush_seconds=3600, batch_rows=10**9)  # nothing written before close()
    for n in range(2500):
        search(log, f"vraag nummer {n}")
    log.record_click(search_id="0" * 32, article_id="paspoort-aanvragen", position=1)
    log.close()
    reopened = SearchLog.open(log_settings)
    try:
        assert count(reopened, Search) == 2500 and count(reopened, Click) == 1
    finally:
        reopened.close()


def _old_rows(log: SearchLog, days: int) -> None:
    old = datetime.now(timezone.utc).replace(tzinfo=None) - timedelta(days=days)
    with log.engine.begin() as connection:
        connection.execute(insert(Search), [{"search_id": f"{days:032d}", "time": old, "query": "oud", "normalized": "oud",
                                             "outcome": "off_topic"}])
        connection.execute(insert(Click), [{"search_id": f"{days:032d}", "time": old, "article_id": "a", "position": 1}])
        connection.execute(insert(Feedback), [{"time": old, "query": "oud", "helpful": True, "channel": "web"}])


def test_rows_older_than_the_retention_period_are_deleted_at_start(log_settings):
    log = SearchLog.open(log_settings)
    _old_rows(log, 91)
    _old_rows(log, 89)
    search(log, "nieuw", outcome="off_topic")
    log.close()
    reopened = SearchLog.open(log_settings)  # KB_LOG_RETENTION_DAYS: 90 by default
    try:
        assert [row["query"] for row in reopened.unanswered()] == ["nieuw", "oud"]
        assert (count(reopened, Search), count(reopened, Click), count(reopened, Feedback)) == (2, 1, 1)
    finally:
        reopened.close()
    shorter = SearchLog.open(log_settings.model_copy(update={"log_retention_days": 30}))
    try:
        assert [row["query"] for row in shorter.unanswered()] == ["nieuw"]
        assert (count(shorter, Search), count(shorter, Click), count(shorter, Feedback)) == (1, 0, 0)
    finally:
        shorter.close()


def test_the_writer_deletes_old_rows_daily_while_running(log_settings, monkeypatch):
    monkeypatch.setattr(search_log_module, "PURGE_SECONDS", 0.2)  # a day, shortened
    log = SearchLog.open(log_settings)
    try:
        _old_rows(log, 100)
        deadline = time.monotonic() + 30
        while count(log, Search) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert (count(log, Search), count(log, Click), count(log, Feedback)) == (0, 0, 0)
    finally:
        log.close()


def test_the_old_files_are_imported_once(log_settings):
    folder = log_settings.data_dir / "feedback"
    folder.mkdir(parents=True)
    now = datetime.now(timezone.utc)
    recent, old = (now - timedelta(days=2)).isoformat(timespec="seconds"), "2020-01-01T00:00:00+00:00"
    feedback = [
        {"time": recent, "query": "paspoort kwijt", "article_id": "paspoort-aanvragen", "department_id": None,
         "helpful": False, "comment": "bel 06-12345678", "channel": "web"},
        {"time": recent, "query": "grofvuil", "article_id": None, "department_id": "afval", "helpful": True,
         "comment": None, "channel": "staff"},
        {"time": old, "query": "te oud", "article_id": None, "department_id": None, "helpful": True, "comment": None,
         "channel": "web"},
    ]
    unanswered = [
        {"time": recent, "query": "recept appeltaart", "status": "off_topic", "language": "nl", "top_article": None},
        {"time": recent, "query": "Recept  appeltaart", "status": "off_topic", "language": "nl", "top_article": None},
    ]
    (folder / "feedback.jsonl").write_text("".join(json.dumps(r) + "\n" for r in feedback), encoding="utf-8")
    (folder / "unanswered.jsonl").write_text(
        "".join(json.dumps(r) + "\n" for r in unanswered) + '{"time": "2026-11-24T0', encoding="utf-8",  # a crash mid-line
    )
    for _ in range(2):
        log = SearchLog.open(log_settings)
        try:
            listed_feedback, listed_unanswered = log.feedback(), log.unanswered()
        finally:
            log.close()
        assert sorted((row["query"], row["channel"]) for row in listed_feedback) == [("grofvuil", "staff"), ("paspoort kwijt", "web")]
        assert next(row for row in listed_feedback if row["channel"] == "web")["comment"] == "bel [telefoon]"
        assert [(row["query"], row["count"]) for row in listed_unanswered] == [("Recept  appeltaart", 2)]
    assert sorted(path.name for path in folder.iterdir()) == ["feedback.jsonl.imported", "unanswered.jsonl.imported"]


WRITER = """
import sys
from kb.settings import Settings
from search_api.storage.search_log import SearchLog

log = SearchLog.open(Settings(), flush_seconds=0.001, batch_rows=7)
for n in range(int(sys.argv[1])):
    search_id = log.record_search(query=f"vraag {sys.argv[2]} {n}", language="nl", channel="api", outcome="routed",
                                  department_id=None, confidence=None, in_scope=None, top_article=None, latency_ms=1.0)
    log.record_click(search_id=search_id, article_id="paspoort-aanvragen", position=1)
log.close()
"""


def test_two_processes_write_at_once(log_settings):
    env = {**os.environ, "PYTHONPATH": str(PROJECT_DIR), "KB_DATA_DIR": str(log_settings.data_dir)}
    if log_settings.database_url is not None:
        env["KB_DATABASE_URL"] = log_settings.database_url.get_secret_value()
    writers = [subprocess.Popen([sys.executable, "-c", WRITER, "1500", name], env=env, stderr=subprocess.PIPE, text=True)
               for name in ("een", "twee")]
    errors = [writer.communicate(timeout=300)[1] for writer in writers]
    assert [writer.returncode for writer in writers] == [0, 0], errors
    assert not any("could not be written" in error for error in errors), errors
    log = SearchLog.open(log_settings)
    try:
        assert count(log, Search) == 3000 and count(log, Click) == 3000
        queries = {row["query"] for row in log.searches(*EVERYTHING)}
        assert {f"vraag een {n}" for n in range(1500)} | {f"vraag twee {n}" for n in range(1500)} == queries
    finally:
        log.close()


OPEN_TWICE = """
import sys
from kb.settings import Settings
from search_api.storage.db import open_database
open_database(Settings()).dispose()
first = "alembic" in sys.modules
del sys.modules["alembic"]
open_database(Settings()).dispose()
print(first, "alembic" in sys.modules)
"""


def test_a_database_at_the_newest_migration_is_opened_without_alembic(log_settings):
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from search_api.storage.db import HEAD_REVISION, MIGRATIONS

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    assert ScriptDirectory.from_config(config).get_current_head() == HEAD_REVISION
    env = {**os.environ, "PYTHONPATH": str(PROJECT_DIR), "KB_DATA_DIR": str(log_settings.data_dir)}
    if log_settings.database_url is not None:
        env["KB_DATABASE_URL"] = log_settings.database_url.get_secret_value()
    opened = subprocess.run([sys.executable, "-c", OPEN_TWICE], env=env, capture_output=True, text=True, timeout=120)
    assert opened.returncode == 0, opened.stderr
    assert opened.stdout.split() == ["True", "False"]  # migrated the first time; the second time found it done
