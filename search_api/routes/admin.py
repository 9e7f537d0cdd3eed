from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Depends, HTTPException, Path, status

from indexer.indexing import IndexReport
from kb.articles import SLUG_PATTERN, Problem
from kb.security import Role
from search_api import schemas
from search_api.article_files import article_file, retire_article, save_article
from search_api.deps import admin_only, get_engine, require_editor
from search_api.engine import SearchEngine

router = APIRouter(prefix="/admin", tags=["admin"], dependencies=[Depends(require_editor)])

ArticleId = Annotated[str, Path(pattern=SLUG_PATTERN, max_length=120, description="The article's id")]


def _reindex_response(engine: SearchEngine, report: IndexReport) -> schemas.ReindexResponse:
    return schemas.ReindexResponse(
        added=report.added,
        updated=report.updated,
        removed=report.removed,
        unchanged=report.unchanged,
        chunks_written=report.chunks_written,
        chunks_embedded=report.chunks_embedded,
        seconds=round(report.seconds, 2),
        invalid_files=engine.invalid_files,
        problems=engine.problems,
    )


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
        admin_only(role)
    if only:  # known: a file in the content folder, or an article in the index (removed from the folder)
        indexed = engine.index_state.indexed
        unknown = [article_id for article_id in only if not (engine.settings.content_dir / f"{article_id}.md").exists()
                   and article_id not in engine.articles and article_id not in indexed]
        if unknown:
            raise HTTPException(404, detail=f"Onbekende artikelen: {', '.join(unknown)}")
    return _reindex_response(engine, engine.reindex(only))


def _lines(problems: list[Problem]) -> list[str]:
    return [f"regel {problem.line}: {problem.message}" for problem in problems]


def _refused(problems: list[Problem]) -> HTTPException:
    return HTTPException(
        status.HTTP_422_UNPROCESSABLE_CONTENT,
        detail="Niet opgeslagen: los eerst de fouten op. " + "; ".join(_lines(problems)),
    )


@router.post(
    "/articles", response_model=schemas.ArticleSaved, status_code=status.HTTP_201_CREATED,
    responses={
        409: {"description": "Er bestaat al een artikel met deze id"},
        422: {"description": "Het artikel voldoet niet aan de regels van `kb validate`"},
    },
)
def create_article(article: schemas.NewArticle, engine: Annotated[SearchEngine, Depends(get_engine)]):
    """Write a new article file (`<id>.md` in the content folder) if its text passes every check
    of `kb validate`; 422 with each error (`regel N: reason`) otherwise. It is not indexed yet:
    saving it (`PUT`) does that, once its text is written."""
    if article_file(article.id, engine.settings).exists():
        raise HTTPException(status.HTTP_409_CONFLICT, detail=f"Er bestaat al een artikel met id '{article.id}'.")
    result = save_article(article.text, article.id, engine.settings)
    if not result.saved:
        raise _refused(result.errors)
    return schemas.ArticleSaved(id=article.id, file=result.path.name, warnings=_lines(result.warnings), index=None)


@router.put(
    "/articles/{article_id}", response_model=schemas.ArticleSaved,
    responses={
        404: {"description": "Dit artikel bestaat niet"},
        422: {"description": "Het artikel voldoet niet aan de regels van `kb validate`"},
    },
)
def save_article_text(
    article_id: ArticleId, article: schemas.ArticleText, engine: Annotated[SearchEngine, Depends(get_engine)]
):
    """Replace an article's file if the new text passes every check of `kb validate` (422 with each
    error otherwise; the file stays as it was), then re-index the article: searchable within
    seconds."""
    if not article_file(article_id, engine.settings).exists():
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"Artikel '{article_id}' bestaat niet.")
    result = save_article(article.text, article_id, engine.settings)
    if not result.saved:
        raise _refused(result.errors)
    report = engine.reindex([article_id])
    return schemas.ArticleSaved(
        id=article_id, file=result.path.name, warnings=_lines(result.warnings), index=_reindex_response(engine, report)
    )


@router.post(
    "/articles/{article_id}/retire", response_model=schemas.ArticleRetired,
    responses={404: {"description": "Dit artikel bestaat niet"}},
)
def retire(article_id: ArticleId, engine: Annotated[SearchEngine, Depends(get_engine)]):
    """Retire an article: its file moves to `retired/` beside the content folder (kept for
    history) and it leaves the index."""
    if not article_file(article_id, engine.settings).exists():
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"Artikel '{article_id}' bestaat niet.")
    target = retire_article(article_id, engine.settings)
    report = engine.reindex([article_id])
    return schemas.ArticleRetired(
        id=article_id,
        file=target.relative_to(engine.settings.content_dir.parent).as_posix(),
        index=_reindex_response(engine, report),
    )
