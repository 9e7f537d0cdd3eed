"""Answer quality for the console: start an evaluation in this process, list the reports.

The evaluation runs inside the API because the embedded store admits one process; it uses the
same engine and the deployed router, so it measures what citizens get. One run at a time, in a
background thread; searches keep working meanwhile.
"""

from __future__ import annotations

import json
import threading
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, status

from search_api import schemas
from search_api.deps import get_engine, require_staff
from search_api.engine import SearchEngine

router = APIRouter(prefix="/quality", tags=["quality"], dependencies=[Depends(require_staff)])
_lock = threading.Lock()
_state: dict[str, object] = {"running": False, "last": None, "error": None}


def _reports_dir(engine: SearchEngine):
    return engine.settings.data_dir / "reports"


def _run(engine: SearchEngine) -> None:
    from eval.questions import load_questions
    from eval.run import evaluate_engine

    try:
        path = evaluate_engine(engine, load_questions(), _reports_dir(engine))
        _state.update(last=path.stem, error=None)
    except Exception as exc:  # reported through /quality/eval
        _state.update(error=f"{type(exc).__name__}: {exc}")
    finally:
        _state["running"] = False


@router.post("/eval", response_model=schemas.EvalStatus, status_code=status.HTTP_202_ACCEPTED)
def start_evaluation(engine: Annotated[SearchEngine, Depends(get_engine)]):
    """Start an evaluation of the labelled questions (about half a minute)."""
    with _lock:
        if not _state["running"]:
            _state.update(running=True, error=None)
            threading.Thread(target=_run, args=(engine,), daemon=True).start()
    return schemas.EvalStatus(**_state)


@router.get("/eval", response_model=schemas.EvalStatus)
def evaluation_status():
    return schemas.EvalStatus(**_state)


@router.get("/reports", response_model=list[schemas.ReportSummary])
def list_reports(engine: Annotated[SearchEngine, Depends(get_engine)]):
    """Every evaluation report, oldest first, with its headline figures."""
    summaries = []
    for path in sorted(_reports_dir(engine).glob("eval-*.json")):
        try:
            report = json.loads(path.read_text(encoding="utf-8"))
        except ValueError:
            continue
        summaries.append(schemas.ReportSummary(name=path.stem, generated=report["generated"], overall=report["overall"]))
    return summaries


@router.get("/reports/{name}")
def get_report(name: str, engine: Annotated[SearchEngine, Depends(get_engine)]) -> dict:
    path = _reports_dir(engine) / f"{name}.json"
    if not name.startswith("eval-") or "/" in name or not path.exists():
        raise HTTPException(404, detail=f"Onbekend rapport: {name}")
    return json.loads(path.read_text(encoding="utf-8"))
