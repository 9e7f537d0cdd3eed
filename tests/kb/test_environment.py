"""Importing `kb` changes nothing; the entry points set the offline, no-telemetry environment."""

import json
import os
import subprocess
import sys

from typer.testing import CliRunner

from kb.cli import app
from kb.environment import DEFAULTS
from kb.settings import PROJECT_DIR


def test_importing_kb_leaves_the_environment_unchanged():
    code = (
        "import json, os\n"
        "before = dict(os.environ)\n"
        "import kb, kb.settings, kb.questions, kb.eval_job, kb.cli\n"
        "print(json.dumps({k: v for k, v in os.environ.items() if before.get(k) != v}))\n"
    )
    environment = {name: value for name, value in os.environ.items() if name not in DEFAULTS}
    result = subprocess.run(
        [sys.executable, "-c", code], env=environment, cwd=PROJECT_DIR, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {}


def test_the_kb_command_sets_the_defaults_and_keeps_what_is_set(monkeypatch):
    for name in DEFAULTS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("TOKENIZERS_PARALLELISM", "true")
    result = CliRunner().invoke(app, ["widget", "--service", "https://zoeken.voorbeeldstad.nl"])
    assert result.exit_code == 0, result.output
    assert {name: os.environ[name] for name in DEFAULTS} == {**DEFAULTS, "TOKENIZERS_PARALLELISM": "true"}


def test_the_memory_releaser_hands_memory_back_until_stopped():
    import time

    from kb.environment import MemoryReleaser

    releaser = MemoryReleaser(0.05).start()
    deadline = time.monotonic() + 10
    while releaser.releases < 2:
        assert time.monotonic() < deadline, "no release within 10 s"
        time.sleep(0.02)
    releaser.stop()
    time.sleep(0.2)
    stopped_at = releaser.releases
    time.sleep(0.2)
    assert releaser.releases == stopped_at
    never = MemoryReleaser(0).start()
    time.sleep(0.1)
    assert never.releases == 0
