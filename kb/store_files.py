"""The embedded store's folder: who may open it (one process at a time), its description, a copy.

Nothing here imports qdrant-client, so a service that keeps the store closed pays for it only
when it writes.

Qdrant's local mode locks its folder while a client has it open. The search service keeps the
store closed between writes (`search_api.chunk_snapshot`), so it holds a lock file of its own in
the folder for as long as it runs, and every client this project opens checks it first: while a
service serves the store, `kb index` refuses with `StoreLockedError`, as before. Only the
service's own writer process opens it meanwhile (`write_for_service`).
"""

from __future__ import annotations

import fcntl
import shutil
from pathlib import Path
from typing import IO

from kb.settings import Settings

#: In the store folder: held by a service that keeps the embedded store closed between writes
SERVING_LOCK = ".serving"
_held: dict[Path, IO[str]] = {}  # store folder -> its open lock file, for the stores this process serves
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
    shutil.copytree(settings.resolved_qdrant_path, target, ignore=shutil.ignore_patterns(".lock", SERVING_LOCK))


def locked_error(settings: Settings) -> StoreLockedError:
    return StoreLockedError(
        f"The embedded store at {settings.resolved_qdrant_path} is in use by another process "
        "(most likely the running search API). Re-index through the API instead "
        "(`kb index --via-api`), or stop the API first."
    )


def hold_embedded_store(settings: Settings) -> None:
    """Claim the embedded store for this process until `release_embedded_store`."""
    folder = settings.resolved_qdrant_path
    folder.mkdir(parents=True, exist_ok=True)
    file = (folder / SERVING_LOCK).open("a")
    try:
        fcntl.flock(file, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError as exc:
        file.close()
        raise locked_error(settings) from exc
    _held[folder.resolve()] = file


def release_embedded_store(settings: Settings) -> None:
    file = _held.pop(settings.resolved_qdrant_path.resolve(), None)
    if file is not None:
        file.close()  # which releases the lock


def write_for_service(settings: Settings) -> None:
    """Let this process open the embedded store that the service which started it holds: the
    service's writer process (`search_api.store_process`), under the service's lock."""
    _written_for_service.add(settings.resolved_qdrant_path.resolve())


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
