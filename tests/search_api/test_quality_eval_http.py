"""An evaluation started through the API runs as a process of its own, one at a time, and writes
its report into the data folder."""

import os
import time
from pathlib import Path

import pytest

from kb.eval_job import job_folder, read_job

pytestmark = pytest.mark.slow


def wait_until_idle(client, headers, timeout: float = 900) -> dict:
    deadline = time.monotonic() + timeout
    while (status := client.get("/quality/eval", headers=headers).json())["running"]:
        assert time.monotonic() < deadline, "the evaluation did not end"
        time.sleep(2)
    return status


def command_line(pid: int) -> bytes:
    """The process's command line (empty for a moment while it is being started)."""
    for _ in range(100):
        if line := Path(f"/proc/{pid}/cmdline").read_bytes():
            return line
        time.sleep(0.1)
    return b""


def test_an_evaluation_runs_as_its_own_process_and_writes_its_report(client, staff_headers, api_settings):
    wait_until_idle(client, staff_headers)
    started = client.post("/quality/eval", headers=staff_headers)
    assert started.status_code == 202 and started.json()["running"] is True

    again = client.post("/quality/eval", headers=staff_headers)
    assert again.status_code == 409
    assert again.json()["detail"].startswith("Er loopt al een evaluatie.")

    job = read_job(api_settings)
    assert job is not None and job.state == "running" and job.pid != os.getpid()
    assert b"eval.job" in command_line(job.pid)

    status = wait_until_idle(client, staff_headers)
    assert status["error"] is None and status["last"].startswith("eval-")
    report = client.get(f"/quality/reports/{status['last']}", headers=staff_headers)
    assert report.status_code == 200 and report.json()["overall"]["questions"] > 1000
    assert (api_settings.data_dir / "reports" / f"{status['last']}.md").exists()
    assert read_job(api_settings).state == "finished"
    assert not (job_folder(api_settings) / "qdrant").exists(), "the job removes its copy of the store"
    assert client.get("/quality/reports", headers=staff_headers).json()[-1]["name"] == status["last"]


def test_only_staff_start_an_evaluation(client):
    assert client.post("/quality/eval").status_code == 401
    assert client.get("/quality/eval").status_code == 401
