from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from search_api import schemas
from search_api.deps import get_engine
from search_api.engine import SearchEngine

router = APIRouter(tags=["departments"])


@router.get("/departments", response_model=list[schemas.DepartmentOut])
def list_departments(engine: Annotated[SearchEngine, Depends(get_engine)]):
    """Routing targets: municipal departments and outside bodies, with contact details."""
    return [schemas.DepartmentOut(**department.model_dump()) for department in engine.departments.values()]
