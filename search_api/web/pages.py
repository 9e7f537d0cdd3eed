"""The citizen search pages: `GET /zoeken` (the form, answers and results; without a question, the
life events as entry points), `GET /zoeken/levensgebeurtenis/{id}` (the articles of one life event),
`GET /zoeken/artikel/{id}` (an article's public sections) and `POST /zoeken/feedback` ("Was dit
antwoord nuttig?").

A search from the page is kept in the search log (channel `page`). Its result links carry the
search's random id and the result's position (`?zoekopdracht=...&positie=2`; 0 for the answer's
link), so that the article page records which result was opened; the feedback form carries the id
too. Nothing about who searched is kept.

Everything works without JavaScript: a plain GET form, server-rendered answers from the same
engine call as `GET /search` (so the page, the API and the console give the same answer), and a
POST form for feedback that redirects back (303) with a thank-you. Errors a citizen can meet are
pages in Dutch, never JSON. Every page carries a strict Content-Security-Policy: no inline script
or style, only the files under `/zoeken/static/`."""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Annotated, Any
from functools import lru_cache
from urllib.parse import parse_qsl, urlencode

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import ValidationError
from starlette.templating import Jinja2Templates

from kb.life_events import LifeEvent, LifeEventsError, event_articles, load_life_events
from kb.security import Role
from kb.text import collapse_spaces, dutch_date
from search_api import errors, schemas
from search_api.answer import snippet
from search_api.edge import InputRefused
from search_api.deps import clean_query, current_role, limit_requests, within_limit
from search_api.engine import GENERAL_DESK, SearchEngine
from search_api.metrics import ServiceMetrics
from search_api.routes.docs import CachedStatic
from search_api.routes.search import BENCHMARK_HEADER, answer
from search_api.storage.search_log import SearchLog, SearchLogUnavailable
from search_api.web.article_html import ARTICLE_URL, section_html
from search_api.web.highlight import highlight, query_terms

log = logging.getLogger(__name__)
HERE = Path(__file__).parent
LIFE_EVENT_URL = "/zoeken/levensgebeurtenis/{}"
STATIC_URL = "/zoeken/static"
PAGE_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; form-action 'self'; "
    "connect-src 'self'; base-uri 'none'; frame-ancestors {}"
)
PAGE_RESULTS = 5  # as many as `GET /search` gives by default
MORE_RESULTS = 20  # after "Meer resultaten", and searched through when narrowing to one department
MAX_COMMENT_CHARS = 1000
SEARCH_ID = re.compile(schemas.SEARCH_ID_PATTERN)
POSITION = re.compile(r"^(?:0|[1-9][0-9]?|100)$")  # 0 (the answer's link) to schemas.MAX_CLICK_POSITION

router = APIRouter(include_in_schema=False)
templates = Jinja2Templates(directory=HERE / "templates")
templates.env.filters["mark"] = highlight
templates.env.filters["datum"] = dutch_date


def _page(request: Request, template: str, context: dict[str, Any], status: int = 200,
          headers: dict[str, str] | None = None) -> HTMLResponse:
    engine: SearchEngine = request.app.state.engine
    general = engine.departments.get(GENERAL_DESK) if engine.ready else None
    response = templates.TemplateResponse(
        request, template, {"general": general, "static": STATIC_URL, "query": "", "max_chars":
                            request.app.state.settings.max_query_chars, **context},
        status_code=status, headers=headers,
    )
    framers = request.app.state.settings.frame_ancestors
    response.headers["Content-Security-Policy"] = PAGE_CSP.format(" ".join(framers) if framers else "'none'")
    return response


def _problem(request: Request, exc: HTTPException, title: str) -> HTMLResponse:
    return _page(request, "melding.html", {"title": title, "message": str(exc.detail)}, exc.status_code,
                 dict(exc.headers or {}))


def _not_found(request: Request) -> HTMLResponse:
    return _page(request, "melding.html", {
        "title": "Pagina niet gevonden",
        "message": "Deze pagina bestaat niet (meer). Zoek hieronder naar wat u nodig heeft.",
        "search_form": True,
    }, 404)


def _engine(request: Request) -> SearchEngine:
    engine: SearchEngine = request.app.state.engine
    if not engine.ready:
        raise HTTPException(503, "De zoekfunctie start nog op. Probeer het over een paar seconden opnieuw.",
                            headers={"Retry-After": "5"})
    return engine


