from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException

from kb.articles import Article, Section
from search_api import schemas
from search_api.deps import get_engine, staff_view
from search_api.engine import SearchEngine

router = APIRouter(tags=["articles"])


def _section(section: Section) -> schemas.ArticleSection:
    return schemas.ArticleSection(heading=section.heading, markdown=section.markdown, text=section.text)


def _summary_fields(article: Article) -> dict:
    meta = article.meta
    return dict(id=meta.id, title=meta.title, department_id=meta.department, upl=meta.upl)


@router.get("/articles", response_model=list[schemas.ArticleSummary])
def list_articles(engine: Annotated[SearchEngine, Depends(get_engine)]):
    """Public metadata of every article."""
    return [schemas.ArticleSummary(**_summary_fields(a)) for a in sorted(engine.articles.values(), key=lambda a: a.id)]


@router.get(
    "/articles/{article_id}", response_model=schemas.StaffArticleDetail | schemas.ArticleDetail,
    responses={404: {"description": "Dit artikel bestaat niet"}},
)
def get_article(
    article_id: str,
    engine: Annotated[SearchEngine, Depends(get_engine)],
    staff: Annotated[bool, Depends(staff_view)],
):
    """The public sections of one article; `view=staff` (with token) adds the staff notes."""
    article = engine.articles.get(article_id)
    if article is None:
        raise HTTPException(404, detail=f"Artikel '{article_id}' bestaat niet.")
    fields = dict(
        **_summary_fields(article),
        audience=list(article.meta.audience),
        reviewed=article.meta.reviewed.isoformat(),
        sections=[_section(section) for section in article.public_sections],
    )
    if not staff:
        return schemas.ArticleDetail(**fields)
    notes = article.staff_section
    return schemas.StaffArticleDetail(
        **fields,
        owner=article.meta.owner,
        questions=article.meta.questions,
        keywords=article.meta.keywords,
        staff_notes=_section(notes) if notes else None,
    )
