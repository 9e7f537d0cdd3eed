from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from search_api import schemas
from search_api.deps import get_engine, rate_limited, valid_query
from search_api.engine import SearchEngine
from search_api.suggest import MAX_SUGGESTIONS

router = APIRouter(tags=["search"])


@router.get("/suggest", response_model=schemas.SuggestResponse, dependencies=[Depends(rate_limited("suggest"))])
def suggest(
    engine: Annotated[SearchEngine, Depends(get_engine)],
    query: Annotated[str, Depends(valid_query)],
    limit: Annotated[int, Query(ge=1, le=MAX_SUGGESTIONS, description="Number of suggestions")] = MAX_SUGGESTIONS,
):
    """Suggestions while typing: article titles, keywords and example questions that complete
    what was typed (prefixes, Dutch compounds and small typos), each with its article."""
    suggestions = engine.suggester.suggest(query, limit)
    return schemas.SuggestResponse(query=query, suggestions=[schemas.Suggestion(**asdict(item)) for item in suggestions])
