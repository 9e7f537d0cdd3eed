"""Which result of a search was opened, for the editors: `POST /clicks` for web sites whose result
links lead to their own pages (the service's article page records a click from its link itself)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Response, status

from search_api import schemas
from search_api.deps import get_engine, get_search_log, rate_limited
from search_api.engine import SearchEngine
from search_api.storage.search_log import SearchLog

router = APIRouter(tags=["feedback"])


@router.post(
    "/clicks", status_code=status.HTTP_204_NO_CONTENT, response_class=Response,
    dependencies=[Depends(rate_limited("clicks"))],
    responses={404: {"description": "Het artikel bestaat niet"}},
)
def record_click(
    click: schemas.ClickIn,
    engine: Annotated[SearchEngine, Depends(get_engine)],
    search_log: Annotated[SearchLog, Depends(get_search_log)],
) -> Response:
    """Record that a result of a search was opened: the search's `search_id` (from `GET /search`),
    the article and its position (1 for the first result, 0 for the answer's link). Nothing
    about who clicked is kept."""
    if click.article_id not in engine.articles:
        raise HTTPException(404, detail=f"Artikel '{click.article_id}' bestaat niet.")
    search_log.record_click(search_id=click.search_id, article_id=click.article_id, position=click.position)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
