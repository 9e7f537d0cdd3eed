"""The `kb` command: one entry point for editors, operators and CI."""

from __future__ import annotations

import logging.config
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from kb.environment import apply_defaults, without_unused_libraries
from kb.settings import Settings, get_settings

app = typer.Typer(help="Kennisbank gemeente Voorbeeldstad: validate, index, serve, evaluate.", no_args_is_help=True)
console = Console()
err = Console(stderr=True, soft_wrap=True)


@app.callback()
def environment() -> None:
    """Kennisbank gemeente Voorbeeldstad: validate, index, serve, evaluate."""
    apply_defaults()  # before any command imports the libraries that read it; `kb console` passes it on


@app.command()
def model(force: Annotated[bool, typer.Option(help="Convert and export again even if verified copies exist")] = False) -> None:
    """Prepare the embedding model: convert the packaged multilingual e5 and export its ONNX copy."""
    from kb.model import ensure_packaged_model
    from kb.model.onnx_export import OnnxExportError, ensure_onnx_model, read_marker
    from kb.settings import PACKAGED_E5

    settings = get_settings()
    if settings.embedding_model == PACKAGED_E5:
        with console.status("Converting and verifying multilingual-e5-small ..."):
            model_name = str(ensure_packaged_model(settings.model_cache_dir, force=force))
        console.print(f"[green]Model ready[/green] at {model_name}")
    else:
        model_name = settings.embedding_model
        console.print(f"KB_EMBEDDING_MODEL is {model_name!r}: nothing to convert.")
    if settings.embedding_backend != "onnx":
        return
    try:
        with console.status("Exporting the model to ONNX and checking its vectors ..."):
            folder = ensure_onnx_model(model_name, settings.model_cache_dir, force=force)
    except OnnxExportError as exc:
        err.print(f"[yellow]No ONNX model ({exc}); embedding uses sentence-transformers.[/yellow]")
        return
    info = read_marker(folder)
    console.print(f"[green]ONNX model ready[/green] at {folder} (lowest cosine with PyTorch {info['min_cosine']:.6f})")


@app.command()
def validate(
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Only errors, no warnings")] = False,
) -> None:
    """Check every article and the list of life events; prints file:line problems and exits 1 on any error."""
    from indexer.validate import validate_knowledge_base

    report = validate_knowledge_base(get_settings(), life_event_list=True)
    for problem in report.problems:
        if quiet and problem.severity == "warning":
            continue
        style = "red" if problem.severity == "error" else "yellow"
        console.print(f"[{style}]{problem}[/{style}]", soft_wrap=True, highlight=False)
    summary = (
        f"{report.files_checked} files checked: {len(report.errors)} errors, {len(report.warnings)} warnings"
    )
    if report.readability_summary is not None:
        console.print(report.readability_summary.describe(), highlight=False)
    if report.ok:
        console.print(f"[green]{summary}[/green]")
    else:
        console.print(f"[red]{summary}[/red]")
        raise typer.Exit(1)


@app.command()
def index(
    via_api: Annotated[bool, typer.Option("--via-api", help="Ask the running API to re-index (KB_API_URL)")] = False,
    rebuild: Annotated[
        bool, typer.Option(help="Embed everything again into a new collection; searches switch to it when it is complete")
    ] = False,
    article: Annotated[list[str] | None, typer.Option("--article", "-a", help="Only this article id (repeatable)")] = None,
) -> None:
    """Embed new or changed articles (and chunks an interrupted run left out) into Qdrant; safe to stop at any time."""
    settings = get_settings()
    if rebuild and article:
        err.print("[red]--rebuild embeds every article: leave out --article.[/red]")
        raise typer.Exit(2)
    if via_api:
        _reindex_via_api(article)
        return

    import os

    from indexer.indexing import index_articles
    from indexer.validate import validate_knowledge_base
    from indexer.vector_cache import cached_embedder
    from kb.embedding import embedding_dimension, index_embedder
    from kb.model import resolve_embedding_model
    from kb.store import open_document_store, open_new_collection, prepare_index_run, switch_index
    from kb.store_files import StoreLockedError, describe_store
    from search_api.chunk_snapshot import ChunkSnapshot
    from search_api.classifier import fit_as_served

    os.umask(0o077)  # the index is the service's own, like everything else in the data folder

    report = validate_knowledge_base(settings)
    for problem in report.errors:
        err.print(f"[red]{problem}[/red]", soft_wrap=True, highlight=False)
    with console.status("Loading the embedding model ..."):
        model_name = resolve_embedding_model(settings)
        model, workers = index_embedder(settings, model_name)
        embedder = cached_embedder(model, settings.data_dir, model_name)  # vectors computed before are reused
    dimension = embedding_dimension(model)
    try:
        with console.status("Checking the index ..."):
            for line in prepare_index_run(settings, dimension, rebuild=rebuild):
                console.print(line, highlight=False)
        store = open_new_collection(settings, dimension) if rebuild else open_document_store(settings, dimension)
    except StoreLockedError as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None
    target = f"new collection '{store.index}'" if rebuild else describe_store(settings)
    console.print(f"Indexing {len(report.articles)} articles into {target}", highlight=False)
    with _index_progress() as advance:
        result = index_articles(
            report.articles,
            store,
            embedder,
            model_name=model_name,
            passage_prefix=settings.resolved_passage_prefix,
            keep_ids=report.invalid_ids,
            only_ids=article,
            progress=advance,
            workers=workers,
        )
    store.close()
    if rebuild:
        switch_index(settings, store.index)
        console.print(f"Searches now use collection '{store.index}' ({describe_store(settings)})", highlight=False)
    snapshot = ChunkSnapshot.of(settings)
    if snapshot is not None:  # what the API starts from: the chunks, and the classifier fitted on them
        stored = snapshot.take(lambda: open_document_store(settings, dimension))
        with console.status("Fitting the department classifier ..."):
            fit_as_served(stored, settings.data_dir)
    console.print(f"[green]Done:[/green] {result.summary()}")
    if not report.ok:
        err.print(f"[red]{len(report.errors)} validation errors: those files were not (re-)indexed.[/red]")
        raise typer.Exit(1)


