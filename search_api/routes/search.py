from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Header, HTTPException, Query, Request

from kb.security import Role
from search_api import schemas
from search_api.deps import (
    client_address, current_role, get_engine, get_feedback_store, get_metrics, rate_limited, staff_view, valid_query,
)
from search_api.engine import SearchEngine
from search_api.feedback_store import FeedbackStore
from search_api.metrics import ServiceMetrics

router = APIRouter(tags=["search"])
#: `kb bench` sends it with the staff token: its questions are not real searches. Without a staff
#: token it is ignored, so nobody can hide searches from the counters and the editors' list.
BENCHMARK_HEADER = "X-KB-Benchmark"


@router.get(
    "/search", response_model=schemas.StaffSearchResponse | schemas.SearchResponse,
    dependencies=[Depends(rate_limited("search"))],
    responses={404: {"description": "De afdeling bestaat niet"}},
)
def search(
    request: Request,
    engine: Annotated[SearchEngine, Depends(get_engine)],
    store: Annotated[FeedbackStore, Depends(get_feedback_store)],
    metrics: Annotated[ServiceMetrics, Depends(get_metrics)],
    query: Annotated[str, Depends(valid_query)],
    staff: Annotated[bool, Depends(staff_view)],
    role: Annotated[Role | None, Depends(current_role)],
    limit: Annotated[int, Query(ge=1, le=20, description="Number of articles")] = 5,
    department: Annotated[str | None, Query(
        pattern=r"^[a-z0-9_]+$", max_length=60,
        description="Narrow to one department (a choice of `routing.alternatives` when unsure): its articles "
        "among the best 20, the answer from its best one",
    )] = None,
    benchmark: Annotated[str | None, Header(alias=BENCHMARK_HEADER, include_in_schema=False)] = None,
):
    """Best articles with their best section, a short answer and the responsible department.

    A search that finds nothing is kept (personal data masked) for the editors' list, a limited
    number per client."""
    if department is not None and department not in engine.departments:
        raise HTTPException(404, detail=f"Afdeling '{department}' bestaat niet.")
    response = engine.search(query, limit, staff=staff, department_id=department)
    if benchmark and role is not None:
        return response
    outcome = response.routing.status if response.results else "no_results"
    metrics.searched(outcome, "staff" if staff else "public", response.took_ms / 1000)
    if (
        engine.settings.record_unanswered
        and outcome in ("off_topic", "no_results")
        and (role is not None or request.app.state.rate_limits.hit("unanswered", client_address(request)) is None)
    ):
        store.add_unanswered(
            query=query,
            status=outcome,
            language=response.language,
            top_article=response.results[0].article_id if response.results else None,
        )
    return response
