"""The search log's database from the settings: PostgreSQL when `KB_DATABASE_URL` is set, else a
SQLite file in the data folder; its tables brought up to date by the Alembic migrations.

Several API processes may write at once. SQLite runs in WAL mode (readers never wait for the
writer) with a busy timeout (a writer waits for another instead of failing), and a write
transaction takes the write lock at its start (`BEGIN IMMEDIATE`). Migrations and the one-time
import of the old files run one process at a time: under that lock in SQLite, under an advisory
lock in PostgreSQL.
"""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from kb.private_files import FILE_MODE, private_dir
from kb.settings import Settings

SQLITE_FILE = "search-log.sqlite"
BUSY_TIMEOUT_MS = 10_000
MIGRATIONS = Path(__file__).with_name("migrations")
#: The newest migration in `migrations/versions` (a test checks it is Alembic's head). A database
#: already at it is left alone without importing Alembic: 10 MB and 0.06 s at every start.
HEAD_REVISION = "0002"
_ADVISORY_LOCK = 0x6B62_6C6F67  # "kblog": one migration or import at a time in PostgreSQL
_WRITE = "kb_write"  # execution option: this transaction writes


class DatabaseError(RuntimeError):
    """The search log's database cannot be used. The message names the setting and the reason,
    never the password."""


def database_url(settings: Settings) -> URL:
    """`KB_DATABASE_URL`, or the SQLite file `<KB_DATA_DIR>/search-log.sqlite` when it is unset."""
    if settings.database_url is None:
        return URL.create("sqlite", database=str(settings.data_dir / SQLITE_FILE))
    try:
        url = make_url(settings.database_url.get_secret_value().strip())
    except ArgumentError:
        raise DatabaseError(
            "KB_DATABASE_URL is not a database URL: use postgresql://user:password@host/database "
            "or sqlite:////path/to/search-log.sqlite"
        ) from None
    backend = url.get_backend_name()
    if backend not in ("sqlite", "postgresql"):
        raise DatabaseError(f"KB_DATABASE_URL names {backend!r}: the search log runs on PostgreSQL or SQLite")
    if backend == "sqlite" and url.database in (None, "", ":memory:"):
        raise DatabaseError("KB_DATABASE_URL names an in-memory SQLite database: give a file (sqlite:////path/to/search-log.sqlite)")
    return url


def describe(settings: Settings) -> str:
    """Where the search log is, for messages: the URL without its password."""
    try:
        return database_url(settings).render_as_string(hide_password=True)
    except DatabaseError:
        return "KB_DATABASE_URL"


def _reason(exc: BaseException) -> str:
    original = getattr(exc, "orig", None) or exc
    lines = str(original).strip().splitlines()
    return f"{type(original).__name__}: {lines[0] if lines else ''}".rstrip(": ")


def connect(settings: Settings) -> Engine:
    """The engine of the search log's database, checked to be reachable; `DatabaseError` otherwise."""
    url = database_url(settings)
    setting = "KB_DATABASE_URL" if settings.database_url is not None else "the search log in KB_DATA_DIR"
    where = url.render_as_string(hide_password=True)
    try:
        if url.get_backend_name() == "sqlite":
            engine = _sqlite_engine(url, default=settings.database_url is None)
        else:
            engine = create_engine(url, hide_parameters=True, pool_pre_ping=True)
        with engine.connect():
            pass
    except (SQLAlchemyError, ImportError, OSError) as exc:
        raise DatabaseError(f"{setting} ({where}) cannot be opened: {_reason(exc)}") from None
    return engine


def _sqlite_engine(url: URL, *, default: bool) -> Engine:
    path = Path(url.database or "")
    if default:
        private_dir(path.parent)
    if not path.exists():
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, FILE_MODE))  # 600; SQLite gives its -wal and -shm files the same mode
    engine = create_engine(url, hide_parameters=True)

    @event.listens_for(engine, "connect")
    def _configure(dbapi_connection, _record) -> None:
        dbapi_connection.isolation_level = None  # the driver leaves transactions to SQLAlchemy (`_begin`)
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        _use_wal(cursor)
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: Connection) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE" if connection.get_execution_options().get(_WRITE) else "BEGIN")

    return engine


def _use_wal(cursor) -> None:
    """WAL mode (kept in the file once set). Switching to it needs the file to itself, and SQLite
    does not wait for that, busy timeout or not: two processes that open a new log at the same
    moment retry here, up to the busy timeout, instead of one of them failing."""
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            cursor.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.01)


@contextmanager
def transaction(engine: Engine, *, write: bool = False, exclusive: bool = False) -> Iterator[Connection]:
    """A transaction, committed at the end. `write`: it writes (SQLite takes the write lock at once,
    so it waits for another writer instead of failing halfway). `exclusive`: one at a time across
    processes (migrations, the import of the old files)."""
    with engine.connect() as connection:
        connection.execution_options(**{_WRITE: write or exclusive})
        with connection.begin():
            if exclusive and connection.dialect.name == "postgresql":
                connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _ADVISORY_LOCK})
            yield connection


def migrate(engine: Engine) -> None:
    """Bring the tables up to the newest migration (`alembic upgrade head`), one process at a time."""
    if _at_head(engine):
        return
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with transaction(engine, exclusive=True) as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def _at_head(engine: Engine) -> bool:
    """Whether the database is at `HEAD_REVISION` (False for a new one, or one of an older version)."""
    try:
        with engine.connect() as connection:
            versions = connection.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    except SQLAlchemyError:
        return False
    return list(versions) == [HEAD_REVISION]


def open_database(settings: Settings) -> Engine:
    """The search log's database, reachable and migrated; `DatabaseError` with the reason otherwise."""
    engine = connect(settings)
    try:
        migrate(engine)
    except SQLAlchemyError as exc:
        engine.dispose()
        raise DatabaseError(f"The search log ({describe(settings)}) could not be prepared: {_reason(exc)}") from None
    return engine
