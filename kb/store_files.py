"""The embedded store's folder: who may open it (one process at a time), its description, a copy.

Nothing here imports qdrant-client, so a service that keeps the store closed pays for it only
when it writes.

Qdrant's local mode locks its folder while a client has it open. The search service keeps the
store closed between writes (`search_api.chunk_snapshot`), so it holds a lock file of its own in
the folder for as long as it runs (shared: several services may serve one store), and every
client this project opens checks it first: while a service serves the store, `kb index` refuses
with `StoreLockedError`, as before. Only the services' writer processes open it meanwhile
(`write_for_service`), one at a time (`write_turn`): a writer that holds the store while it waits
for its service's next save gives it up as soon as another is waiting (`others_waiting`).
"""

from __future__ import annotations

import fcntl
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from kb.settings import Settings

#: In the store folder: held by a service that keeps the embedded store closed between writes
SERVING_LOCK = ".serving"
#: In the store folder: held by the one writer process that has the store open
WRITING_LOCK = ".writing"
#: In the store folder: held by a writer process waiting for its turn
WAITING_LOCK = ".waiting"
#: The lock files, which say nothing about the store's content
LOCK_FILES = (".lock", SERVING_LOCK, WRITING_LOCK, WAITING_LOCK)
_held: dict[Path, list[IO[str]]] = {}  # store folder -> a lock file per service of this process on it
_written_for_service: set[Path] = set()  # store folders this process writes to for the service that holds them


class StoreLockedError(RuntimeError):
    """The embedded store is held by another process (usually the running API)."""


def describe_store(settings: Settings) -> str:
    if settings.qdrant_url:
        return f"Qdrant server {settings.qdrant_url}, collection '{settings.collection}'"
    return f"embedded Qdrant at {settings.resolved_qdrant_path}, collection '{settings.collection}'"


def copy_embedded_store(settings: Settings, target: Path) -> None:
    """Copy the embedded store's folder to `target`, without its locks, for another process to open
    while this one holds the store. The caller makes sure that nothing writes to it meanwhile."""
    shutil.copytree(settings.resolved_qdrant_path, target, ignore=shutil.ignore_patterns(*LOCK_FILES))


def locked_error(settings: Settings) -> StoreLockedError:
    return StoreLockedError(
        f"The embedded store at {settings.resolved_qdrant_path} is in use by another process "
        "(most likely the running search API). Re-index through the API instead "
        "(`kb index --via-api`), or stop the API first."
    )


def hold_embedded_store(settings: Settings) -> None:
    """Serve the embedded store from this process until `release_embedded_store`, beside any
    other service on it; refused while a `kb index` checks that none serves it."""
    folder = settings.resolved_qdrant_path
    folder.mkdir(parents=True, exist_ok=True)
    file = (folder / SERVING_LOCK).open("a")
    try:
        fcntl.flock(file, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError as exc:
        file.close()
        raise locked_error(settings) from exc
    _held.setdefault(folder.resolve(), []).append(file)


def release_embedded_store(settings: Settings) -> None:
    folder = settings.resolved_qdrant_path.resolve()
    files = _held.get(folder, [])
    if files:
        files.pop().close()  # which releases its lock
    if not files:
        _held.pop(folder, None)


def write_for_service(settings: Settings) -> None:
    """Let this process open the embedded store that the service which started it holds: the
    service's writer process (`search_api.store_process`), under the service's lock."""
    _written_for_service.add(settings.resolved_qdrant_path.resolve())


@contextmanager
def write_turn(settings: Settings) -> Iterator[None]:
    """The turn of this process to open the embedded store that services share: waits for the
    writer that has it (in line behind `WAITING_LOCK`, which tells that writer to finish)."""
    folder = settings.resolved_qdrant_path
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / WAITING_LOCK).open("a") as waiting, (folder / WRITING_LOCK).open("a") as writing:
        fcntl.flock(waiting, fcntl.LOCK_EX)
        try:
            fcntl.flock(writing, fcntl.LOCK_EX)
        finally:
            fcntl.flock(waiting, fcntl.LOCK_UN)
        yield  # leaving closes the file, which ends the turn


def others_waiting(settings: Settings) -> bool:
    """Whether another writer process waits for its turn (`write_turn`) to open the store."""
    path = settings.resolved_qdrant_path / WAITING_LOCK
    if not path.exists():
        return False
    with path.open("a") as waiting:
        try:
            fcntl.flock(waiting, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        return False  # closing releases it


def check_not_served_elsewhere(settings: Settings) -> None:
    """Raise `StoreLockedError` when another process serves the embedded store."""
    folder = settings.resolved_qdrant_path
    if folder.resolve() in _held or folder.resolve() in _written_for_service or not (folder / SERVING_LOCK).exists():
        return
    with (folder / SERVING_LOCK).open("a") as file:
        try:
            fcntl.flock(file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise locked_error(settings) from exc
