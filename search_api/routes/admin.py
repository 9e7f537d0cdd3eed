from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Depends, HTTPException

from search_api import schemas
from kb.security import Role
from search_api.deps import get_engine, require_admin, require_editor
from search_api.engine import SearchEngine

router = APIRouter(prefix="/admin", tags=["admin"], dependencies=[Depends(require_editor)])


@router.post(
    "/reindex", response_model=schemas.ReindexResponse,
    responses={404: {"description": "Een genoemd artikel staat niet in de artikelen en niet in de index"}},
)
def reindex(
    engine: Annotated[SearchEngine, Depends(get_engine)],
    role: Annotated[Role, Depends(require_editor)],
    request: Annotated[schemas.ReindexRequest | None, Body()] = None,
):
    """Re-read `kb/content/` and re-embed what changed: the articles named (editors), or the whole
    knowledge base (administrators). Searches keep answering meanwhile, from complete articles
    only. Files with validation errors keep their indexed version; `problems` says why
    (`file:line: reason`, also logged as warnings). Ids that are not article ids get a 422, ids of
    no article in the content or the index a 404."""
    only = request.article_ids if request else None
    if not only:
        require_admin(role)
    if only:  # known: a file in the content folder, or an article in the index (removed from the folder)
        indexed = engine.index_state.indexed
        unknown = [article_id for article_id in only if not (engine.settings.content_dir / f"{article_id}.md").exists()
                   and article_id not in engine.articles and article_id not in indexed]
        if unknown:
            raise HTTPException(404, detail=f"Onbekende artikelen: {', '.join(unknown)}")
    report = engine.reindex(only)
    return schemas.ReindexResponse(
        added=report.added,
        updated=report.updated,
        removed=report.removed,
        unchanged=report.unchanged,
        chunks_written=report.chunks_written,
        seconds=round(report.seconds, 2),
        invalid_files=engine.invalid_files,
        problems=engine.problems,
    )
