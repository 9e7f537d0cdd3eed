"""`kb serve` with a search log it cannot use says why in one line that names the setting (never a
stack trace, never the password); `kb bench-log` prints its figures on both databases."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

from kb.settings import PROJECT_DIR


def kb(*args: str, tmp_path, **env: str) -> subprocess.CompletedProcess:
    environment = {**os.environ, "PYTHONPATH": str(PROJECT_DIR), "KB_DATA_DIR": str(tmp_path), "COLUMNS": "200", **env}
    return subprocess.run([sys.executable, "-m", "kb.cli", *args], env=environment, capture_output=True, text=True,
                          timeout=300)


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("geen url", "is not a database URL"),
        ("mysql://kb:geheim@localhost/kb", "names 'mysql'"),
        ("sqlite://", "in-memory SQLite"),
        ("postgresql://kb:geheim@127.0.0.1:1/kb", "cannot be opened: OperationalError"),
        ("postgresql+onbekend://kb:geheim@localhost/kb", "cannot be opened: NoSuchModuleError"),
        ("sqlite:////map/die/niet/bestaat/log.sqlite", "cannot be opened"),
    ],
)
def test_serve_names_a_database_url_it_cannot_use(tmp_path, url, reason):
    result = kb("serve", "--port", "1", tmp_path=tmp_path, KB_DATABASE_URL=url)
    output = result.stdout + result.stderr
    assert result.returncode == 2, output
    assert "KB_DATABASE_URL" in output and reason in output
    assert "Traceback" not in output and "geheim" not in output


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_bench_log_prints_the_cost_of_storing_a_search(request, tmp_path, database):
    options = ["--rows", "2000", "--calls", "500"]
    if database == "postgresql":
        options += ["--database-url", request.getfixturevalue("postgres_server").create_database()]
    result = kb("bench-log", *options, tmp_path=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert re.search(r"request path \(500 calls\): median \d+\.\d µs, p99 \d+\.\d µs", result.stdout)
    assert re.search(r"writing 2,000 searches in the background: \d+\.\d s \([\d,]+ rows/s\)", result.stdout)
    assert list(tmp_path.iterdir()) == [], "nothing of the service's data folder is touched"