@contextmanager
def _index_progress() -> Iterator[Callable[[int, int], None]]:
    """A progress bar in a terminal; elsewhere (CI logs, scripts) one line per batch of chunks."""
    if not console.is_terminal:
        yield lambda done, total: console.print(f"Embedded {done} of {total} chunks", highlight=False)
        return
    with Progress(
        TextColumn("Embedding"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=console
    ) as progress:
        task = progress.add_task("embed", total=None)
        yield lambda done, total: progress.update(task, completed=done, total=total)


def _reindex_via_api(articles: list[str] | None) -> None:
    import httpx

    from kb.security import Role, role_token, token_file

    settings = get_settings()
    # Named articles: an editor's right; the whole knowledge base: an administrator's.
    role: Role = "editor" if articles else "admin"
    token = role_token(settings, role, create=False)
    if not token:
        err.print(
            f"[red]No {role} token: set KB_{role.upper()}_TOKEN or start the API once "
            f"(it writes {token_file(settings, role)}).[/red]"
        )
        raise typer.Exit(2)
    try:
        response = httpx.post(
            f"{settings.api_url}/admin/reindex",
            json={"article_ids": articles} if articles else None,
            headers={"Authorization": f"Bearer {token}"},
            timeout=600,
        )
    except httpx.HTTPError as exc:
        err.print(f"[red]Could not reach the API at {settings.api_url}: {exc}[/red]")
        raise typer.Exit(2) from None
    if response.status_code != 200:
        err.print(f"[red]The API answered {response.status_code}: {response.text}[/red]")
        raise typer.Exit(1)
    console.print_json(response.text)


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Interface to bind (default KB_API_HOST, 127.0.0.1)")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default KB_API_PORT, 8000)")] = None,
) -> None:
    """Start the search API (loads the model once; builds the index if it is empty)."""
    import os

    os.umask(0o077)  # everything the service writes (index, search log, reports) is its own user's only
    settings = get_settings()
    if settings.embedding_backend == "onnx":
        without_unused_libraries()  # ONNX Runtime embeds: no PyTorch (nor pandas) in the service (kb.environment)
    _check_search_log(settings)

    import uvicorn

    from kb.security import ROLES, configured_token, role_tokens, token_file
    from search_api.app import create_app
    from search_api.logging_setup import log_config
    from search_api.server import server_config

    logging.config.dictConfig(log_config())  # no personal data in log lines: redacted, no query strings or client IPs
    role_tokens(settings)  # make sure the tokens exist before clients look for them
    for role in ROLES:
        if configured_token(settings, role) is None:
            console.print(f"Token of role {role}: {token_file(settings, role)}")
    config = server_config(
        create_app(settings), settings, host=host or settings.api_host, port=port or settings.api_port, log_level="info",
    )
    uvicorn.Server(config).run()


def _check_search_log(settings) -> None:
    """Open the search log's database (and bring its tables up to date) before anything else
    starts; a clear message and exit code 2 when it cannot be used."""
    from rich.markup import escape

    from search_api.storage.db import DatabaseError, open_database

    try:
        open_database(settings).dispose()
    except DatabaseError as exc:
        err.print(f"[red]{escape(str(exc))}[/red]")
        raise typer.Exit(2) from None


@app.command()
def widget(
    service: Annotated[str | None, typer.Option(
        help="The search service's public address, as the web site's visitors reach it (default KB_API_URL)",
    )] = None,
) -> None:
    """Print the lines that put the search widget on a web page, with the widget's integrity hash."""
    from search_api.web.widget import embed_lines

    for line in embed_lines(service or get_settings().api_url):
        print(line)


