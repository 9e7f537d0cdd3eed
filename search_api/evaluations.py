"""Evaluations started from the console: each runs as a process of its own (`python -m eval.job`),
never inside the process that serves searches.

The job gets the API's settings in `KB_*` variables (the role tokens and the search log's database
left out: it needs neither).
The embedded store admits one process, so the job opens a copy of it, taken between re-index runs:
it measures the index and the deployed router as citizens get them. With a Qdrant server the job
reads the server itself. Its state is the record of `kb.eval_job`; its output goes to a log in its
own folder of the data folder, beside the store copy.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

from kb.eval_job import EvalJob, job_folder, job_lock, now, read_job, write_job
from kb.private_files import FILE_MODE, private_dir
from kb.settings import PROJECT_DIR, Settings, settings_environment
from search_api.engine import SearchEngine

JOB_MODULE = "eval.job"
STOPPED = "De evaluatie is onverwacht gestopt."
NOT_PASSED = ("staff_token", "editor_token", "admin_token", "database_url")


class EvaluationRunning(RuntimeError):
    """An evaluation is running already."""


def current(settings: Settings) -> EvalJob | None:
    """The record of the newest evaluation; a job whose process ended without recording how is
    reported as failed."""
    job = read_job(settings)
    if job is not None and job.state == "running" and (job.pid is None or not _alive(job.pid)):
        job = job.model_copy(update={"state": "failed", "error": STOPPED})
    return job


def start(engine: SearchEngine) -> EvalJob:
    """Start an evaluation of the labelled questions; `EvaluationRunning` while one runs."""
    settings = engine.settings
    with job_lock(settings):
        previous = current(settings)
        if previous is not None and previous.state == "running":
            raise EvaluationRunning
        folder = job_folder(settings)
        shutil.rmtree(folder, ignore_errors=True)
        private_dir(folder)
        environment = {name: value for name, value in os.environ.items() if not name.startswith("KB_")}
        environment.update(settings_environment(settings, leave_out=NOT_PASSED))
        # the job runs the code of this process, wherever it was started from
        environment["PYTHONPATH"] = os.pathsep.join(filter(None, [str(PROJECT_DIR), environment.get("PYTHONPATH")]))
        if not settings.qdrant_url:
            engine.copy_store(folder / "qdrant")
            environment["KB_QDRANT_PATH"] = str(folder / "qdrant")
        log = os.open(folder / "job.log", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
        try:
            process = subprocess.Popen(
                [sys.executable, "-m", JOB_MODULE],
                env=environment,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # a signal to the API's process group does not reach it
            )
        finally:
            os.close(log)
        job = EvalJob(
            state="running", pid=process.pid, started=now(), report=previous.report if previous else None
        )
        write_job(settings, job)
    return job


def _alive(pid: int) -> bool:
    try:
        ended, _ = os.waitpid(pid, os.WNOHANG)  # a job of this process: collect it once it ended
        return ended == 0
    except ChildProcessError:  # started by an earlier API process, or collected already
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True
