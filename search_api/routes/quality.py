"""Answer quality for the console: start an evaluation, see its state, list the reports; the
feedback, the searches that found nothing and the search log of a period (CSV), from the search log;
what citizens asked in a period, grouped by meaning, with the gaps (`search_api.insight`).

An evaluation runs as a process of its own (`search_api.evaluations`), on the index and the
deployed router as citizens get them; searches keep being served meanwhile. One at a time.
"""

from __future__ import annotations

import itertools
import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, Request, status
from fastapi.responses import StreamingResponse

from kb.eval_job import EvalJob
from kb.questions import CONSOLE_SOURCE, DuplicateQuestion, LabelledQuestion, QuestionSetError, append_question
from kb.settings import Settings
from kb.text import collapse_spaces
from search_api import evaluations, schemas
from search_api.deps import get_engine, get_search_log, get_settings, require_editor, require_staff
from search_api.engine import SearchEngine
from search_api.insight import MAX_DAYS, Names, insight
from search_api.question_groups import QuestionVectors, batch_embedder
from search_api.storage.csv_export import csv_chunks
from search_api.storage.digest import Period
from search_api.storage.search_log import SearchLog

router = APIRouter(prefix="/quality", tags=["quality"], dependencies=[Depends(require_staff)])
DAY_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2099, 12, 31)  # the days the insight can be asked for


def _reports_dir(engine: SearchEngine) -> Path:
    return engine.settings.data_dir / "reports"


def _status(job: EvalJob | None) -> schemas.EvalStatus:
    if job is None:
        return schemas.EvalStatus(running=False)
    failed = job.state == "failed"
    return schemas.EvalStatus(running=job.state == "running", last=job.report, error=job.error if failed else None)


@router.post(
    "/eval", response_model=schemas.EvalStatus, status_code=status.HTTP_202_ACCEPTED,
    responses={409: {"description": "Er loopt al een evaluatie"}},
)
def start_evaluation(engine: Annotated[SearchEngine, Depends(get_engine)]):
    """Start an evaluation of the labelled questions (one to two minutes), as a process of its own;
    409 while one runs. Its report is written into `data/reports/`."""
    try:
        job = evaluations.start(engine)
    except evaluations.EvaluationRunning:
        raise HTTPException(
            status.HTTP_409_CONFLICT, detail="Er loopt al een evaluatie. Wacht tot die klaar is en start dan een nieuwe."
        ) from None
    return _status(job)


@router.get("/eval", response_model=schemas.EvalStatus)
def evaluation_status(settings: Annotated[Settings, Depends(get_settings)]):
    """Whether an evaluation runs, the report of the last one, and why the last one failed."""
    return _status(evaluations.current(settings))


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
    search_log: Annotated[SearchLog, Depends(get_search_log)],
    limit: Annotated[int, Query(ge=1, le=10_000, description="Newest records to list")] = 200,
):
    """Counts per article (most complaints first) and the newest feedback."""
    return schemas.FeedbackOverview(per_article=search_log.feedback_per_article(), recent=search_log.feedback(limit))


@router.get("/unanswered", response_model=list[schemas.UnansweredSearch])
def unanswered_searches(
    search_log: Annotated[SearchLog, Depends(get_search_log)],
    limit: Annotated[int, Query(ge=1, le=10_000, description="Questions to list")] = 200,
):
    """Searches that found nothing, each question once, most asked first."""
    return search_log.unanswered(limit)

#: The last day of a period, as both period routes take it
Until = Annotated[str | None, Query(
    pattern=DAY_PATTERN, description="Last day, included (YYYY-MM-DD, UTC); default: today",
    json_schema_extra={"format": "date"},
)]