@app.command("console")
def console_command(
    host: Annotated[str, typer.Option(help="Interface to bind; keep 127.0.0.1 unless behind a proxy")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port of the console")] = 8501,
) -> None:
    """Start the staff console (Streamlit); it talks to the API at KB_API_URL."""
    import os
    import sys

    app_path = Path(__file__).resolve().parent.parent / "staff_ui" / "app.py"
    command = [
        sys.executable, "-m", "streamlit", "run", str(app_path),
        "--server.headless", "true", "--server.address", host, "--server.port", str(port),
        "--browser.gatherUsageStats", "false", "--client.toolbarMode", "viewer",
    ]
    os.execv(sys.executable, command)  # becomes Streamlit: stopping `kb console` stops the console


@app.command("eval")
def evaluate(
    calibrate: Annotated[bool, typer.Option(help="Save the final router (fitted on the dev split) for the API")] = False,
    output: Annotated[Path | None, typer.Option(help="Also write the JSON report here")] = None,
    markdown: Annotated[Path | None, typer.Option(help="Also write the Markdown report here")] = None,
    readme: Annotated[
        list[Path] | None,
        typer.Option(help="Also write the tables between the `<!-- kb eval: ... -->` markers of this Markdown file (repeatable)"),
    ] = None,
    compare: Annotated[bool, typer.Option(help="Compare all retrieval and routing variants (slower)")] = True,
) -> None:
    """Score retrieval and routing on eval/questions.yaml; compare variants; write JSON and Markdown reports."""
    import json

    from eval.markdown import in_scope_model, off_topic_policy, render_markdown
    from eval.run import FINAL_ROUTING, build_report, run_variants, write_report
    from kb.questions import load_questions
    from kb.store_files import StoreLockedError
    from search_api.engine import SearchEngine
    from search_api.retrieval import DEFAULT_MODE, RETRIEVAL_MODES

    for path in readme or []:
        _check_readme(path)  # before the run, not after 1.5 minutes
    settings = get_settings()
    questions = load_questions(settings.questions_file)
    engine = SearchEngine(settings)
    try:
        with console.status("Loading the model and the index ..."), _without_fitted_models(engine, calibrate):
            engine.start()
    except StoreLockedError as exc:
        err.print(f"[red]{exc}[/red]\nStop the API to run the evaluation in-process.")
        raise typer.Exit(2) from None
    modes = RETRIEVAL_MODES if compare else (DEFAULT_MODE,)
    with Progress(TextColumn("Questions x variants"), BarColumn(), MofNCompleteColumn(), console=console) as progress:
        task = progress.add_task("eval", total=len(questions) * len(modes))
        run = run_variants(engine, questions, modes, progress=lambda: progress.advance(task))
    engine.close()
    if calibrate:
        calibration = run.calibrations[(DEFAULT_MODE, FINAL_ROUTING)]
        from search_api.model_files import save_models

        written = save_models(calibration, settings.fitted_dir)
        console.print(f"Router fitted on {calibration.fitted_on} dev questions, saved to "
                      f"{', '.join(str(path) for path in written)}")
        policy = off_topic_policy(calibration.off_topic_rejection_target)
        console.print(f"Off-topic threshold {calibration.in_scope_threshold:.2f}, {policy} (what others cost: the Markdown report)")
        console.print(f"In-scope model: {in_scope_model(calibration.model_dump())}")
    report = build_report(run, settings.embedding_model)
    path = write_report(report, settings.data_dir / "reports")
    if output:
        output.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    if markdown:
        markdown.write_text(render_markdown(report), encoding="utf-8")
    _print_report(report)
    console.print(f"Report: {path} (and {path.with_suffix('.md').name})")
    for path in readme or []:
        _write_readme(path, report)


@contextmanager
def _without_fitted_models(engine, replaced: bool) -> Iterator[None]:
    """While the engine starts: when the run fits every model again and replaces the fitted ones
    (`--calibrate`), it does not read them (a file of an older format would stop the start, and
    the fit is how such a file is replaced). Nothing the report shows comes from them: every
    variant's router, ranking and memory are fitted in the run."""
    if not replaced:
        yield
        return
    import logging
    import tempfile

    fitted, quiet = engine.settings.fitted_dir, logging.getLogger("search_api.model_files")
    level = quiet.level
    with tempfile.TemporaryDirectory(prefix="kb-no-models-") as empty:
        engine.settings.fitted_dir = Path(empty)
        quiet.setLevel(logging.ERROR)  # "no fitted router": as meant
        try:
            yield
        finally:
            engine.settings.fitted_dir = fitted
            quiet.setLevel(level)


@app.command()
def report(
    source: Annotated[Path, typer.Argument(help="A JSON report of `kb eval` (eval/baseline.json, data/reports/eval-*.json)")],
    markdown: Annotated[Path | None, typer.Option(help="Write its Markdown report here")] = None,
    readme: Annotated[
        list[Path] | None,
        typer.Option(help="Write its tables between the `<!-- kb eval: ... -->` markers of this Markdown file (repeatable)"),
    ] = None,
) -> None:
    """Render a saved evaluation report again (Markdown report, tables in README and docs) without re-running it."""
    import json

    from eval.markdown import render_markdown

    for path in readme or []:
        _check_readme(path)
    try:
        data = json.loads(source.read_text(encoding="utf-8"))
        rendered = render_markdown(data)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        err.print(f"[red]{source}: not a readable `kb eval` report ({type(exc).__name__}: {exc})[/red]")
        raise typer.Exit(2) from None
    if markdown:
        markdown.write_text(rendered, encoding="utf-8")
        console.print(f"Markdown report: {markdown}")
    for path in readme or []:
        _write_readme(path, data)


@app.command()
def ablation(
    output: Annotated[Path | None, typer.Option(help="Also write the JSON report here (eval/ablation.json)")] = None,
    markdown: Annotated[Path | None, typer.Option(help="Also write the table as Markdown here")] = None,
    readme: Annotated[
        list[Path] | None,
        typer.Option(help="Also write the table between the `<!-- kb ablation: parts -->` markers of this Markdown file (repeatable)"),
    ] = None,
    variant: Annotated[
        list[str] | None, typer.Option(help="Only this part left out (repeatable; default: every part)")
    ] = None,
    render: Annotated[
        Path | None, typer.Option(help="Draw a saved JSON report (eval/ablation.json) instead of running the ablation")
    ] = None,
) -> None:
    """Leave out each fitted model, stage and hand-set weight in turn, refit, and score it on the blind question sets (held out and all), with what each part costs per search."""
    import json

    from rich.markup import escape

    from eval.ablation import ABLATION_BLOCKS, VARIANT_KEYS, VARIANTS, render_table

    unknown = [name for name in variant or [] if name not in VARIANT_KEYS]
    if unknown:
        err.print(f"[red]--variant {escape(', '.join(unknown))}: unknown; known: {', '.join(VARIANT_KEYS)}[/red]")
        raise typer.Exit(2)
    for path in readme or []:
        _check_readme(path, ABLATION_BLOCKS, "kb ablation")
    if render is not None:
        try:
            report = json.loads(render.read_text(encoding="utf-8"))
            render_table(report)
        except (OSError, ValueError, KeyError, TypeError, IndexError) as exc:
            err.print(f"[red]{render}: not a readable `kb ablation` report ({type(exc).__name__}: {exc})[/red]")
            raise typer.Exit(2) from None
    else:
        report = _run_ablation(tuple(v for v in VARIANTS if not variant or v.key in variant))
        if output:
            output.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    _print_ablation(report)
    if markdown:
        markdown.write_text("\n".join(render_table(report)) + "\n", encoding="utf-8")
    for path in readme or []:
        _write_readme(path, report, ABLATION_BLOCKS, "kb ablation")


def _run_ablation(variants: tuple) -> dict:
    from eval.ablation import run_ablation
    from kb.questions import load_questions
    from kb.store_files import StoreLockedError
    from search_api.engine import SearchEngine

    settings = get_settings()
    questions = load_questions(settings.questions_file)
    engine = SearchEngine(settings)
    try:
        with console.status("Loading the model and the index ..."):
            engine.start()
    except StoreLockedError as exc:
        err.print(f"[red]{exc}[/red]\nStop the API to run the ablation in-process.")
        raise typer.Exit(2) from None
    try:
        with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                      console=console) as progress:
            task = progress.add_task("everything", total=len(variants) + 1)

            started = iter(range(len(variants) + 1))

            def advance(name: str) -> None:  # one call as each variant starts
                progress.update(task, description=name, completed=next(started))

            report = run_ablation(engine, questions, variants, progress=advance)
    finally:
        engine.close()
    return report


