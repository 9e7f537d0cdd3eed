"""The one-time import of the JSON Lines files that held feedback and searches that found nothing
(`<data_dir>/feedback/feedback.jsonl` and `unanswered.jsonl`).

At start each file that is still there is read into the search log and renamed to
`<name>.imported` in the same transaction, so it is read once, also when several processes start
together. A half-written line (after a crash) is skipped. Personal data was masked when the files
were written; it is masked again, in case the redactor has learned more since.
"""

from __future__ import annotations

import json
import logging
import uuid
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy import Engine, insert

from search_api.privacy import redact
from search_api.storage.db import transaction
from search_api.storage.models import Feedback, Search
from search_api.storage.normalize import normalize

log = logging.getLogger(__name__)
IMPORTED_SUFFIX = ".imported"


def _records(path: Path) -> list[dict]:
    records = []
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except ValueError:
                log.warning("%s:%d is not valid JSON; skipped", path, number)
                continue
            if isinstance(record, dict) and isinstance(record.get("query"), str) and record.get("time"):
                records.append(record)
            else:
                log.warning("%s:%d is not a record with a time and a question; skipped", path, number)
    return records


def _time(value: object) -> datetime:
    moment = datetime.fromisoformat(str(value))
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc).replace(tzinfo=None)
    return moment


def _text(value: object) -> str | None:
    return redact(value) if isinstance(value, str) and value else None


def _feedback_row(record: dict) -> dict:
    return {
        "search_id": None,
        "time": _time(record["time"]),
        "query": redact(record["query"]),
        "article_id": record.get("article_id"),
        "department_id": record.get("department_id"),
        "helpful": bool(record.get("helpful")),
        "comment": _text(record.get("comment")),
        "channel": record.get("channel") if record.get("channel") in ("web", "staff") else "web",
    }


def _unanswered_row(record: dict) -> dict:
    query = redact(record["query"])
    return {
        "search_id": uuid.uuid4().hex,
        "time": _time(record["time"]),
        "query": query,
        "normalized": normalize(query),
        "language": record.get("language"),
        "channel": None,  # the files did not say where a search came from
        "outcome": record.get("status") if record.get("status") in ("off_topic", "no_results") else "no_results",
        "department_id": None,
        "confidence": None,
        "in_scope": None,
        "top_article": record.get("top_article"),
        "latency_ms": None,
    }


FILES = {"feedback.jsonl": (Feedback, _feedback_row), "unanswered.jsonl": (Search, _unanswered_row)}


def import_jsonl_files(engine: Engine, folder: Path) -> dict[str, int]:
    """Read the files of `folder` that are not imported yet into the log; the rows imported per file."""
    imported: dict[str, int] = {}
    for name, (table, to_row) in FILES.items():
        path, target = folder / name, folder / (name + IMPORTED_SUFFIX)
        if not path.exists():
            continue
        renamed = False
        try:
            with transaction(engine, exclusive=True) as connection:
                if not path.exists():  # another process was first
                    continue
                rows = []
                for record in _records(path):
                    try:
                        rows.append(to_row(record))
                    except (TypeError, ValueError):
                        log.warning("%s: a record with an unreadable time; skipped", path)
                if rows:
                    connection.execute(insert(table), rows)
                path.rename(target)  # in the transaction: renamed back below when it is not committed
                renamed = True
        except BaseException:
            if renamed and target.exists() and not path.exists():
                target.rename(path)
            raise
        imported[name] = len(rows)
        log.info("Imported %d records of %s into the search log; the file is now %s", len(rows), path, target.name)
    return imported