@lru_cache(maxsize=4)
def _read_life_events(path: Path, modified: float) -> tuple[LifeEvent, ...]:
    return tuple(load_life_events(path))


def life_events(request: Request) -> tuple[LifeEvent, ...]:
    """The life events of `kb/life_events.yaml` (read again when the file changes); none when the
    file cannot be read, so that search keeps working (`kb validate` names the problem)."""
    path: Path = request.app.state.settings.life_events_file
    try:
        return _read_life_events(path, path.stat().st_mtime)
    except (OSError, LifeEventsError) as exc:
        log.error("The life events are not shown: %s", exc)
        return ()


def search_url(query: str, department: str | None = None, **extra: str) -> str:
    params = {"q": query, **({"afdeling": department} if department else {}), **extra}
    return "/zoeken?" + urlencode(params)


def article_url(article_id: str, query: str | None = None, search_id: str | None = None,
                position: int | None = None) -> str:
    """An article's page; from a search, with the question and, for the search log, which search and
    which position the link had (0: the answer's link, 1: the first result)."""
    params = {"q": query} if query else {}
    if search_id and position is not None:
        params |= {"zoekopdracht": search_id, "positie": str(position)}
    return ARTICLE_URL.format(article_id) + (f"?{urlencode(params)}" if params else "")


def _search_id(value: str | None) -> str | None:
    """A search id as the links and forms carry it, or None for anything else."""
    return value if value and SEARCH_ID.fullmatch(value) else None


def _answer_context(engine: SearchEngine, response: schemas.SearchResponse, department_id: str | None) -> dict[str, Any]:
    status = response.routing.status if response.results else "no_results"
    if department_id and response.routing.status != "off_topic":
        status = "narrowed"  # a choice of "Bedoelt u ...?": that department's results, or none
    context: dict[str, Any] = {
        "response": response,
        "status": status,
        "answer": response.answer,
        "results": response.results,
        "department": engine.departments[response.department.id] if response.department else None,
        "alternatives": [
            {"name": alternative.name, "url": search_url(response.query, alternative.id)}
            for alternative in response.routing.alternatives
        ],
        "narrowed_to": engine.departments[department_id] if status == "narrowed" and department_id else None,
        "all_url": search_url(response.query),
        "notice": response.notice,
        "terms": query_terms(response.query, *(c.suggestion for c in response.corrections)),
        "article_url": lambda article_id, position: article_url(article_id, response.query, response.search_id, position),
    }
    shown = context["department"]
    context["feedback"] = {"article_id": response.answer.article_id if response.answer else None,
                           "department_id": shown.id if shown else None, "search_id": response.search_id}
    return context


def _search(request: Request, engine: SearchEngine, query: str, limit: int, department_id: str | None, *,
            count: bool, role: Role | None = None, search_id: str | None = None) -> schemas.SearchResponse:
    """What `GET /search` does, so that a page search is counted and logged as an API search is
    (channel `page`; `kb bench --page` sends the benchmark header with the staff token: not counted)."""
    if not count:  # shown again after feedback: the search was counted and logged when it was asked
        return engine.search(query, limit, department_id=department_id).model_copy(update={"search_id": search_id})
    return answer(
        request, engine, request.app.state.search_log, request.app.state.metrics, query, limit=limit, staff=False, role=role,
        department=department_id, benchmark=request.headers.get(BENCHMARK_HEADER), channel="page",
    )


def _department_param(engine: SearchEngine, value: str | None) -> str | None:
    return value if value in engine.departments else None


