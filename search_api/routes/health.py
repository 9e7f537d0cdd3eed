from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse

from kb.security import Role
from search_api import schemas
from search_api.deps import require_staff
from search_api.engine import SearchEngine

router = APIRouter(tags=["health"])


@router.get("/health", response_model=schemas.Health, responses={503: {"model": schemas.Health}})
def health(request: Request):
    """200 when searches can be answered (`ok`, or `degraded` when the index differs from the
    content); 503 while starting or after a start-up error. Answers from the engine's snapshot of
    the index, so it never waits for a re-index."""
    engine: SearchEngine = request.app.state.engine
    state = engine.index_state
    ready = engine.ready and state.chunks > 0
    if ready:
        status, detail = ("degraded", state.problem) if state.problem else ("ok", None)
    else:
        status, detail = ("error", engine.error) if engine.error else ("starting", None)
    body = schemas.Health(
        status=status,
        ready=ready,
        model=engine.settings.embedding_model,
        store=engine.describe_store(),
        articles_indexed=state.articles,
        chunks_indexed=state.chunks,
        detail=detail,
    )
    return JSONResponse(body.model_dump(), status_code=200 if ready else 503)


@router.get("/whoami", response_model=schemas.WhoAmI)
def whoami(role: Annotated[Role, Depends(require_staff)]):
    """The role of the presented token (the console shows pages by role); 401 without one."""
    return schemas.WhoAmI(role=role)
