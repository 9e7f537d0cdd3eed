"""The record of an evaluation started from the console: one JSON file in the data folder.

The API starts the evaluation as a process of its own (`python -m eval.job`, started by
`search_api.evaluations`) and records it as running, with its process id; the job records how it
ended: finished, with the name of the report it wrote, or failed, with the reason. Both hold the
record's lock while they read and write it, so two starts never both succeed and the job never
writes before the API has recorded it.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field

from kb.private_files import FILE_MODE, private_dir, write_private_text
from kb.settings import Settings

JobState = Literal["running", "finished", "failed"]


class EvalJob(BaseModel):
    state: JobState
    pid: int | None = Field(None, description="The job's process")
    started: str
    ended: str | None = None
    report: str | None = Field(None, description="Name of the newest report an evaluation from the console wrote")
    error: str | None = Field(None, description="Why the job failed")


def job_file(settings: Settings) -> Path:
    return settings.data_dir / "eval-job.json"


def job_folder(settings: Settings) -> Path:
    """The job's own files: its copy of the embedded store and its log."""
    return settings.data_dir / "eval-job"


def now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


@contextmanager
def job_lock(settings: Settings) -> Iterator[None]:
    """Hold the record's lock (across processes) until the block ends."""
    private_dir(settings.data_dir)
    fd = os.open(settings.data_dir / "eval-job.lock", os.O_RDWR | os.O_CREAT, FILE_MODE)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # releases the lock


def read_job(settings: Settings) -> EvalJob | None:
    """The record; None when no evaluation was started yet (or the record cannot be read)."""
    try:
        return EvalJob.model_validate_json(job_file(settings).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def write_job(settings: Settings, job: EvalJob) -> None:
    private_dir(settings.data_dir)
    write_private_text(job_file(settings), job.model_dump_json(indent=2) + "\n")