def _print_ablation(report: dict) -> None:
    from rich.table import Table

    from eval.ablation import GROUP_LABELS, GROUPS, LABELS, METRICS, cell

    everything, *variants = report["rows"]
    table = Table(title="What each part adds: blind question sets, held out and all (change in points)")
    table.add_column("without", max_width=36)
    for group in GROUPS:
        for metric in METRICS:
            table.add_column(f"{LABELS[metric]}\n{GROUP_LABELS[group]}", justify="right", no_wrap=True)
    table.add_column("ms", justify="right", no_wrap=True)
    table.add_column("≥ 1 pt", no_wrap=True)
    for row in (everything, *variants):
        cells = [cell(everything, row, group, metric).replace(" (", "\n(") for group in GROUPS for metric in METRICS]
        ms = "–" if row["ms"] is None else f"{row['ms']:.2f}"
        verdict = "" if row is everything else ("yes" if row["earns_its_place"] else "[red]no[/red]")
        table.add_row(row["key"], *cells, ms, verdict)
    console.print(table)
    console.print(
        f"{everything['held_out']['questions']} held-out and {everything['all']['questions']} blind questions in all; "
        "ms: what the part's stage costs a search (everything: the whole search); ≥ 1 pt: leaving it out costs at "
        "least one point of some metric, held out or on all blind questions.",
        style="dim",
    )


def _check_readme(path: Path, blocks: dict | None = None, tag: str = "kb eval") -> None:
    from eval.readme import README_BLOCKS, ReadmeBlockError, find_blocks

    try:
        find_blocks(path.read_text(encoding="utf-8"), str(path), blocks or README_BLOCKS, tag)
    except (OSError, ReadmeBlockError) as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None


def _write_readme(path: Path, data: dict, blocks: dict | None = None, tag: str = "kb eval") -> None:
    from eval.readme import README_BLOCKS, write_readme

    names = write_readme(path, data, blocks or README_BLOCKS, tag)
    console.print(f"{path}: {len(names)} tables written ({', '.join(names) or f'no `<!-- {tag}: ... -->` markers found'})")


def _print_report(report: dict) -> None:
    from rich.table import Table

    # metric -> short header, so that the tables fit an 80-column terminal or CI log (legend
    # below; nDCG@10 and macro-F1 are in the Markdown report)
    metrics = {
        "hit@1": "hit@1", "hit@5": "hit@5", "mrr": "MRR", "routing_accuracy": "route",
        "off_topic_rejection": "rej", "off_topic_auc": "AUC", "ambiguous_covered": "ask",
    }

    def table(title: str, rows: dict[str, dict]) -> Table:
        result = Table(title=title)
        result.add_column("", min_width=14, max_width=14, no_wrap=True, overflow="ellipsis")
        result.add_column("n", justify="right", no_wrap=True)
        for header in metrics.values():
            result.add_column(header, justify="right", no_wrap=True, min_width=5)
        for name, values in rows.items():
            cells = ["-" if values.get(m) is None else f"{values[m]:.3f}" for m in metrics]
            result.add_row(name, str(values["questions"]), *cells)
        return result

    console.print(
        "route: routing accuracy; rej: off-topic rejection; AUC: in-scope vs off-topic at any threshold; "
        "ask: share of in-scope questions answered with \"bedoelt u\". nDCG@10 and macro-F1: see the Markdown report.",
        style="dim",
    )
    comparison = report["comparison"]
    if len(comparison["retrieval"]) > 1:
        console.print(table("Retrieval variants (test split)", {m: v["test"] for m, v in comparison["retrieval"].items()}))
        console.print(table("Routing variants (test split)", {m: v["test"] for m, v in comparison["routing"].items()}))
    console.print(table("Final configuration", {"all": report["overall"], "dev": report["dev"], "test (held out)": report["test"]}))
    console.print(table("Per kind of question", report["by_kind"]))
    console.print(table("Per question set", report["by_source"]))
    console.print(table("Per department", report["by_department"]))
    targets = Table(title="Against the targets (95% interval)")
    for column in ("split", "metric", "value", "interval", "n", "target", ""):
        targets.add_column(column)
    for split, rows in report.get("targets", {}).items():
        for row in rows:
            targets.add_row(
                split, row["metric"], f"{row['value']:.3f}", f"{row['low']:.2f}-{row['high']:.2f}", str(row["n"]),
                f">= {row['target']:.2f}", "[green]met[/green]" if row["met"] else "[red]not met[/red]",
            )
    console.print(targets)
    console.print(
        f"Routing calibration error (ECE, test split): {report['calibration_error_test']}; "
        f"in-process latency p50 {report['latency_ms']['p50']} ms"
    )


