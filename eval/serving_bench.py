"""The serving figures in one run, against the targets the service is held to (`kb bench-serving`).

`kb serve` is started on copies of the data and content folders (the real ones are only read),
and measured as an operator meets it: how soon it answers after start, its resident memory at
rest, the one-client latency against the question's embedding and the four-client throughput of
new questions (`eval.bench.run_benchmark`), repeated questions as citizens ask them (Zipf, from the
cache), its memory after those searches, how soon saved articles are found
(`eval.index_bench.run_index_benchmark`), there and through a second `kb serve` on the same
folders, which follows the saves, and its memory after the saves; then, with the services
stopped, `kb index --rebuild` (the vectors of chunks embedded before are kept; the figure says how
many it embedded anew). The copies are removed afterwards.
The embedded store is what is measured: with `KB_QDRANT_URL` set the run is refused.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from eval.bench import run_benchmark, server_resident_mb
from eval.index_bench import DEFAULT_ARTICLES, run_index_benchmark
from indexer.vector_cache import FILE_NAME as VECTORS_FILE
from kb.settings import PROJECT_DIR, Settings

START_TIMEOUT_S = 600
STOP_TIMEOUT_S = 180  # the service lets its writer process finish what was saved


@dataclass(frozen=True)
class Figure:
    name: str
    value: float | None
    unit: str
    target: str = ""  # "" for figures without a target
    met: bool | None = None


@dataclass(frozen=True)
class ServingReport:
    figures: list[Figure]
    runs: dict[str, dict]  # what each benchmark returned, as `kb bench` and `kb bench-index` print it

    def as_dict(self) -> dict:
        return {"figures": [figure.__dict__ for figure in self.figures], "runs": self.runs}


def _at_most(name: str, value: float | None, unit: str, limit: float) -> Figure:
    return Figure(name, value, unit, f"≤ {limit:g} {unit}".rstrip(), None if value is None else value <= limit)


def _at_least(name: str, value: float | None, unit: str, limit: float) -> Figure:
    return Figure(name, value, unit, f"≥ {limit:g} {unit}".rstrip(), None if value is None else value >= limit)


def run_serving_benchmark(settings: Settings, *, requests: int | None = None,
                          articles: tuple[str, ...] = DEFAULT_ARTICLES, embed_anew: bool = False,
                          progress: Callable[[str], None] = lambda line: None) -> ServingReport:
    """`requests`: how many questions each search benchmark sends (default: every evaluation
    question once, and twenty times as many for the repeated ones); `articles`: those saved, of
    them the ones the content folder has; `embed_anew`: the rebuild without the vectors of
    chunks embedded before, as after a new model (a minute instead of ten seconds)."""
    if settings.qdrant_url:
        raise ValueError("kb bench-serving measures the embedded store: unset KB_QDRANT_URL")
    if not settings.resolved_qdrant_path.is_dir():
        raise ValueError(f"No index in {settings.resolved_qdrant_path}: run `kb index` first")
    articles = tuple(article for article in articles if (settings.content_dir / f"{article}.md").exists())
    if not articles:
        raise ValueError(f"None of the articles the benchmark saves is in {settings.content_dir}")
    with tempfile.TemporaryDirectory(prefix="kb-bench-serving-") as folder:
        data, content = Path(folder) / "data", Path(folder) / "content"
        progress(f"Copying {settings.data_dir} and {settings.content_dir} ...")
        shutil.copytree(settings.data_dir, data, ignore=shutil.ignore_patterns("reports", "*.log"))
        store = settings.resolved_qdrant_path.resolve()
        if store.is_relative_to(settings.data_dir.resolve()):
            copied_store = data / store.relative_to(settings.data_dir.resolve())
        else:  # the store kept elsewhere (KB_QDRANT_PATH)
            copied_store = data / "qdrant"
            shutil.copytree(store, copied_store)
        shutil.copytree(settings.content_dir, content)
        staff, editor = secrets.token_urlsafe(24), secrets.token_urlsafe(24)
        environment = {**os.environ, "KB_DATA_DIR": str(data), "KB_CONTENT_DIR": str(content),
                       "KB_QDRANT_PATH": str(copied_store), "KB_STAFF_TOKEN": staff, "KB_EDITOR_TOKEN": editor,
                       "PYTHONPATH": str(PROJECT_DIR)}
        environment.pop("KB_DATABASE_URL", None)  # the search log in the copy
        runs: dict[str, dict] = {}
        with serving(environment, Path(folder) / "serve.log") as served:
            url, started_s = served.url, served.started_s
            progress(f"Answering {started_s:.2f} s after start")
            with httpx.Client(base_url=url, timeout=60, headers={"Authorization": f"Bearer {staff}"}) as client:
                at_rest = server_resident_mb(client)
                progress("One client, new questions ...")
                runs["one_client"] = run_benchmark(url, staff, requests=requests)
                progress("Four clients, new questions ...")
                runs["four_clients"] = run_benchmark(url, staff, concurrency=4, requests=requests)
                progress("Four clients, repeated questions ...")
                runs["repeated"] = run_benchmark(url, staff, concurrency=4, mix="zipf", warm=True,
                                                 requests=None if requests is None else 20 * requests)
                after_searches = server_resident_mb(client)
                progress("Saving articles, with a second process on the same folders ...")
                with serving(environment, Path(folder) / "serve.log") as second:
                    runs["saves"] = run_index_benchmark(url, editor, staff, content, article_ids=articles,
                                                        other_url=second.url)
                after_saves = server_resident_mb(client)
        progress("Rebuilding the index ...")
        if embed_anew:
            (data / VECTORS_FILE).unlink(missing_ok=True)
        index_log = Path(folder) / "index.log"
        rebuild_s = _timed([sys.executable, "-m", "kb.cli", "index", "--rebuild"], {**environment, "COLUMNS": "200"}, index_log)
        rebuilt = _rebuilt(index_log.read_text(encoding="utf-8", errors="replace"))
    one, four, repeated, saves = runs["one_client"], runs["four_clients"], runs["repeated"], runs["saves"]
    figures = [
        _at_most("answering after start", round(started_s, 2), "s", 3),
        _at_most("resident memory at rest", at_rest, "MB", 500),
        Figure("resident memory after the searches", after_searches, "MB"),
        _at_most("resident memory after the saves", after_saves, "MB", 500),
        Figure("one client: search p50", one["p50_ms"], "ms"),
        Figure("one client: the question's embedding p50", one["embedding_p50_ms"], "ms"),
        _at_most("one client: search against its embedding", one["ratio_to_embedding"], "x", 1.3),
        _at_least("four clients, new questions", four["requests_per_second"], "requests/s", 100),
        _at_most("four clients, new questions: p99", four["p99_ms"], "ms", 100),
        _at_least("four clients, repeated questions", repeated["requests_per_second"], "requests/s", 2000),
        Figure("saved article found: p50", saves["found_p50_s"], "s"),
        _at_most("saved article found: slowest", saves["found_max_s"], "s", 1),
        Figure("saved article found through a second process: p50", saves["found_elsewhere_p50_s"], "s"),
        _at_most("saved article found through a second process: slowest", saves["found_elsewhere_max_s"], "s", 1),
        _at_most(f"kb index --rebuild ({rebuilt})", round(rebuild_s, 1), "s", 30),
    ]
    return ServingReport(figures, runs)


def _rebuilt(output: str) -> str:
    """What the rebuild's summary line says it embedded: "4,235 chunks, 0 embedded anew"."""
    found = re.search(r"(\d+)\s+chunks\s+written(?:\s+\((\d+)\s+with\s+vectors\s+computed\s+before\))?", output)
    if found is None:
        return "chunks not reported"
    written, before = int(found[1]), int(found[2] or 0)
    return f"{written:,} chunks, {written - before:,} embedded anew"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass(frozen=True)
