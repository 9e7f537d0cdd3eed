from __future__ import annotations

from typing import Annotated, Literal, get_args

from fastapi import APIRouter, Depends, Header, HTTPException, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from kb.security import Role
from search_api import schemas
from search_api.deps import (
    current_role,
    get_engine,
    get_metrics,
    get_search_log,
    rate_limited,
    staff_view,
    valid_query,
    within_limit,
)
from search_api.engine import SearchEngine
from search_api.kept_answer import KeptAnswer, SearchFacts
from search_api.metrics import ServiceMetrics
from search_api.stage_clock import StageClock
from search_api.storage.search_log import FAILED, Channel, SearchLog

router = APIRouter(tags=["search"])
#: `kb bench` sends it with the staff token: its questions are not real searches. Without a staff
#: token it is ignored, so nobody can hide searches from the counters and the editors' list.
BENCHMARK_HEADER = "X-KB-Benchmark"
#: Where a search was asked, for the search log: the widget sends `widget`, the staff console `console`.
CHANNEL_HEADER = "X-KB-Channel"
HeaderChannel = Literal["widget", "console"]
CHANNELS: tuple[str, ...] = get_args(HeaderChannel)
DEFAULT_LIMIT = 5
MAX_LIMIT = 20


def wants_fresh(role: Role | None, cache_control: str | None) -> bool:
    """A staff client (`kb bench`) may ask for a search without the cache of repeated questions."""
    return role is not None and "no-cache" in (cache_control or "").lower()


@router.get(
    "/search", response_model=schemas.StaffSearchResponse | schemas.SearchResponse,
    dependencies=[Depends(rate_limited("search"))],
    responses={404: {"description": "De afdeling bestaat niet"}},
)
async def search(
    request: Request,
    engine: Annotated[SearchEngine, Depends(get_engine)],
    search_log: Annotated[SearchLog, Depends(get_search_log)],
    metrics: Annotated[ServiceMetrics, Depends(get_metrics)],
    query: Annotated[str, Depends(valid_query)],
    staff: Annotated[bool, Depends(staff_view)],
    role: Annotated[Role | None, Depends(current_role)],
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Number of articles")] = DEFAULT_LIMIT,
    department: Annotated[str | None, Query(
        pattern=r"^[a-z0-9_]+$", max_length=60,
        description="Narrow to one department (a choice of `routing.alternatives` when unsure): its articles "
        "among the best 20, the answer from its best one",
    )] = None,
    benchmark: Annotated[str | None, Header(alias=BENCHMARK_HEADER, include_in_schema=False)] = None,
    cache_control: Annotated[str | None, Header(alias="Cache-Control", include_in_schema=False)] = None,
    channel: Annotated[HeaderChannel, Header(  # absent: None (no `null` in the document)
        alias=CHANNEL_HEADER,
        description="Where the question was asked, for the search log: `widget` (the search widget on the "
        "municipality's site) or `console` (the staff console; counted as such with a staff token only)",
    )] = None,  # type: ignore[assignment]  # None when absent, without a `null` in the document
):
    """Best articles with their best section, a short answer and the responsible department.

    The search is kept in the search log (personal data masked) with a random `search_id`; a
    search that found nothing is kept a limited number of times per client."""
    if department is not None and department not in engine.departments:
        raise HTTPException(404, detail=f"Afdeling '{department}' bestaat niet.")
    if channel == "console" and role is None:
        channel = None  # type: ignore[assignment]
    clock = StageClock()
    fresh = wants_fresh(role, cache_control)
    # A repeated question is answered here, on the event loop; a search waits for the model and
    # the store, so it runs on a worker thread. Either way the answer is sent as the cache keeps
    # it (`search_api.kept_answer`), as the layer before FastAPI sends repeats.
    found = None if fresh else engine.kept(query, limit, staff=staff, department_id=department, clock=clock)
    if found is None:
        response, kept = await run_in_threadpool(
            _search_on_thread, engine, query, limit=limit, staff=staff, department=department, clock=clock,
        )
        found = kept, response.took_ms
    kept, took_ms = found
    search_id = record_facts(request, engine, search_log, metrics, kept.facts, took_ms, query, staff=staff, role=role,
                             benchmark=benchmark, channel=channel or "api")
    clock.lap("log")
    body = kept.json(took_ms, search_id)
    clock.lap("serialise")
    # Staff clients (and `kb bench`) see where the time went; citizens do not
    headers = {"Server-Timing": clock.server_timing()} if role is not None else None
    return Response(body, media_type="application/json", headers=headers)


def _search_on_thread(engine: SearchEngine, query: str, *, limit: int, staff: bool, department: str | None,
                      clock: StageClock) -> tuple[schemas.SearchResponse, KeptAnswer]:
    clock.lap("thread")
    return engine.searched(query, limit, staff=staff, department_id=department, clock=clock)


def answer(
    request: Request, engine: SearchEngine, search_log: SearchLog, metrics: ServiceMetrics, query: str, *, limit: int,
    staff: bool, role: Role | None, department: str | None, benchmark: str | None, channel: Channel,
) -> schemas.SearchResponse:
    """The engine's answer, counted and logged, for the citizen page (channel `page`)."""
    response = engine.search(query, limit, staff=staff, department_id=department)
    return record(request, engine, search_log, metrics, response, query, staff=staff, role=role, benchmark=benchmark,
                  channel=channel)


def record(
    request: Request, engine: SearchEngine, search_log: SearchLog, metrics: ServiceMetrics,
    response: schemas.SearchResponse, query: str, *, staff: bool, role: Role | None, benchmark: str | None,
    channel: Channel,
) -> schemas.SearchResponse:
    """Count and log an answer (personal data is masked by the search log's writer); the answer
    with its `search_id`. `kb bench`'s questions (the benchmark header with a staff token) are
    neither counted nor logged. Nothing here waits: the log is written by its own thread."""
    search_id = record_facts(request, engine, search_log, metrics, SearchFacts.of(response), response.took_ms, query,
                             staff=staff, role=role, benchmark=benchmark, channel=channel)
    return response if search_id is None else response.model_copy(update={"search_id": search_id})


def record_facts(
    request: Request, engine: SearchEngine, search_log: SearchLog, metrics: ServiceMetrics, facts: SearchFacts,
    took_ms: float, query: str, *, staff: bool, role: Role | None, benchmark: str | None, channel: Channel,
) -> str | None:
    """`record` from what the cache keeps of an answer (`search_api.kept_answer`): its `search_id`,
    None when the search is not logged."""
    if benchmark and role is not None:
        return None
    metrics.searched(facts.outcome, "staff" if staff else "public", took_ms / 1000)
    if facts.outcome in FAILED and not (engine.settings.record_unanswered and within_limit(request, "unanswered", role)):
        return None
    return search_log.record_search(
        query=query,
        language=facts.language,
        channel=channel,
        outcome=facts.outcome,
        department_id=facts.department_id,
        confidence=facts.confidence,
        in_scope=facts.in_scope,
        top_article=facts.top_article,
        latency_ms=took_ms,
    )