@app.command()
def bench(
    concurrency: Annotated[int, typer.Option(min=1, max=64, help="Parallel clients")] = 1,
    rounds: Annotated[int, typer.Option(min=1, help="Times to send the whole question set")] = 1,
    mix: Annotated[str, typer.Option(
        help="unique: every evaluation question once per round, each searched; zipf: --requests questions drawn as "
        "citizens ask (a few very often, most rarely), repeats answered from the cache")] = "unique",
    requests: Annotated[int | None, typer.Option(min=1, help="Requests to send (zipf: default 20 per question)")] = None,
    warm: Annotated[bool, typer.Option(
        "--warm", help="zipf: ask every question of the mix once before timing, as a service that has been running")] = False,
    url: Annotated[str | None, typer.Option(help="API base URL (default KB_API_URL)")] = None,
    page: Annotated[
        bool, typer.Option("--page", help="Compare the citizen page /zoeken with /search for the same questions")
    ] = False,
) -> None:
    """Fire the eval questions at the running API over HTTP; print latency percentiles, throughput,
    the median of every stage of a search and the ratio of a search to its embedding (with --page:
    the median time of /zoeken against /search, side by side)."""
    from eval.bench import run_benchmark, run_page_comparison
    from kb.security import role_token, token_file

    settings = get_settings()
    token = role_token(settings, "staff", create=False)
    if not token:
        err.print(f"[red]No staff token: set KB_STAFF_TOKEN or start the API once (it writes {token_file(settings, 'staff')}).[/red]")
        raise typer.Exit(2)
    if page:
        result = run_page_comparison(url or settings.api_url, token)
    else:
        if mix not in ("unique", "zipf"):
            err.print(f"[red]--mix must be unique or zipf, not {mix!r}.[/red]")
            raise typer.Exit(2)
        result = run_benchmark(url or settings.api_url, token, concurrency=concurrency, rounds=rounds,
                               mix=mix, requests=requests, warm=warm)  # type: ignore[arg-type]  # checked above
    console.print_json(data=result)


@app.command()
def redaction(
    dataset: Annotated[Path | None, typer.Option(help="Labelled sentences (default eval/redaction.yaml)")] = None,
    mistakes: Annotated[bool, typer.Option(help="Also list every missed and every wrongly masked span")] = False,
) -> None:
    """Score the redactor of personal data on eval/redaction.yaml: precision and recall per kind; exits 1 below the targets."""
    from rich import box
    from rich.markup import escape
    from rich.table import Table

    from eval.redaction import PRECISION_TARGET, REDACTION_FILE, RedactionSetError, evaluate, load_sentences

    try:
        sentences = load_sentences(dataset or REDACTION_FILE)
    except RedactionSetError as exc:
        err.print(f"[red]{escape(str(exc))}[/red]")
        raise typer.Exit(2) from None
    report = evaluate(sentences)
    if mistakes:
        for mistake in report.mistakes:
            what = "missed" if mistake.missed else "extra "
            console.print(f"{what} [{mistake.kind}] {mistake.span!r}: {mistake.text}", highlight=False, markup=False)
    def figure(value: float | None, target: float) -> str:
        if value is None:
            return "-"
        return f"{value:.3f}" if value >= target else f"[red]{value:.3f}[/red]"

    table = Table(title=f"Redaction of personal data ({report.sentences} labelled sentences)", box=box.SIMPLE_HEAD)
    for column in ("kind", "spans", "masked", "precision", "recall", "target", "leaked"):
        table.add_column(column, justify="left" if column == "kind" else "right", no_wrap=True)
    for score in report.scores:
        table.add_row(
            score.kind, str(score.expected), str(score.found), figure(score.precision, PRECISION_TARGET),
            figure(score.recall, score.recall_target), f"{score.recall_target:.2f}", str(score.leaked),
        )
    console.print(table)
    console.print(
        f"spans: labelled; masked: spans masked as this kind; target: of recall (precision >= {PRECISION_TARGET:.2f}); "
        "leaked: labelled spans not wholly masked by any kind.",
        style="dim",
    )
    missed = [score.kind for score in report.scores if not score.met]
    console.print(f"[red]Below the targets: {', '.join(missed)}[/red]" if missed else "[green]All targets met[/green]")
    if not report.met:
        raise typer.Exit(1)


