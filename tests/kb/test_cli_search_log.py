"""`kb serve` with a search log it cannot use says why in one line that names the setting (never a
stack trace, never the password); `kb bench-log` and `kb bench-insight` print their figures on both
databases."""

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


@pytest.mark.slow  # groups the questions with the real model
@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_bench_insight_times_every_query_of_the_page(request, tmp_path, database):
    from search_api.storage.insight_bench import QUERIES

    options = ["--rows", "2000"]
    if database == "postgresql":
        options += ["--database-url", request.getfixturevalue("postgres_server").create_database()]
    result = kb("bench-insight", *options, tmp_path=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    output = result.stdout
    assert re.search(r"Written: 2,000 searches over 90 days \([\d,]+ different questions\), [\d,]+ results opened, "
                     r"[\d,]+ feedback, in \d+\.\d s", output)
    assert re.search(r"Storage: [\d,.]+ MB, [\d,]+ MB per million searches", output)
    rows = {line.split("│")[1].strip(): line for line in output.splitlines() if line.count("│") == 4}
    assert set(QUERIES) <= set(rows), output
    assert all(re.fullmatch(r"│ .+ │ +[\d,]+ │ +[\d,]+ │", rows[name]) for name in QUERIES)
    assert re.search(r"Slowest query: [\d,]+ ms \(target: at most 1,000 ms\)", output)
    for period in ("7 days", "31 days"):
        assert re.search(rf"Grouping by meaning, {period}: [\d,]+ most asked questions in [\d,]+ groups \([\d,]+ gaps\): "
                         r"embedding and grouping \d+\.\d s, again with the vectors cached \d+\.\d\d s", output)
    assert list(tmp_path.iterdir()) == [], "nothing of the service's data folder is touched"
    if database == "postgresql":
        again = kb("bench-insight", *options, tmp_path=tmp_path)
        assert again.returncode == 2 and "holds 2,000 searches already: give an empty database" in again.stderr
        assert "Traceback" not in again.stderr
