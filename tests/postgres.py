"""A throw-away PostgreSQL server for the tests: Debian's binaries (`make test` installs the
`postgresql` package), a cluster in a temporary folder, reached over a Unix socket in that folder
(no TCP port), without fsync. PostgreSQL refuses to run as root: then it runs as the `postgres`
user (or `nobody`), which owns the folder."""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
import uuid
from pathlib import Path

import psycopg

from tests.conftest import free_port


def postgres_binaries() -> Path | None:
    """The newest installed PostgreSQL's `bin` folder, if any."""
    folders = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0)
    return next((folder for folder in reversed(folders) if (folder / "pg_ctl").exists()), None)


class PostgresServer:
    def __init__(self, binaries: Path):
        self.binaries = binaries
        self.folder = Path(tempfile.mkdtemp(prefix="kb-postgres-"))
        self.data = self.folder / "data"
        self.port = free_port()
        self.user = None
        if os.geteuid() == 0:
            self.user = next(name for name in ("postgres", "nobody") if _user_exists(name))
            shutil.chown(self.folder, user=self.user)

    def _run(self, *command: str) -> None:
        prefix = ["runuser", "-u", self.user, "--"] if self.user else []
        result = subprocess.run([*prefix, *command], capture_output=True, text=True, timeout=120, cwd=self.folder)
        if result.returncode != 0:
            raise RuntimeError(f"{' '.join(command)} failed: {result.stdout}{result.stderr}")

    def start(self) -> "PostgresServer":
        self._run(str(self.binaries / "initdb"), "-D", str(self.data), "-U", "kb", "--auth=trust", "-E", "UTF8",
                  "--no-sync", "--locale=C")
        options = f"-k {self.folder} -c listen_addresses='' -p {self.port} -c fsync=off -c full_page_writes=off"
        self._run(str(self.binaries / "pg_ctl"), "-D", str(self.data), "-l", str(self.folder / "server.log"),
                  "-o", options, "-w", "start")
        return self

    def stop(self) -> None:
        try:
            self._run(str(self.binaries / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop")
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://kb@/{database}?host={self.folder}&port={self.port}"

    def create_database(self) -> str:
        """A new empty database; its URL."""
        name = f"kb_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(host=str(self.folder), port=self.port, user="kb", dbname="postgres", autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)


def _user_exists(name: str) -> bool:
    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True