@app.command("bench-embed")
def bench_embed(
    concurrency: Annotated[list[int] | None, typer.Option(help="Threads embedding at once (repeatable; default 1 and 4)")] = None,
    questions: Annotated[int | None, typer.Option(min=1, help="Questions to embed (default: all evaluation questions)")] = None,
) -> None:
    """Time the question embedding alone, in process: the median per question and the questions
    per second, one at a time and with several at once (the ceiling for new questions)."""
    from eval.embed_bench import run_embedding_benchmark

    levels = tuple(concurrency or (1, 4))
    if any(level < 1 or level > 64 for level in levels):
        err.print("[red]--concurrency must be between 1 and 64.[/red]")
        raise typer.Exit(2)
    console.print_json(data=run_embedding_benchmark(get_settings(), concurrency=levels, questions=questions))


@app.command("bench-index")
def bench_index(
    url: Annotated[str | None, typer.Option(help="API base URL (default KB_API_URL)")] = None,
    other_url: Annotated[str | None, typer.Option(
        help="Another API process on the same data folder: also time until it finds the saved article")] = None,
) -> None:
    """Time how soon a saved article is found, over HTTP against the running API (editor token):
    five articles get a new word, are saved and searched for it, then saved back as they were."""
    from eval.index_bench import run_index_benchmark
    from kb.security import Role, role_token, token_file

    settings = get_settings()
    roles: tuple[Role, ...] = ("editor", "staff")
    tokens = {role: role_token(settings, role, create=False) for role in roles}
    missing = [role for role, token in tokens.items() if not token]
    if missing:
        err.print(f"[red]No {missing[0]} token: set KB_{missing[0].upper()}_TOKEN or start the API once "
                  f"(it writes {token_file(settings, missing[0])}).[/red]")
        raise typer.Exit(2)
    result = run_index_benchmark(url or settings.api_url, tokens["editor"], tokens["staff"],  # type: ignore[arg-type]
                                 settings.content_dir, other_url=other_url)
    console.print_json(data=result)


@app.command("bench-serving")
def bench_serving(
    requests: Annotated[int | None, typer.Option(
        min=1, help="Questions per search benchmark (default: every evaluation question; twenty times as many repeated)")] = None,
    output: Annotated[Path | None, typer.Option(help="Also write the figures and every run as JSON here")] = None,
    embed_anew: Annotated[bool, typer.Option(
        "--embed-anew", help="Rebuild without the vectors of chunks embedded before, as after a new model")] = False,
) -> None:
    """Every serving figure in one run, against its target: `kb serve` started on copies of the data
    and content folders, its start-up, memory, latency, throughput and saves measured, then
    `kb index --rebuild` (a few minutes)."""
    import json

    from rich.table import Table

    from eval.serving_bench import run_serving_benchmark

    settings = get_settings()
    try:
        report = run_serving_benchmark(settings, requests=requests, embed_anew=embed_anew,
                                       progress=lambda line: console.print(line, highlight=False))
    except (ValueError, RuntimeError, TimeoutError) as exc:
        err.print(f"[red]{exc}[/red]", highlight=False)
        raise typer.Exit(2) from None
    table = Table("figure", "measured", "target", "met")
    for figure in report.figures:
        met = "" if figure.met is None else "yes" if figure.met else "[red]no[/red]"
        table.add_row(figure.name, "-" if figure.value is None else f"{figure.value:g} {figure.unit}", figure.target, met)
    console.print(table)
    if output:
        output.write_text(json.dumps(report.as_dict(), indent=2, ensure_ascii=False), encoding="utf-8")
        console.print(f"Written to {output}")


@app.command("bench-suggest")
def bench_suggest(
    rounds: Annotated[int, typer.Option(min=1, help="Times to ask for every prefix")] = 3,
) -> None:
    """Time the suggestions while typing (GET /suggest) in process, on prefixes of the eval
    questions; loads the articles only, not the model."""
    import time

    from rich.table import Table

    from eval.suggest_bench import ALL, question_prefixes, run_suggest_benchmark
    from indexer.validate import validate_knowledge_base
    from kb.questions import load_questions
    from search_api.suggest import Suggester

    settings = get_settings()
    with console.status("Loading the articles ..."):
        articles = validate_knowledge_base(settings).articles
        started = time.perf_counter()
        suggester = Suggester(articles)
        built = time.perf_counter() - started
    prefixes = question_prefixes(load_questions(settings.questions_file))
    with console.status(f"Suggesting for {len(prefixes)} prefixes, {rounds} times ..."):
        rows = run_suggest_benchmark(suggester, prefixes, rounds)
    table = Table(title=f"Suggestions while typing: server time per prefix in ms ({rounds} rounds)")
    for column in ("prefix", "n", "p50", "p95", "p99", "max", "answered", "expected"):
        table.add_column(column, justify="left" if column == "prefix" else "right", no_wrap=True)
    for name, row in sorted(rows.items(), key=lambda item: item[0] == ALL):
        expected = "-" if row.expected_suggested is None else f"{row.expected_suggested:.0%}"
        table.add_row(
            name, str(row.prefixes), f"{row.p50_ms:.2f}", f"{row.p95_ms:.2f}", f"{row.p99_ms:.2f}",
            f"{row.max_ms:.2f}", f"{row.answered:.0%}", expected, style="bold" if name == ALL else None,
        )
    console.print(table)
    console.print(
        f"{len(articles)} articles, {len(suggester)} suggestions, index built in {built:.2f} s. answered: prefixes "
        "with a suggestion; expected: in-scope prefixes with a labelled article among the suggestions.",
        style="dim",
    )


