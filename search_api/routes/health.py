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
    """200 when the index is ready to answer; 503 while starting or after a start-up error."""
    engine: SearchEngine = request.app.state.engine
    articles, chunks = engine.counts() if engine.ready else (0, 0)
    ready = engine.ready and chunks > 0
    status = "ok" if ready else ("error" if engine.error else "starting")
    body = schemas.Health(
        status=status,
        ready=ready,
        model=engine.settings.embedding_model,
        store=engine.describe_store(),
        articles_indexed=articles,
        chunks_indexed=chunks,
        detail=engine.error,
    )
    return JSONResponse(body.model_dump(), status_code=200 if ready else 503)


@router.get("/whoami", response_model=schemas.WhoAmI)
def whoami(role: Annotated[Role, Depends(require_staff)]):
    """The role of the presented token (the console shows pages by role); 401 without one."""
    return schemas.WhoAmI(role=role)
