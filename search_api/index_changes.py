"""Re-indexes that the services sharing one data folder tell each other, so that an article saved
through one is found through every other within a second.

Every service on a data folder (several behind a proxy, or the old and the new one during a
rolling restart) serves from its own copy of the index. When one re-indexes (an editor's save or
retirement, a full re-index through the API), it adds a line to `index-changes.json` in the data
folder once the change is searchable through it: a generation number, which articles (none named:
the whole content), which service, and whether the store holds it yet. The others look at the
file's size and time every `KB_FOLLOW_SECONDS` and re-index the articles named from the content
folder they share; the vectors come from the vector cache the first one filled
(`data/passage-vectors.sqlite`), and the first one's writer process writes the store, then marks
the change stored. A service that starts reads the store, so it follows only the changes not
stored yet. The file keeps the last `KEPT` changes.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import secrets
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

from kb.private_files import write_private_text

log = logging.getLogger(__name__)

CHANGES_FILE = "index-changes.json"
_LOCK_FILE = ".index-changes.lock"
#: Changes the file keeps; a service that missed more (stopped for a while) re-reads everything
KEPT = 1000


@dataclass(frozen=True)
class Change:
    generation: int
    origin: str  # the service that made it
    at: float  # Unix time
    article_ids: tuple[str, ...] | None  # None: the whole content
    stored: bool = True  # in the store (a service that starts reads it there)


class IndexChanges:
    """The changes file of one data folder, as one service (`origin`) reads and adds to it."""

    def __init__(self, data_dir: Path, origin: str | None = None) -> None:
        self.path = data_dir / CHANGES_FILE
        self._lock_path = data_dir / _LOCK_FILE
        self.origin = origin or f"{os.getpid()}-{secrets.token_hex(4)}"

    def stamp(self) -> tuple[int, int] | None:
        """The file's modification time and size (None when there is none): it changed if this did."""
        try:
            status = self.path.stat()
        except FileNotFoundError:
            return None
        return status.st_mtime_ns, status.st_size

    def read(self) -> list[Change]:
        """Every change kept, oldest first; none when the file is missing or unreadable."""
        try:
            rows = json.loads(self.path.read_text(encoding="utf-8"))["changes"]
            return [Change(int(row["generation"]), str(row["origin"]), float(row["at"]),
                           None if row["articles"] is None else tuple(row["articles"]), bool(row.get("stored", True)))
                    for row in rows]
        except FileNotFoundError:
            return []
        except (OSError, ValueError, KeyError, TypeError) as exc:
            log.error("The changes file %s cannot be read (%s); it is written anew at the next change", self.path, exc)
            return []

    def latest(self) -> int:
        """The generation of the last change (0: none yet)."""
        changes = self.read()
        return changes[-1].generation if changes else 0

    def publish(self, article_ids: list[str] | None, *, stored: bool = True) -> Change:
        """Add a change made by this service: the articles re-indexed, or None for all of them;
        `stored` False while its writes are still on their way to the store (`mark_stored`)."""
        with self._locked() as changes:
            change = Change(changes[-1].generation + 1 if changes else 1, self.origin, round(time.time(), 3),
                            None if article_ids is None else tuple(sorted(set(article_ids))), stored)
            changes.append(change)
        return change

    def mark_stored(self, generation: int) -> None:
        """The store holds change `generation` now."""
        with self._locked() as changes:
            changes[:] = [replace(change, stored=True) if change.generation == generation else change
                          for change in changes]

    @contextmanager
    def _locked(self) -> Iterator[list[Change]]:
        """The changes, for this service alone to change (one at a time reads, changes and writes)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._lock_path.open("a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            changes = self.read()
            yield changes
            write_private_text(self.path, json.dumps({"changes": [
                {"generation": row.generation, "origin": row.origin, "at": row.at,
                 "articles": None if row.article_ids is None else list(row.article_ids), "stored": row.stored}
                for row in changes[-KEPT:]
            ]}, ensure_ascii=False))

    def from_others(self, after: int, *, unstored_since: float | None = None) -> tuple[list[Change], int]:
        """The other services' changes after generation `after` (and, with `unstored_since`, those
        made from that time on that the store does not hold yet), and the last generation: what a
        service has yet to follow. Changes missed (no longer kept) count as the whole content."""
        changes = self.read()
        latest = changes[-1].generation if changes else after
        wanted = [change for change in changes if change.origin != self.origin and (
            change.generation > after
            or (unstored_since is not None and not change.stored and change.at >= unstored_since))]
        if changes and (changes[0].generation > after + 1 or latest < after):  # dropped meanwhile, or begun anew
            wanted = [Change(latest, "", time.time(), None)]
        return wanted, latest


def articles_of(changes: list[Change]) -> list[str] | None:
    """The articles to re-index for `changes`: None (everything) if one of them was a full re-index."""
    if any(change.article_ids is None for change in changes):
        return None
    return sorted({article_id for change in changes for article_id in change.article_ids or ()})


#: After a failed follow, the seconds before the follower tries the same changes again
RETRY_SECONDS = 10.0


class ChangeFollower:
    """Looks at the changes file every `interval` seconds, on a thread of its own, and hands the
    other services' changes to `follow` (the articles to re-index, None for all). A follow that
    fails is logged and tried again `RETRY_SECONDS` later, with any change made meanwhile."""

    def __init__(self, changes: IndexChanges, follow: Callable[[list[str] | None], None], *, after: int,
                 interval: float) -> None:
        self.changes = changes
        self.follow = follow
        self.seen = after
        self.interval = interval
        self.followed = 0  # changes followed, for the tests and /metrics
        self._stamp = changes.stamp()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="index-changes", daemon=True)

    def start(self) -> ChangeFollower:
        if self.interval > 0:
            self._thread.start()
        return self

    def check(self) -> None:
        """Follow what changed since the last look (also called by `_run`); raises what `follow`
        raises, and then looks at the same changes again the next time."""
        stamp = self.changes.stamp()
        if stamp == self._stamp:
            return
        wanted, latest = self.changes.from_others(self.seen)
        if wanted:
            self.follow(articles_of(wanted))
            self.followed += len(wanted)
        self._stamp, self.seen = stamp, latest

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.check()
            except Exception as exc:  # noqa: BLE001 - a failed follow must not end the following
                log.error("Following a re-index of another service failed (%s: %s); trying again in %g s",
                          type(exc).__name__, exc, RETRY_SECONDS)
                self._stop.wait(RETRY_SECONDS)

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=30)
