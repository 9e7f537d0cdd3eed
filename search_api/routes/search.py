from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from search_api import schemas
from search_api.deps import get_engine, staff_view, valid_query
from search_api.engine import SearchEngine

router = APIRouter(tags=["search"])


@router.get("/search", response_model=schemas.StaffSearchResponse | schemas.SearchResponse)
def search(
    engine: Annotated[SearchEngine, Depends(get_engine)],
    query: Annotated[str, Depends(valid_query)],
    staff: Annotated[bool, Depends(staff_view)],
    limit: Annotated[int, Query(ge=1, le=20, description="Number of articles")] = 5,
):
    """Best articles with their best section, a short answer and the responsible department."""
    return engine.search(query, limit, staff=staff)
