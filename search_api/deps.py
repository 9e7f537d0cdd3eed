"""FastAPI dependencies: the engine, the staff check and query validation.

They only read the app's state and never wait for anything, so they are coroutines: FastAPI runs
them on the event loop instead of handing each to a worker thread (a thread hop per dependency
per request). Plain functions with the same checks (`role_of_request`, `staff_only`,
`editor_or_more`, `admin_only`, `clean_query`) serve code that is not a dependency."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Query, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from kb.security import Role, allows, role_of
from kb.settings import Settings
from kb.text import collapse_spaces
from search_api.engine import SearchEngine
from search_api.metrics import ServiceMetrics
from search_api.rate_limit import Bucket
from search_api.storage.search_log import SearchLog

bearer = HTTPBearer(auto_error=False, description="Staff token (KB_STAFF_TOKEN)")


async def get_settings(request: Request) -> Settings:
    return request.app.state.settings


async def get_engine(request: Request) -> SearchEngine:
    engine: SearchEngine = request.app.state.engine
    if not engine.ready:
        detail = engine.error or "De zoekdienst start nog op. Probeer het over een paar seconden opnieuw."
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, detail=detail, headers={"Retry-After": "5"})
    return engine


async def get_search_log(request: Request) -> SearchLog:
    return request.app.state.search_log


async def get_metrics(request: Request) -> ServiceMetrics:
    return request.app.state.metrics


def role_of_request(request: Request, credentials: HTTPAuthorizationCredentials | None) -> Role | None:
    return role_of(credentials.credentials if credentials else None, request.app.state.tokens)


async def current_role(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
) -> Role | None:
    return role_of_request(request, credentials)


def staff_only(role: Role | None) -> Role:
    """Any staff role (call-centre or editor); 401 otherwise."""
    if role is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            detail="Alleen voor medewerkers: stuur een geldig token mee (Authorization: Bearer ...).",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return role


def admin_only(role: Role) -> Role:
    """Administrators only (re-indexing the whole knowledge base); 403 otherwise."""
    if not allows(role, "admin"):
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            detail="Alleen voor beheerders: redacteuren herindexeren de artikelen die zij wijzigen (noem ze in article_ids).",
        )
    return role


async def require_staff(role: Annotated[Role | None, Depends(current_role)]) -> Role:
    """Any staff role (call-centre or editor); 401 otherwise."""
    return staff_only(role)


async def require_editor(role: Annotated[Role, Depends(require_staff)]) -> Role:
    """Editors only (editing and re-indexing); 403 for call-centre staff."""
    if not allows(role, "editor"):
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail="Alleen voor redacteuren: dit token mag niet bewerken of herindexeren.")
    return role


async def staff_view(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    view: Annotated[str, Query(pattern="^(public|staff)$", description="`staff` adds the notes for staff")] = "public",
) -> bool:
    """True for `view=staff` with a valid token; 401 for `view=staff` without one."""
    if view != "staff":
        return False
    staff_only(role_of_request(request, credentials))
    return True


def client_address(request: Request) -> str:
    """Who is asking, for the rate limits only (held in memory, never stored)."""
    return request.client.host if request.client else "unknown"


def within_limit(request: Request, bucket: Bucket, role: Role | None) -> bool:
    """Count one request in `bucket` for its client; False when over the limit (staff: always True).
    For what is kept quietly, or not, while the request itself is answered."""
    return role is not None or request.app.state.rate_limits.hit(bucket, client_address(request)) is None


def limit_requests(request: Request, bucket: Bucket, role: Role | None) -> None:
    """Count the request in `bucket` for its client; 429 with `Retry-After` when over the limit.
    Requests with a staff token are not counted."""
    if role is not None:
        return
    wait = request.app.state.rate_limits.hit(bucket, client_address(request))
    if wait is not None:
        raise HTTPException(
            status.HTTP_429_TOO_MANY_REQUESTS,
            detail=f"U heeft veel vragen achter elkaar gesteld. Probeer het over {wait} seconden opnieuw.",
            headers={"Retry-After": str(wait)},
        )


def rate_limited(bucket: Bucket):
    """A dependency that applies `limit_requests` for `bucket`."""

    async def check(request: Request, role: Annotated[Role | None, Depends(current_role)]) -> None:
        limit_requests(request, bucket, role)

    return check


def clean_query(settings: Settings, q: str) -> str:
    """The question, stripped; 422 with a plain reason when it is blank or too long (control
    characters are refused at the edge, `search_api.edge`)."""
    text = collapse_spaces(q)
    if not text:
        raise HTTPException(422, detail="De vraag is leeg. Typ een vraag of een paar zoekwoorden.")
    if len(text) > settings.max_query_chars:
        raise HTTPException(
            422, detail=f"De vraag is te lang ({len(text)} tekens). Het maximum is {settings.max_query_chars} tekens."
        )
    return text


async def valid_query(
    settings: Annotated[Settings, Depends(get_settings)],
    q: Annotated[str, Query(min_length=1, description="The citizen's question, in any language")],
) -> str:
    """The question, stripped; 422 with a plain reason when it is blank or too long."""
    return clean_query(settings, q)
