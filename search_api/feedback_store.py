"""What users tell the editors: "nuttig / niet nuttig" per answer, and searches that found nothing.

Both are append-only JSON Lines files in `<data_dir>/feedback/`, one record per line, so a
crash can at worst lose the line being written, never earlier ones. Questions are stored with
personal data masked (`privacy.redact`): citizens type their BSN, phone number or e-mail address
into search boxes. Records older than the retention period (`KB_FEEDBACK_RETENTION_DAYS`) are
deleted when the API starts and whenever the lists are read.
"""

from __future__ import annotations

import json
import logging
import threading
from collections import defaultdict
from datetime import datetime, timedelta, timezone
from pathlib import Path

from kb.private_files import append_private, private_dir, write_private_text
from kb.text import collapse_spaces
from search_api.privacy import redact

log = logging.getLogger(__name__)


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _parse(path: Path) -> list[dict]:
    """The records of a JSON Lines file; a half-written last line after a crash is skipped."""
    records = []
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                records.append(json.loads(line))
            except ValueError:
                log.warning("%s:%d is not valid JSON; skipped", path, number)
    return records


def _key(query: str) -> str:
    return collapse_spaces(query.lower())


class FeedbackStore:
    def __init__(self, directory: Path, retention_days: int = 90):
        self.directory = directory
        self.retention = timedelta(days=retention_days)
        self.feedback_file = directory / "feedback.jsonl"
        self.unanswered_file = directory / "unanswered.jsonl"
        self._lock = threading.Lock()

    # -- writing ----------------------------------------------------------------------------

    def _append(self, path: Path, record: dict) -> dict:
        record = {"time": _now(), **record}
        line = json.dumps(record, ensure_ascii=False) + "\n"
        with self._lock:
            private_dir(self.directory)
            if not self._ends_with_newline(path):
                line = "\n" + line  # after a crash mid-line: start clean, the broken line is skipped on read
            append_private(path, line.encode("utf-8"))
        return record

    @staticmethod
    def _ends_with_newline(path: Path) -> bool:
        """True for a file that ends with a line break, or is empty or absent."""
        try:
            with path.open("rb") as handle:
                if handle.seek(0, 2) == 0:
                    return True
                handle.seek(-1, 2)
                return handle.read(1) == b"\n"
        except FileNotFoundError:
            return True

    def add_feedback(
        self, *, query: str, article_id: str | None, department_id: str | None, helpful: bool,
        comment: str | None, channel: str,
    ) -> dict:
        return self._append(self.feedback_file, {
            "query": redact(query),
            "article_id": article_id,
            "department_id": department_id,
            "helpful": helpful,
            "comment": redact(comment) if comment else None,
            "channel": channel,
        })

    def add_unanswered(self, *, query: str, status: str, language: str | None, top_article: str | None) -> dict:
        return self._append(self.unanswered_file, {
            "query": redact(query), "status": status, "language": language, "top_article": top_article,
        })

    # -- reading ----------------------------------------------------------------------------

    def _read(self, path: Path) -> list[dict]:
        """The records within the retention period; older ones are deleted from the file."""
        if not path.exists():
            return []
        cutoff = (datetime.now(timezone.utc) - self.retention).isoformat(timespec="seconds")
        with self._lock:
            parsed = _parse(path)
            records = [record for record in parsed if str(record.get("time", "")) >= cutoff]
            if len(records) < len(parsed):
                write_private_text(path, "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records))
                log.info("Deleted %d records older than %d days from %s", len(parsed) - len(records), self.retention.days, path)
        return records

    def purge(self) -> None:
        """Delete what is older than the retention period (the API calls this at start-up)."""
        for path in (self.feedback_file, self.unanswered_file):
            self._read(path)

    def feedback(self) -> list[dict]:
        """Every feedback record, newest first."""
        return self._read(self.feedback_file)[::-1]

    def feedback_per_article(self) -> list[dict]:
        """Per article: how often it was called useful and not useful, most complaints first."""
        counts: dict[str | None, dict] = defaultdict(lambda: {"helpful": 0, "not_helpful": 0})
        for record in self._read(self.feedback_file):
            counts[record.get("article_id")]["helpful" if record.get("helpful") else "not_helpful"] += 1
        rows = [{"article_id": article_id, **values} for article_id, values in counts.items()]
        return sorted(rows, key=lambda row: (-row["not_helpful"], row["helpful"], row["article_id"] or ""))

    def unanswered(self) -> list[dict]:
        """Searches that found nothing, the same question counted once, most asked first."""
        grouped: dict[str, dict] = {}
        for record in self._read(self.unanswered_file):
            key = _key(record["query"])
            entry = grouped.setdefault(key, {**record, "count": 0, "first_seen": record["time"]})
            entry.update(count=entry["count"] + 1, time=record["time"], status=record["status"])
        rows = [{**entry, "last_seen": entry.pop("time")} for entry in grouped.values()]
        rows.sort(key=lambda row: row["last_seen"], reverse=True)
        return sorted(rows, key=lambda row: row["count"], reverse=True)  # stable: newest first among equals