class Served:
    process: subprocess.Popen
    url: str
    started_s: float  # from start until it answered `/health`


@contextmanager
def serving(environment: dict[str, str], log: Path) -> Iterator[Served]:
    """`kb serve` in a child process on a free port (its output added to `log`), once it answers
    `/health`; stopped on leaving, after its writer process finished."""
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    with log.open("a") as output:
        started = time.perf_counter()
        process = subprocess.Popen([sys.executable, "-m", "kb.cli", "serve", "--port", str(port)], env=environment,
                                   stdout=output, stderr=subprocess.STDOUT)
    try:
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"kb serve stopped (exit code {process.returncode}): {_tail(log)}")
            try:
                if httpx.get(f"{url}/health", timeout=5).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.perf_counter() - started > START_TIMEOUT_S:
                raise TimeoutError(f"kb serve did not answer within {START_TIMEOUT_S} s: {_tail(log)}")
            time.sleep(0.05)
        yield Served(process, url, time.perf_counter() - started)
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _timed(command: list[str], environment: dict[str, str], log: Path) -> float:
    with log.open("w") as output:
        started = time.perf_counter()
        finished = subprocess.run(command, env=environment, stdout=output, stderr=subprocess.STDOUT)
    if finished.returncode != 0:
        raise RuntimeError(f"{' '.join(command[2:])} failed (exit code {finished.returncode}): {_tail(log)}")
    return time.perf_counter() - started


def _tail(log: Path, lines: int = 5) -> str:
    return " | ".join(log.read_text(encoding="utf-8", errors="replace").strip().splitlines()[-lines:])
