"""The state of an evaluation started from the console, as the status route reads it."""

import os
import subprocess
import sys

import pytest

from kb.eval_job import EvalJob, job_folder, now, read_job, write_job
from kb.settings import PROJECT_DIR, Settings
from search_api import evaluations


@pytest.fixture
def settings(tmp_path):
    return Settings(data_dir=tmp_path / "data")


def test_no_evaluation_yet(settings):
    assert evaluations.current(settings) is None


def test_a_job_whose_process_ended_without_recording_how_is_reported_failed(settings):
    process = subprocess.Popen(["true"])
    process.wait()
    write_job(settings, EvalJob(state="running", pid=process.pid, started=now(), report="eval-20261201T120000"))
    job = evaluations.current(settings)
    assert job.state == "failed" and job.error == evaluations.STOPPED
    assert job.report == "eval-20261201T120000", "the last report stays known"


def test_a_job_that_cannot_run_records_why(settings, tmp_path):
    broken = tmp_path / "questions.yaml"
    broken.write_text("- q: Hoe vraag ik een paspoort aan?\n  kind: formeel\n", encoding="utf-8")
    environment = {**os.environ, "KB_DATA_DIR": str(settings.data_dir), "KB_QUESTIONS_FILE": str(broken)}
    result = subprocess.run(
        [sys.executable, "-m", "eval.job"], env=environment, cwd=PROJECT_DIR, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 1
    job = read_job(settings)
    assert job.state == "failed" and job.error.startswith("ValidationError") and job.ended
    assert "Traceback" in result.stderr  # into the job's log, not into the record
    assert evaluations.current(settings).error == job.error
    assert not job_folder(settings).exists()
