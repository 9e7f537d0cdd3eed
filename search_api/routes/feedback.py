"""Feedback from every channel: "nuttig / niet nuttig" on an answer, for the editors."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, status

from kb.security import Role
from kb.text import collapse_spaces
from search_api import schemas
from search_api.deps import current_role, get_engine, get_metrics, get_search_log, rate_limited
from search_api.engine import SearchEngine
from search_api.metrics import ServiceMetrics
from search_api.storage.search_log import SearchLog

router = APIRouter(tags=["feedback"])


@router.post(
    "/feedback", response_model=schemas.FeedbackRecord, status_code=status.HTTP_201_CREATED,
    dependencies=[Depends(rate_limited("feedback"))],
    responses={404: {"description": "Het artikel of de afdeling bestaat niet"}},
)
def give_feedback(
    feedback: schemas.FeedbackIn,
    engine: Annotated[SearchEngine, Depends(get_engine)],
    search_log: Annotated[SearchLog, Depends(get_search_log)],
    role: Annotated[Role | None, Depends(current_role)],
    metrics: Annotated[ServiceMetrics, Depends(get_metrics)],
):
    """Record whether an answer helped. Open to the website (channel `web`); with a staff token
    the channel is `staff`. Personal data in the question and remark is masked before storing;
    `search_id` ties it to the search in the search log."""
    if feedback.article_id is not None and feedback.article_id not in engine.articles:
        raise HTTPException(404, detail=f"Artikel '{feedback.article_id}' bestaat niet.")
    if feedback.department_id is not None and feedback.department_id not in engine.departments:
        raise HTTPException(404, detail=f"Afdeling '{feedback.department_id}' bestaat niet.")
    record = search_log.add_feedback(
        query=collapse_spaces(feedback.query),
        article_id=feedback.article_id,
        department_id=feedback.department_id,
        helpful=feedback.helpful,
        comment=(feedback.comment or "").strip() or None,
        channel="staff" if role else "web",
        search_id=feedback.search_id,
    )
    metrics.feedback(feedback.helpful, record["channel"])
    return record