@app.command()
def digest(
    since: Annotated[str | None, typer.Option(help="First day, YYYY-MM-DD (default: six days before --until)")] = None,
    until: Annotated[str | None, typer.Option(help="Last day, YYYY-MM-DD (default: today, UTC)")] = None,
    output: Annotated[Path | None, typer.Option(help="Write the Markdown here (default: print it)")] = None,
    html: Annotated[Path | None, typer.Option(help="Also write it as an HTML page here")] = None,
) -> None:
    """The editors' digest of the search log: volumes and outcomes against the period before, the
    gaps (new and growing), the articles with the most "niet nuttig", the articles due for review."""
    from datetime import UTC, date, datetime, timedelta

    from rich.markup import escape

    from indexer.validate import validate_knowledge_base
    from search_api.storage.db import DatabaseError, open_database
    from search_api.storage.digest import Period, build_digest, render_html, render_markdown

    def day(value: str, option: str) -> date:
        try:
            return date.fromisoformat(value)
        except ValueError:
            err.print(f"[red]--{option} {escape(value)}: not a date such as 2026-12-01[/red]")
            raise typer.Exit(2) from None

    last = day(until, "until") if until else datetime.now(UTC).date()
    first = day(since, "since") if since else last - timedelta(days=6)
    if first > last:
        err.print(f"[red]--since {first} is after --until {last}[/red]")
        raise typer.Exit(2)
    settings = get_settings()
    try:
        engine = open_database(settings)
    except DatabaseError as exc:
        err.print(f"[red]{escape(str(exc))}[/red]")
        raise typer.Exit(2) from None
    try:
        result = build_digest(engine, Period(first, last), validate_knowledge_base(settings).articles)
    finally:
        engine.dispose()
    text = render_markdown(result)
    if output:
        output.write_text(text, encoding="utf-8")
        console.print(f"Digest written to {output}")
    else:
        print(text, end="")
    if html:
        html.write_text(render_html(result), encoding="utf-8")
        console.print(f"HTML written to {html}")


def _scratch_settings(folder: Path, database_url: str | None) -> Settings:
    """The settings with `folder` as the data folder (nothing of the service's own is read or
    written) and the search log in `database_url`, or in a SQLite file there."""
    from pydantic import SecretStr

    return get_settings().model_copy(update={
        "data_dir": folder, "database_url": SecretStr(database_url) if database_url else None,
    })


@app.command("bench-log")
def bench_log(
    database_url: Annotated[str | None, typer.Option(
        help="Measure this database, e.g. a scratch PostgreSQL database (the rows written stay there); "
        "default: a temporary SQLite file",
    )] = None,
    rows: Annotated[int, typer.Option(min=1, help="Searches to write at once")] = 100_000,
    calls: Annotated[int, typer.Option(min=100, help="Single calls to time on the request path")] = 10_000,
) -> None:
    """Print what storing a search costs a request (median and p99 of the queue call, in
    microseconds) and how long the search log takes to mask and write ROWS searches."""
    import tempfile

    from rich.markup import escape

    from search_api.storage.bench import run_log_benchmark
    from search_api.storage.db import DatabaseError

    with tempfile.TemporaryDirectory(prefix="kb-bench-log-") as folder:
        settings = _scratch_settings(Path(folder), database_url)
        try:
            with console.status(f"Storing {calls:,} searches one by one, then {rows:,} at once ..."):
                result = run_log_benchmark(settings, calls=calls, rows=rows)
        except DatabaseError as exc:
            err.print(f"[red]{escape(str(exc))}[/red]")
            raise typer.Exit(2) from None
    console.print(f"Search log: {result.database}", highlight=False)
    console.print(
        f"Storing a search on the request path ({result.calls:,} calls): median {result.enqueue_median_us:.1f} µs, "
        f"p99 {result.enqueue_p99_us:.1f} µs",
        highlight=False,
    )
    console.print(
        f"Masking and writing {result.rows:,} searches in the background: {result.write_seconds:.1f} s "
        f"({result.rows_per_second:,.0f} rows/s)",
        highlight=False,
    )