@router.get("/zoeken", response_class=HTMLResponse)
def search_page(
    request: Request,
    role: Annotated[Role | None, Depends(current_role)],
    q: str | None = None,
    afdeling: str | None = None,
    bedankt: str | None = None,
    meer: str | None = None,
    zoekopdracht: str | None = None,
) -> HTMLResponse:
    """The search page: the start page without a question, else the answer and the results."""
    if q is None or not collapse_spaces(q):
        return _start_page(request)
    try:
        engine = _engine(request)
        query = clean_query(request.app.state.settings, q)
    except HTTPException as exc:
        if exc.status_code == 422:
            return _page(request, "zoeken.html", {"query": q, "query_error": exc.detail}, 422)
        return _problem(request, exc, "Even geduld")
    try:
        limit_requests(request, "search", role)
    except HTTPException as exc:
        return _problem(request, exc, "Even wachten")
    department_id = _department_param(engine, afdeling)
    more = bool(department_id or meer)
    response = _search(request, engine, query, MORE_RESULTS if more else PAGE_RESULTS, department_id,
                       count=not bedankt, role=role, search_id=_search_id(zoekopdracht))
    context = _answer_context(engine, response, department_id)
    if not more and len(response.results) == PAGE_RESULTS:
        context["more_url"] = search_url(query, meer="1")
    return _page(request, "zoeken.html", {**context, "query": query, "afdeling": department_id, "thanks": bool(bedankt)})


def _start_page(request: Request, **context: Any) -> HTMLResponse:
    events = [{"title": event.title, "description": event.description, "url": LIFE_EVENT_URL.format(event.id)}
              for event in life_events(request)]
    return _page(request, "zoeken.html", {"life_events": events, **context})


@router.get("/zoeken/levensgebeurtenis/{event_id}", response_class=HTMLResponse)
def life_event_page(request: Request, event_id: str) -> HTMLResponse:
    """One life event ("Verhuizen"): its articles, the most-asked first, each with a line on what it is."""
    try:
        engine = _engine(request)
    except HTTPException as exc:
        return _problem(request, exc, "Even geduld")
    event = next((event for event in life_events(request) if event.id == event_id), None)
    if event is None:
        return _not_found(request)
    articles = []
    for article in event_articles(event, engine.articles.values()):
        first = article.public_sections[0] if article.public_sections else None
        articles.append({"title": article.meta.title, "url": article_url(article.id),
                         "summary": snippet(first.text) if first else ""})
    return _page(request, "levensgebeurtenis.html", {"event": event, "articles": articles})


@router.get("/zoeken/artikel/{article_id}", response_class=HTMLResponse)
def article_page(
    request: Request,
    article_id: str,
    role: Annotated[Role | None, Depends(current_role)],
    q: str | None = None,
    bedankt: str | None = None,
    zoekopdracht: str | None = None,
    positie: str | None = None,
) -> HTMLResponse:
    """One article's public sections (never the notes for staff), with its department's contact;
    reached from a search, it asks whether the article answered the question, and the search log
    records which result was opened (a limited number per client; a link that was tampered with
    is shown all the same, not recorded)."""
    try:
        engine = _engine(request)
    except HTTPException as exc:
        return _problem(request, exc, "Even geduld")
    search_id = _search_id(zoekopdracht)
    if (search_id and positie and POSITION.fullmatch(positie) and article_id in engine.articles
            and not bedankt and within_limit(request, "clicks", role)):
        request.app.state.search_log.record_click(search_id=search_id, article_id=article_id, position=int(positie))
    return _article(request, engine, article_id, collapse_spaces(q or ""), thanks=bool(bedankt), search_id=search_id)


def _article(request: Request, engine: SearchEngine, article_id: str, query: str, *, thanks: bool = False,
             error: str | None = None, comment: str = "", status: int = 200, search_id: str | None = None) -> HTMLResponse:
    article = engine.articles.get(article_id)
    if article is None:
        return _not_found(request)
    known = frozenset(engine.articles)
    sections = [{"heading": s.heading, "html": section_html(s, known)} for s in article.public_sections]
    department = engine.departments.get(article.meta.department)
    return _page(request, "artikel.html", {
        "article": article, "sections": sections, "department": department,
        "reviewed": article.meta.reviewed,
        "query": query if query and len(query) <= request.app.state.settings.max_query_chars else "",
        "back_url": search_url(query) if query else None,
        "thanks": thanks, "feedback_error": error, "comment": comment,
        "feedback": {"article_id": article.id, "department_id": department.id if department else None,
                     "search_id": search_id},
    }, status)


def _form(body: bytes) -> dict[str, str]:
    return dict(parse_qsl(body.decode("utf-8", errors="replace"), keep_blank_values=True))


