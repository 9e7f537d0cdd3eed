"""Answer quality for the console: start an evaluation in this process, list the reports.

The evaluation runs inside the API because the embedded store admits one process; it uses the
same engine and the deployed router, so it measures what citizens get. One run at a time, in a
background thread; searches keep working meanwhile.
"""

from __future__ import annotations

import json
import threading
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, status

from kb.text import collapse_spaces
from search_api import schemas
from search_api.deps import get_engine, get_feedback_store, require_editor, require_staff
from search_api.engine import SearchEngine
from search_api.feedback_store import FeedbackStore

router = APIRouter(prefix="/quality", tags=["quality"], dependencies=[Depends(require_staff)])
_lock = threading.Lock()
_state: dict[str, object] = {"running": False, "last": None, "error": None}


def _reports_dir(engine: SearchEngine):
    return engine.settings.data_dir / "reports"


def _run(engine: SearchEngine) -> None:
    from eval.questions import load_questions
    from eval.run import evaluate_engine

    try:
        path = evaluate_engine(engine, load_questions(engine.settings.questions_file), _reports_dir(engine))
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


@router.get("/reports/{name}", responses={404: {"description": "Dit rapport bestaat niet"}})
def get_report(name: str, engine: Annotated[SearchEngine, Depends(get_engine)]) -> dict:
    path = _reports_dir(engine) / f"{name}.json"
    if not name.startswith("eval-") or "/" in name or not path.exists():
        raise HTTPException(404, detail=f"Onbekend rapport: {name}")
    return json.loads(path.read_text(encoding="utf-8"))


@router.get("/feedback", response_model=schemas.FeedbackOverview)
def feedback_overview(
    store: Annotated[FeedbackStore, Depends(get_feedback_store)],
    limit: Annotated[int, Query(ge=1, le=10_000, description="Newest records to list")] = 200,
):
    """Counts per article (most complaints first) and the newest feedback."""
    return schemas.FeedbackOverview(per_article=store.feedback_per_article(), recent=store.feedback()[:limit])


@router.get("/unanswered", response_model=list[schemas.UnansweredSearch])
def unanswered_searches(
    store: Annotated[FeedbackStore, Depends(get_feedback_store)],
    limit: Annotated[int, Query(ge=1, le=10_000, description="Questions to list")] = 200,
):
    """Searches that found nothing, each question once, most asked first."""
    return store.unanswered()[:limit]


@router.post(
    "/questions", response_model=schemas.EvalQuestionOut, status_code=status.HTTP_201_CREATED,
    dependencies=[Depends(require_editor)], responses={404: {"description": "Een verwacht artikel bestaat niet"}, 409: {"description": "De vraag staat al in de set"}},
)
def add_eval_question(question: schemas.NewEvalQuestion, engine: Annotated[SearchEngine, Depends(get_engine)]):
    """Add a (failed) search to the labelled evaluation set; editors only. The department label
    follows the first expected article; no articles means off-topic. 409 for a duplicate."""
    from eval.questions import CONSOLE_SOURCE, DuplicateQuestion, LabelledQuestion, QuestionSetError, append_question

    articles = {article_id: article.meta.department for article_id, article in engine.articles.items()}
    unknown = [article_id for article_id in question.expected if article_id not in articles]
    if unknown:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"Onbekend artikel: {', '.join(unknown)}.")
    labelled = LabelledQuestion(
        q=collapse_spaces(question.q), expected=question.expected, department=None, kind=question.kind,
        source=CONSOLE_SOURCE,
    )
    try:
        added = append_question(labelled, articles=articles, path=engine.settings.questions_file)
    except QuestionSetError as exc:
        code = status.HTTP_409_CONFLICT if isinstance(exc, DuplicateQuestion) else status.HTTP_422_UNPROCESSABLE_CONTENT
        raise HTTPException(code, detail=str(exc)) from exc
    return schemas.EvalQuestionOut(**added.model_dump(), split=added.split)
