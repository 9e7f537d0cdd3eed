"""`kb bench-scale`: load time, memory and query latency of the embedded store and of the
in-memory scorer at 1x, 10x and 100x the articles.

Per size, the real chunks and their variants (`eval.variants`: the stored vectors, slightly moved)
are written into a fresh embedded Qdrant; then, each in a child process of its own
(`eval.scale_steps`), the store is opened and searched as the API does with the Qdrant retrievers
(`KB_RETRIEVAL_BACKEND=qdrant`), and opened, read into the in-memory scorer and searched as the
API does by default. A step that runs longer than the timeout or holds more memory than the cap is
stopped: its row says that it did not fit and keeps what was measured before. The variants measure
the stores, not the quality of answers.

This module holds what the parent needs (and what a child needs before it refuses PyTorch); the
libraries of the stores are imported by the functions that use them.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import pickle
import queue as queues
import shutil
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from haystack import Document
    from haystack.dataclasses import SparseEmbedding
    from rich.table import Table

    from eval.variants import BaseChunks
    from kb.settings import Settings

MB = 1024 * 1024
#: What is measured per size: the embedded store searched by the Qdrant retrievers
#: (`KB_RETRIEVAL_BACKEND=qdrant`), the embedded store with the in-memory scorer built from it (the
#: default), and the in-memory scorer alone (built without a store)
STORES = {"qdrant": "embedded Qdrant", "memory": "embedded + in-memory", "scorer": "in-memory alone"}
STORE_STEPS = ("qdrant", "memory")  # need the embedded store written
DEFAULT_SIZES = (1, 10, 100)
POLL_SECONDS = 0.5


@dataclass(frozen=True)
class Query:
    dense: list[float]
    sparse: SparseEmbedding


@dataclass(frozen=True)
class ScaleJob:
    """What a child process needs for one step of one size."""

    base_file: Path  # pickled BaseChunks
    queries_file: Path  # pickled list[Query]
    folder: Path  # the data folder of this size's embedded store
    size: int
    query_budget: float  # seconds of timed queries per kind
    write_budget: float  # seconds of writing as `kb index` does; the rest is written without waiting for the disk


@dataclass
class ScaleRow:
    size: int
    articles: int
    chunks: int
    store: str  # a key of STORES
    measured: dict[str, float] = field(default_factory=dict)
    problem: str = ""  # why figures are missing, e.g. "did not fit: ..."

    def get(self, key: str) -> float | None:
        return self.measured.get(key)


@dataclass
class ScaleReport:
    articles: int  # real articles the variants are made of
    chunks: int
    dimension: int
    queries: int
    sparse_terms: float  # mean number of sparse terms per chunk
    payload_bytes: float  # mean size of a chunk's stored payload (text and metadata) as JSON
    rows: list[ScaleRow] = field(default_factory=list)
    measured_on: str = field(default_factory=lambda: datetime.now(UTC).strftime("%Y-%m-%d"))
    cores: int = field(default_factory=lambda: os.cpu_count() or 1)
    memory_gb: float = field(default_factory=lambda: _meminfo_kb("MemTotal") / 1024 / 1024)


# -- the process's memory --------------------------------------------------------------------


def _status_kb(path: str, *names: str) -> dict[str, float]:
    values: dict[str, float] = {}
    with open(path, encoding="ascii") as status:
        for line in status:
            key, _, rest = line.partition(":")
            if key in names:
                values[key] = float(rest.split()[0])
    return values


def memory_mb(pid: int | str = "self") -> dict[str, float]:
    """Resident memory now (`rss`) and at its peak (`peak`) in MB, from /proc/<pid>/status."""
    values = _status_kb(f"/proc/{pid}/status", "VmRSS", "VmHWM")
    return {"rss": values.get("VmRSS", 0.0) / 1024, "peak": values.get("VmHWM", 0.0) / 1024}


def reset_peak() -> None:
    """Start the peak of resident memory (VmHWM) from what is resident now."""
    try:
        Path("/proc/self/clear_refs").write_text("5", encoding="ascii")
    except OSError:  # not allowed here: the peak then counts from the start of the process
        pass


def available_mb() -> float:
    """Memory the machine can still give (MemAvailable), in MB."""
    return _meminfo_kb("MemAvailable") / 1024


def _meminfo_kb(name: str) -> float:
    try:
        return _status_kb("/proc/meminfo", name).get(name, 0.0)
    except OSError:
        return 0.0


def folder_bytes(path: Path) -> int:
    return sum(file.stat().st_size for file in path.rglob("*") if file.is_file())


# -- the inputs: the stored chunks and the questions ------------------------------------------


def stored_chunks(settings: Settings) -> list[Document]:
    """The chunks searches read (each article's newest complete version) with their vectors, read
    through the index's alias without changing the store. The embedded store of a running API is
    copied first (its folder admits one process)."""
    from qdrant_client import QdrantClient

    from indexer.indexing import served_documents
    from kb.store_files import copy_embedded_store

    with tempfile.TemporaryDirectory(prefix="kb-bench-scale-") as scratch:
        if settings.qdrant_url:
            key = settings.qdrant_api_key.get_secret_value() if settings.qdrant_api_key else None
            client = QdrantClient(url=settings.qdrant_url, api_key=key)
        else:
            path = settings.resolved_qdrant_path
            if not path.is_dir():
                return []
            try:
                client = QdrantClient(path=str(path))
            except RuntimeError as exc:
                if "already accessed" not in str(exc):
                    raise
                copy_embedded_store(settings, Path(scratch) / "qdrant")
                client = QdrantClient(path=str(Path(scratch) / "qdrant"))
        try:
            return served_documents(_read_points(client, settings.collection))
        finally:
            client.close()


def _read_points(client: Any, collection: str) -> list[Document]:
    from haystack_integrations.document_stores.qdrant.converters import convert_qdrant_point_to_haystack_document

    names = {c.name for c in client.get_collections().collections}
    names |= {a.alias_name for a in client.get_aliases().aliases}
    if collection not in names:
        return []
    documents: list[Document] = []
    offset = None
    while True:
        records, offset = client.scroll(collection, limit=1000, offset=offset, with_payload=True, with_vectors=True)
        documents.extend(convert_qdrant_point_to_haystack_document(r, use_sparse_embeddings=True) for r in records)
        if offset is None:
            return documents


def spread(items: list[str], count: int) -> list[str]:
    """`count` of `items` spread evenly over the list (all of them when there are fewer)."""
    if count >= len(items):
        return list(items)
    return [items[round(n * (len(items) - 1) / max(count - 1, 1))] for n in range(count)]


def embed_queries(questions: Iterable[str], embedder: Any) -> list[Query]:
    """The dense vector of each question from the product's query embedder, and its sparse one."""
    from kb.sparse import query_vector

    return [Query(embedder.run(text=q)["embedding"], query_vector(q)) for q in questions]


# -- running the steps in child processes -----------------------------------------------------


def _child(step: str, job: ScaleJob, messages: Any) -> None:
    """Entry point of a child process: nothing but the step's libraries is loaded (no PyTorch, one
    BLAS thread, as in the API); what it measures is sent as it is known."""
    from kb.environment import apply_defaults, without_unused_libraries

    apply_defaults()
    without_unused_libraries()
    try:
        from threadpoolctl import threadpool_limits

        from eval.scale_steps import run

        threadpool_limits(limits=1, user_api="blas")
        run(step, job, lambda **values: messages.put(("measured", values)))
        messages.put(("done", {}))
    except Exception as exc:  # reported in the row; the benchmark goes on with the next step
        messages.put(("failed", f"{type(exc).__name__}: {exc}"))


def run_step(
    step: str, job: ScaleJob, *, timeout: float, max_rss_mb: float, min_free_mb: float = 0.0,
) -> tuple[dict[str, float], str]:
    """Run one step in a child process; what it measured, and why it stopped early ("" if it did
    not). A child that runs longer than `timeout` seconds, holds more than `max_rss_mb` or leaves
    the machine less than `min_free_mb` is killed."""
    context = multiprocessing.get_context("spawn")
    messages = context.Queue()
    process = context.Process(target=_child, args=(step, job, messages), daemon=True)
    started = time.monotonic()
    process.start()
    pid = process.pid
    assert pid is not None, "started"
    measured: dict[str, float] = {}
    problem, highest = "", 0.0
    while True:
        try:
            kind, payload = messages.get(timeout=POLL_SECONDS)
        except queues.Empty:
            kind, payload = "", {}
        if kind == "measured":
            measured.update(payload)
        elif kind == "done":
            break
        elif kind == "failed":
            problem = f"failed: {payload}"
            break
        elif not process.is_alive():
            problem = f"the process ended with exit code {process.exitcode}"
            break
        try:
            highest = max(highest, memory_mb(pid)["rss"])
        except OSError:  # it just ended; the next round says how
            pass
        if highest > max_rss_mb:
            problem = f"did not fit: over {max_rss_mb:,.0f} MB resident after {time.monotonic() - started:,.0f} s"
            break
        if min_free_mb and available_mb() < min_free_mb:
            problem = (f"did not fit: the machine had less than {min_free_mb:,.0f} MB left, at {highest:,.0f} MB "
                       f"resident after {time.monotonic() - started:,.0f} s")
            break
        if time.monotonic() - started > timeout:
            problem = f"did not fit: not done after {timeout:,.0f} s ({highest:,.0f} MB resident)"
            break
    if process.is_alive() and problem:
        process.kill()
    process.join(timeout=60)
    if process.is_alive():
        process.kill()
        process.join()
    return measured, problem


def run_scale_benchmark(
    base: BaseChunks,
    queries: list[Query],
    sizes: Iterable[int],
    *,
    query_budget: float = 60.0,
    write_budget: float = 120.0,
    timeout: float = 3600.0,
    max_rss_mb: float = 12_000.0,
    min_free_mb: float = 1_500.0,
    progress: Callable[[str], None] = lambda line: None,
) -> ScaleReport:
    """Write, open and search every size (the real articles and size - 1 variants of each); the
    stores live in a temporary folder that is removed size by size."""
    report = ScaleReport(
        articles=len(base.article_ids), chunks=len(base), dimension=base.dimension, queries=len(queries),
        sparse_terms=sum(len(v.indices) for v in base.sparse) / max(len(base), 1),
        payload_bytes=sum(len(json.dumps(d.to_dict(flatten=False))) for d in base.documents) / max(len(base), 1),
    )
    with tempfile.TemporaryDirectory(prefix="kb-bench-scale-") as scratch:
        base_file, queries_file = Path(scratch) / "base.pickle", Path(scratch) / "queries.pickle"
        base_file.write_bytes(pickle.dumps(base))
        queries_file.write_bytes(pickle.dumps(queries))
        for size in sizes:
            folder = Path(scratch) / f"{size}x"
            job = ScaleJob(base_file, queries_file, folder, size, query_budget, write_budget)
            rows = {store: ScaleRow(size, report.articles * size, report.chunks * size, store) for store in STORES}
            report.rows.extend(rows.values())
            progress(f"{size}x: writing {report.chunks * size:,} chunks into a new embedded store ...")
            limits = dict(timeout=timeout, max_rss_mb=max_rss_mb, min_free_mb=min_free_mb)
            written, problem = run_step("write", job, **limits)
            rows["qdrant"].measured.update(written)
            if problem:
                for store in STORE_STEPS:
                    rows[store].problem = f"writing {problem} ({written.get('written', 0):,.0f} chunks written)"
                progress(f"{size}x: {rows['qdrant'].problem}")
            else:
                progress(f"{size}x: {describe_write(rows['qdrant'])}")
            for store, row in rows.items():
                if row.problem:
                    continue
                measured, row.problem = run_step(store, job, **limits)
                row.measured.update(measured)
                progress(f"{size}x: {STORES[store]}: {describe(row)}")
            shutil.rmtree(folder, ignore_errors=True)
    return report


# -- what is printed ---------------------------------------------------------------------------


def write_projected(row: ScaleRow) -> bool:
    """Whether the write time is projected from the first chunks (the rest was written faster)."""
    return row.get("timed_chunks") is not None and row.measured["timed_chunks"] < row.chunks


def describe_write(row: ScaleRow) -> str:
    measured = row.measured
    if not write_projected(row):
        return f"written in {measured['write_s']:.1f} s, {measured['disk_mb']:,.0f} MB on disk"
    rate = row.chunks / measured["write_s"]
    return (
        f"{measured['timed_chunks']:,.0f} chunks written as `kb index` writes them ({rate:,.0f} chunks/s: all of them in "
        f"~{measured['write_s']:,.0f} s), the rest in {measured['bulk_s']:,.1f} s without waiting for the disk; "
        f"{measured['disk_mb']:,.0f} MB on disk"
    )


def describe(row: ScaleRow) -> str:
    parts = []
    if row.get("load_s") is not None:
        parts.append(f"loaded in {row.measured['load_s']:.1f} s, {row.measured['rss_mb']:,.0f} MB resident")
    if row.get("trimmed_mb") is not None:
        parts.append(f"{row.measured['trimmed_mb']:,.0f} MB once freed memory is handed back")
    if row.get("matrices_mb") is not None:
        parts.append(f"its matrices {row.measured['matrices_mb']:,.0f} MB")
    if row.get("read_s") is not None:
        parts.append(f"of which reading the chunks and building the scorer {row.measured['read_s']:.1f} s and "
                     f"{row.measured['scorer_mb']:,.0f} MB")
    for kind in ("dense", "sparse"):
        if row.get(f"{kind}_p50_ms") is not None:
            parts.append(f"{kind} p50 {row.measured[f'{kind}_p50_ms']:.2f} ms ({row.measured[f'{kind}_n']:.0f} queries)")
    if row.problem:
        parts.append(row.problem)
    return "; ".join(parts)


COLUMNS = (
    "size", "articles", "chunks", "store", "write s", "disk MB", "load s", "RSS MB", "peak MB", "trimmed MB",
    "dense p50 ms", "dense p95 ms", "sparse p50 ms", "sparse p95 ms", "queries",
)


def _figure(value: float | None, digits: int = 1) -> str:
    return "-" if value is None else f"{value:,.{digits}f}"


def table_rows(report: ScaleReport) -> list[list[str]]:
    """One row per size and store, as the terminal table and the Markdown show them; the write
    time and disk size belong to the size (given on its first row)."""
    rows = []
    for row in report.rows:
        first = row.store == "qdrant"
        counted = [row.get("dense_n"), row.get("sparse_n")]
        rows.append([
            f"{row.size}x", f"{row.articles:,}", f"{row.chunks:,}", STORES[row.store],
            ("~" if write_projected(row) else "") + _figure(row.get("write_s")) if first else "",
            _figure(row.get("disk_mb"), 0) if first else "",
            _figure(row.get("load_s"), 2), _figure(row.get("rss_mb"), 0), _figure(row.get("peak_mb"), 0),
            _figure(row.get("trimmed_mb"), 0),
            _figure(row.get("dense_p50_ms"), 2), _figure(row.get("dense_p95_ms"), 2),
            _figure(row.get("sparse_p50_ms"), 2), _figure(row.get("sparse_p95_ms"), 2),
            " / ".join(_figure(n, 0) for n in counted) if any(n is not None for n in counted) else "-",
        ])
    return rows


WRITE_NOTE = (
    "projected from the chunks written as `kb index` writes them (local mode commits every point to its SQLite "
    "file) within the write budget; the rest was written without waiting for the disk"
)
RATIOS = (("load_s", "load"), ("rss_mb", "RSS"), ("dense_p50_ms", "dense p50"), ("sparse_p50_ms", "sparse p50"))


def ratio_rows(report: ScaleReport) -> list[list[str]]:
    """Each store's figures at every size against the smallest size of the same run."""
    rows = []
    for store in STORES:
        mine = [row for row in report.rows if row.store == store]
        if not mine:
            continue
        first = mine[0]
        for row in mine[1:]:
            cells = [f"{row.size}x / {first.size}x", STORES[store], f"{row.chunks / first.chunks:,.0f}"]
            for key, _ in RATIOS:
                value, reference = row.get(key), first.get(key)
                cells.append(f"{value / reference:,.1f}" if value is not None and reference else "-")
            rows.append(cells)
    return rows


RATIO_COLUMNS = ("sizes", "store", "chunks", *(f"{label} x" for _, label in RATIOS))


def per_chunk_lines(report: ScaleReport) -> list[str]:
    """What one chunk costs, for estimates of other sizes: the vector sizes and payload of the real
    chunks, and the disk and resident memory per chunk at the largest size that was measured."""
    lines = [
        f"dense vector {report.dimension} x 4 B = {report.dimension * 4:,} B; sparse vector {report.sparse_terms:.0f} "
        f"terms on average ({report.sparse_terms * 8:,.0f} B as 4-byte index + 4-byte weight); payload "
        f"{report.payload_bytes:,.0f} B as JSON (the chunk's text and metadata)",
    ]
    sized = [row for row in report.rows if row.store == "qdrant" and row.get("disk_mb") is not None]
    if sized:
        row = sized[-1]
        lines.append(f"on disk (embedded store, {row.size}x): {row.measured['disk_mb'] * MB / row.chunks:,.0f} B per chunk")
    for store in STORES:
        loaded = [row for row in report.rows if row.store == store and row.get("rss_mb") is not None]
        if loaded:
            row = loaded[-1]
            line = (
                f"resident ({STORES[store]}, {row.size}x): {row.measured['rss_mb'] * MB / row.chunks:,.0f} B per chunk, "
                f"peak while loading {row.measured['peak_mb'] * MB / row.chunks:,.0f} B"
            )
            if row.get("trimmed_mb") is not None:
                line += f", {row.measured['trimmed_mb'] * MB / row.chunks:,.0f} B once freed memory is handed back"
            if row.get("matrices_mb") is not None:
                line += f"; the scorer's matrices {row.measured['matrices_mb'] * MB / row.chunks:,.0f} B"
            if row.get("scorer_mb") is not None:
                line += f" (reading the chunks and building the scorer: {row.measured['scorer_mb'] * MB / row.chunks:,.0f} B)"
            lines.append(line)
    return lines


def problems(report: ScaleReport) -> list[str]:
    return [f"{row.size}x, {STORES[row.store]}: {row.problem}" for row in report.rows if row.problem]


def rich_tables(report: ScaleReport) -> list[Table]:
    from rich.table import Table

    from search_api.retrieval import TOP_K

    table = Table(title=f"Scale: {report.articles} real articles ({report.chunks:,} chunks) and their variants, "
                        f"{report.queries} questions, top {TOP_K}")
    for column in COLUMNS:
        table.add_column(column, justify="left" if column == "store" else "right")
    for cells in table_rows(report):
        table.add_row(*cells)
    tables = [table]
    ratios = ratio_rows(report)
    if ratios:
        ratio_table = Table(title="Against the smallest size, in the same run")
        for column in RATIO_COLUMNS:
            ratio_table.add_column(column, justify="left" if column in ("sizes", "store") else "right")
        for cells in ratios:
            ratio_table.add_row(*cells)
        tables.append(ratio_table)
    return tables


def render_markdown(report: ScaleReport, command: str) -> str:
    def markdown_table(columns: Iterable[str], rows: list[list[str]]) -> list[str]:
        columns = list(columns)
        return ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns), *("| " + " | ".join(r) + " |" for r in rows)]

    from search_api.retrieval import TOP_K

    lines = [
        f"`{command}`, {report.measured_on}, {report.cores} cores, {report.memory_gb:.0f} GB of memory; "
        f"{report.articles} real articles ({report.chunks:,} chunks) and their variants, {report.queries} "
        f"evaluation questions (dense and sparse top {TOP_K}):",
        "",
        *markdown_table(COLUMNS, table_rows(report)),
        "",
    ]
    ratios = ratio_rows(report)
    if ratios:
        lines += ["Against the smallest size, in the same run:", "", *markdown_table(RATIO_COLUMNS, ratios), ""]
    if any(write_projected(row) for row in report.rows):
        lines += [f"~: {WRITE_NOTE}", ""]
    lines += ["Per chunk:", "", *(f"- {line}" for line in per_chunk_lines(report)), ""]
    stopped = problems(report)
    if stopped:
        lines += ["Stopped:", "", *(f"- {line}" for line in stopped), ""]
    return "\n".join(lines)