@app.command("bench-insight")
def bench_insight(
    database_url: Annotated[str | None, typer.Option(
        help="Measure this database, e.g. a new, empty PostgreSQL database (the rows written stay there); "
        "default: a temporary SQLite file",
    )] = None,
    rows: Annotated[int, typer.Option(min=100, help="Searches to generate (with their clicks and feedback)")] = 1_000_000,
) -> None:
    """Fill an empty search log with ROWS realistic searches over 90 days, then print the time of
    every query of the console's page Inzicht (last 7 days, and the longest period the page allows),
    the time to group the questions by meaning, and the storage per million searches."""
    import tempfile

    from rich.markup import escape
    from rich.table import Table

    from search_api.storage.db import DatabaseError
    from search_api.storage.insight_bench import NotEmpty, run_insight_benchmark

    with tempfile.TemporaryDirectory(prefix="kb-bench-insight-") as folder:
        settings = _scratch_settings(Path(folder), database_url)
        try:
            with console.status(f"Writing {rows:,} searches, then timing the queries ...") as status:
                result = run_insight_benchmark(
                    settings, rows=rows, progress=lambda done: status.update(f"Writing searches: {done:,} of {rows:,} ..."),
                )
        except (DatabaseError, NotEmpty) as exc:
            err.print(f"[red]{escape(str(exc))}[/red]")
            raise typer.Exit(2) from None
    generated = result.generated
    console.print(f"Search log: {result.database}", highlight=False)
    console.print(
        f"Written: {generated.searches:,} searches over 90 days ({generated.questions:,} different questions), "
        f"{generated.clicks:,} results opened, {generated.feedback:,} feedback, in {generated.seconds:.1f} s",
        highlight=False,
    )
    console.print(
        f"Storage: {result.bytes / 1e6:,.1f} MB, {result.bytes_per_million / 1e6:,.0f} MB per million searches "
        "(with their clicks, feedback and indexes)",
        highlight=False,
    )
    table = Table(title="Queries of the page Inzicht: median of 3 runs, in ms")
    table.add_column("query")
    for label in result.periods:
        table.add_column(label, justify="right")
    for name, timings in result.timings.items():
        table.add_row(name, *(f"{seconds * 1000:,.0f}" for seconds in timings.values()))
    console.print(table)
    slowest = max(seconds for timings in result.timings.values() for seconds in timings.values())
    console.print(f"Slowest query: {slowest * 1000:,.0f} ms (target: at most 1,000 ms)", highlight=False)
    for label, grouping in result.grouping.items():
        console.print(
            f"Grouping by meaning, {label}: {grouping.questions:,} most asked questions in {grouping.groups:,} groups "
            f"({grouping.gaps:,} gaps): embedding and grouping {grouping.cold_seconds:.1f} s, again with the vectors "
            f"cached {grouping.warm_seconds:.2f} s",
            highlight=False,
        )


@app.command("bench-scale")
def bench_scale(
    sizes: Annotated[str, typer.Option(help="Multiples of the articles to measure, comma-separated")] = "1,10,100",
    queries: Annotated[int, typer.Option(min=1, help="Evaluation questions to search (spread over the set)")] = 300,
    articles: Annotated[int | None, typer.Option(min=1, help="Make the variants of the first N indexed articles only")] = None,
    query_budget: Annotated[float, typer.Option(min=0.1, help="Seconds of timed queries per kind and store")] = 60.0,
    write_budget: Annotated[float, typer.Option(
        min=0, help="Seconds of writing as `kb index` does; the rest is written without waiting for the disk "
        "and the whole write time projected")] = 120.0,
    timeout: Annotated[float, typer.Option(min=1, help="Seconds a step (write, open and search) may take")] = 3600.0,
    max_rss_mb: Annotated[float, typer.Option(min=100, help="Resident memory (MB) a step may hold")] = 12_000.0,
    min_free_mb: Annotated[float, typer.Option(
        min=0, help="Memory (MB) a step must leave the machine (MemAvailable); 0: no check")] = 1_500.0,
    markdown: Annotated[Path | None, typer.Option(help="Also write the tables as Markdown here")] = None,
) -> None:
    """Load time, memory and query latency of the embedded store and of the in-memory scorer at
    multiples of the indexed articles (variants that reuse their vectors; no embedding), each
    measured in a child process; a step over the timeout or the memory cap "did not fit"."""
    import shlex
    import sys

    from rich.markup import escape

    from eval import scale as bench
    from kb.questions import load_questions

    try:
        multiples = sorted({int(part) for part in sizes.split(",") if part.strip()})
    except ValueError:
        multiples = []
    if not multiples or multiples[0] < 1:
        err.print(f"[red]--sizes {escape(sizes)}: give whole multiples of 1 or more, such as 1,10,100[/red]")
        raise typer.Exit(2)
    settings = get_settings()
    if settings.embedding_backend == "onnx":
        without_unused_libraries()  # as the API: the figures are those of a service without PyTorch
    from eval.variants import BaseChunks
    from kb.embedding import text_embedder
    from kb.store_files import describe_store

    with console.status("Reading the indexed chunks ..."):
        base = BaseChunks.from_documents(bench.stored_chunks(settings))
    if not len(base):
        err.print(f"[red]No indexed chunks in the {escape(describe_store(settings))}: run `kb index` first.[/red]")
        raise typer.Exit(2)
    if articles:
        base = base.subset(articles)
    with console.status("Embedding the questions ..."):
        embedder = text_embedder(settings)
        texts = bench.spread(sorted({question.q for question in load_questions(settings.questions_file)}), queries)
        vectors = bench.embed_queries(texts, embedder)
    console.print(
        f"{len(base.article_ids)} articles, {len(base):,} chunks from the {describe_store(settings)}; "
        f"{len(vectors)} questions; sizes {', '.join(f'{m}x' for m in multiples)}", highlight=False,
    )
    report = bench.run_scale_benchmark(
        base, vectors, multiples, query_budget=query_budget, write_budget=write_budget, timeout=timeout, max_rss_mb=max_rss_mb,
        min_free_mb=min_free_mb,
        progress=lambda line: console.print(line, highlight=False),
    )
    for table in bench.rich_tables(report):
        console.print(table)
    notes = [f"~: {bench.WRITE_NOTE}"] if any(bench.write_projected(row) for row in report.rows) else []
    for line in [*notes, *bench.per_chunk_lines(report), *bench.problems(report)]:
        console.print(line, highlight=False)
    if markdown:
        command = "kb " + " ".join(shlex.quote(arg) for arg in sys.argv[1:])
        markdown.write_text(bench.render_markdown(report, command), encoding="utf-8")
        console.print(f"Markdown written to {markdown}")


def main() -> None:  # pragma: no cover
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
