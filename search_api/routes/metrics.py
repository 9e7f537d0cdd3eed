from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Response

from kb.security import Role
from search_api.deps import get_metrics, require_staff
from search_api.metrics import CONTENT_TYPE, ServiceMetrics

router = APIRouter(tags=["health"])


@router.get("/metrics", response_class=Response)
def metrics(
    service: Annotated[ServiceMetrics, Depends(get_metrics)],
    role: Annotated[Role, Depends(require_staff)],
):
    """Counters for monitoring in Prometheus's text format (searches per routing outcome, search
    time, feedback, index size, CPU and memory); staff token (Prometheus: `authorization`)."""
    return Response(service.render(), media_type=CONTENT_TYPE)