@router.post("/zoeken/feedback", response_class=HTMLResponse)
async def feedback_form(request: Request, role: Annotated[Role | None, Depends(current_role)]) -> HTMLResponse:
    """"Was dit antwoord nuttig?" without JavaScript: stored like `POST /feedback` (channel `web`),
    then a redirect (303) to the page it came from, with a thank-you."""
    form = _form(await request.body())
    try:
        engine = _engine(request)
        limit_requests(request, "feedback", role)
    except HTTPException as exc:
        return _problem(request, exc, "Even wachten")
    query = collapse_spaces(form.get("q", ""))
    department_id = _department_param(engine, form.get("afdeling"))
    on_article = form.get("pagina") == "artikel"
    comment = form.get("opmerking", "").strip()
    error = None
    feedback = None
    if form.get("nuttig") not in ("ja", "nee"):
        error = "Kies Ja of Nee."
    elif len(comment) > MAX_COMMENT_CHARS:
        error = f"Uw opmerking is te lang ({len(comment)} tekens). Het maximum is {MAX_COMMENT_CHARS} tekens."
    else:
        try:
            feedback = schemas.FeedbackIn(
                query=query, article_id=form.get("artikel") or None, department_id=form.get("afdeling_getoond") or None,
                helpful=form["nuttig"] == "ja", comment=comment or None,
            )
        except ValidationError:
            feedback = None
        if feedback is None or (feedback.article_id and feedback.article_id not in engine.articles) or (
            feedback.department_id and feedback.department_id not in engine.departments
        ):
            error = "Uw reactie kon niet worden verwerkt. Zoek opnieuw en probeer het nog eens."
    if error is not None or feedback is None:
        return _feedback_error(request, engine, form, query, department_id, on_article, error or "", comment)
    search_log: SearchLog = request.app.state.search_log
    metrics: ServiceMetrics = request.app.state.metrics
    search_id = _search_id(form.get("zoekopdracht"))
    try:
        search_log.add_feedback(query=feedback.query, article_id=feedback.article_id, department_id=feedback.department_id,
                                helpful=feedback.helpful, comment=feedback.comment, channel="web", search_id=search_id)
    except SearchLogUnavailable:
        message = "Uw reactie kon nu niet worden opgeslagen. Probeer het over een paar minuten opnieuw."
        return _problem(request, HTTPException(503, message, headers={"Retry-After": "60"}), "Even geduld")
    metrics.feedback(feedback.helpful, "web")
    kept = {"zoekopdracht": search_id} if search_id else {}
    if on_article and feedback.article_id:
        target = ARTICLE_URL.format(feedback.article_id) + "?" + urlencode({"q": query, "bedankt": "1", **kept})
    else:
        target = search_url(query, department_id, bedankt="1", **kept)
    return RedirectResponse(target + "#feedback", status_code=303)


def _feedback_error(request: Request, engine: SearchEngine, form: dict[str, str], query: str, department_id: str | None,
                    on_article: bool, error: str, comment: str) -> HTMLResponse:
    """The page the form came from again, with the reason and what was typed."""
    search_id = _search_id(form.get("zoekopdracht"))
    if on_article and form.get("artikel") in engine.articles:
        return _article(request, engine, form["artikel"], query, error=error, comment=comment, status=422,
                        search_id=search_id)
    try:
        query = clean_query(request.app.state.settings, query)
    except HTTPException:
        return _page(request, "melding.html", {"title": "Er ging iets mis", "message": error, "search_form": True}, 422)
    response = _search(request, engine, query, MORE_RESULTS if department_id else PAGE_RESULTS, department_id,
                       count=False, search_id=search_id)
    context = _answer_context(engine, response, department_id)
    return _page(request, "zoeken.html", {**context, "query": query, "afdeling": department_id,
                                           "feedback_error": error, "comment": comment}, 422)


async def refuse(scope, send, refusal: InputRefused) -> None:
    """A request to a page that the edge refused (a character no citizen types, a body too large):
    a page with the reason in Dutch; the API's own paths get the JSON error (`errors.refuse`)."""
    if not scope["path"].startswith("/zoeken"):
        await errors.refuse(scope, send, refusal)
        return
    context = {"title": "Dat ging niet goed", "message": refusal.detail, "search_form": True}
    response = _page(Request(scope), "melding.html", context, refusal.status, refusal.headers)
    await response(scope, errors.no_receive, send)


def mount_static(app: FastAPI) -> None:
    app.mount(STATIC_URL, CachedStatic(directory=HERE / "static"), name="zoeken-static")