@router.get(
    "/searches.csv", response_class=StreamingResponse,
    responses={200: {"description": "One row per search, header row first", "content": {"text/csv": {"schema": {"type": "string"}}}}},
)
def export_searches(
    search_log: Annotated[SearchLog, Depends(get_search_log)],
    since: Annotated[str | None, Query(
        pattern=DAY_PATTERN, description="First day (YYYY-MM-DD, UTC); default: the oldest kept",
        json_schema_extra={"format": "date"},
    )] = None,
    until: Until = None,
):
    """The search log of a period as CSV: every search (personal data masked) with its outcome,
    department, first article, time taken, the positions of the results opened and the feedback.
    No search id, nothing about who searched. A start after the end: the header row only."""
    today = datetime.now(UTC).date()
    first = _day(since, "since") if since else today - search_log.retention
    last = _day(until, "until") if until else today
    chunks = csv_chunks(search_log.searches(first, last))
    header = next(chunks)  # the query runs here: a database that does not answer is a 503, not a broken download
    return StreamingResponse(
        itertools.chain([header], chunks), media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="zoeklog-{first}-tot-en-met-{last}.csv"'},
    )


@router.get(
    "/insight", response_model=schemas.Insight,
    responses={422: {"description": f"Geen bestaande datum, de begindatum na de einddatum, of langer dan {MAX_DAYS} dagen"}},
)
def insight_of_a_period(
    request: Request,
    engine: Annotated[SearchEngine, Depends(get_engine)],
    search_log: Annotated[SearchLog, Depends(get_search_log)],
    since: Annotated[str | None, Query(
        pattern=DAY_PATTERN, description="First day (YYYY-MM-DD, UTC); default: six days before `until`",
        json_schema_extra={"format": "date"},
    )] = None,
    until: Until = None,
):
    """What citizens asked in a period (at most `insight.MAX_DAYS` days), against the period of the same length
    before it: searches per day with their outcomes, the outcome shares and their change, the
    department mix, the questions grouped by meaning, the gaps (groups where most searches went
    wrong), click-through and feedback per article."""
    last = _day(until, "until") if until else datetime.now(UTC).date()
    first = _day(since, "since") if since else None
    if not all(FIRST_DAY <= day <= LAST_DAY for day in (first, last) if day is not None):
        raise HTTPException(422, detail=f"Ongeldig verzoek: kies dagen tussen {FIRST_DAY} en {LAST_DAY}.")
    first = first or last - timedelta(days=6)
    if first > last:
        raise HTTPException(422, detail=f"Ongeldig verzoek: de begindatum {first} ligt na de einddatum {last}.")
    period = Period(first, last)
    if period.days > MAX_DAYS:
        raise HTTPException(
            422, detail=f"Ongeldig verzoek: de periode is {period.days} dagen. Kies een periode van hoogstens {MAX_DAYS} dagen.",
        )
    search_log.flush()  # what this process has queued counts too
    names = Names(
        departments={department_id: department.name for department_id, department in engine.departments.items()},
        articles={article_id: article.meta.title for article_id, article in engine.articles.items()},
    )
    return insight(search_log.engine, period, _question_vectors(request, engine), names)


def _question_vectors(request: Request, engine: SearchEngine) -> QuestionVectors:
    """The vectors of grouped questions, kept between requests (per model)."""
    vectors = getattr(request.app.state, "question_vectors", None)
    if vectors is None or vectors.model != engine.model_name:
        vectors = QuestionVectors(batch_embedder(engine.query_embedder), model=engine.model_name)
        request.app.state.question_vectors = vectors
    return vectors


def _day(value: str, name: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise HTTPException(422, detail=f"Ongeldig verzoek: {name} is geen bestaande datum zoals 2026-12-01.") from None


@router.post(
    "/questions", response_model=schemas.EvalQuestionOut, status_code=status.HTTP_201_CREATED,
    dependencies=[Depends(require_editor)], responses={404: {"description": "Een verwacht artikel bestaat niet"}, 409: {"description": "De vraag staat al in de set"}},
)
def add_eval_question(question: schemas.NewEvalQuestion, engine: Annotated[SearchEngine, Depends(get_engine)]):
    """Add a (failed) search to the labelled evaluation set; editors only. The department label
    follows the first expected article; no articles means off-topic. 409 for a duplicate."""
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
