"""Files that hold what citizens asked or told (feedback, searches that found nothing, reports on
them): readable by the service's own user only, folders 700 and files 600, whatever the umask."""

from __future__ import annotations

import os
from pathlib import Path

DIR_MODE = 0o700
FILE_MODE = 0o600


def private_dir(path: Path) -> Path:
    """Create `path` (and its parents) if needed; `path` itself is made 700."""
    path.mkdir(parents=True, exist_ok=True)
    path.chmod(DIR_MODE)
    return path


def append_private(path: Path, data: bytes) -> None:
    """Append `data` to `path`, creating it 600."""
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, FILE_MODE)
    with os.fdopen(fd, "ab") as handle:
        handle.write(data)


def write_private_text(path: Path, text: str) -> None:
    """Write `path` whole (through a temporary file and a rename, so a reader never sees half of it), 600."""
    write_private_bytes(path, text.encode("utf-8"))


def write_private_bytes(path: Path, data: bytes) -> None:
    """`write_private_text` for bytes. The temporary file is this process's own, so two processes
    writing the same file at once each rename a whole one."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(temporary, FILE_MODE)
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
