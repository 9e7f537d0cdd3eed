"""A repeated question answered before FastAPI routes it.

An ASGI layer inside the input policy, CORS and the security headers (so every request still
passes them), in front of the app. It answers `GET /search` itself only when the request is plain
(the question, optionally `limit` and `view`, the channel, benchmark and cache headers, nothing
else and nothing wrong) and the cache holds the answer; it then counts, logs and rate-limits the
search with the route's own functions (`routes.search.record`, `deps.clean_query`, the rate
limits). Everything else, every error included, goes on to the route, which answers as always.
A cache hit through FastAPI cost about 0.7 ms of the interpreter, mostly routing and solving the
route's dependencies; here it costs a fraction of that, and the answer is sent as the cache keeps
it, as JSON (`search_api.kept_answer`), without building the response object.
"""

from __future__ import annotations

import logging
from urllib.parse import parse_qsl

from fastapi import HTTPException
from fastapi.security.utils import get_authorization_scheme_param
from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from kb.security import role_of
from search_api.deps import clean_query, client_address
from search_api.routes.search import (
    BENCHMARK_HEADER,
    CHANNEL_HEADER,
    CHANNELS,
    DEFAULT_LIMIT,
    MAX_LIMIT,
    record_facts,
    wants_fresh,
)
from search_api.stage_clock import StageClock

log = logging.getLogger(__name__)

PATH = "/search"
_PARAMETERS = frozenset({"q", "limit", "view"})
_AUTHORIZATION, _CACHE_CONTROL = b"authorization", b"cache-control"
_CHANNEL, _BENCHMARK = CHANNEL_HEADER.lower().encode(), BENCHMARK_HEADER.lower().encode()
_READ = (_AUTHORIZATION, _CHANNEL, _BENCHMARK, _CACHE_CONTROL)


class CachedSearches:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.answered = 0  # repeats answered here (the tests read it)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] == PATH and scope["method"] == "GET":
            try:
                answer = self._answer(scope)
            except Exception:  # the route answers, with its own error handling if it fails too
                log.exception("A repeated question could not be answered from the cache")
                answer = None
            if answer is not None:
                self.answered += 1  # before sending: a client that has the answer sees it counted
                await send({"type": "http.response.start", "status": 200, "headers": answer[0]})
                await send({"type": "http.response.body", "body": answer[1]})
                return
        await self.app(scope, receive, send)

    def _answer(self, scope: Scope) -> tuple[list[tuple[bytes, bytes]], bytes] | None:
        """The headers and body of the answer; None leaves the request to the route, untouched."""
        state = scope["app"].state
        engine = getattr(state, "engine", None)
        if engine is None or not engine.ready:
            return None
        parameters = parse_qsl(scope["query_string"].decode("ascii"), keep_blank_values=True)
        names = [name for name, _ in parameters]
        if "q" not in names or len(set(names)) != len(names) or not _PARAMETERS.issuperset(names):
            return None
        values = dict(parameters)
        limit = values.get("limit", str(DEFAULT_LIMIT))
        if not (limit.isascii() and limit.isdigit() and len(limit) <= 2 and 1 <= int(limit) <= MAX_LIMIT):
            return None
        view = values.get("view", "public")
        if view not in ("public", "staff"):
            return None
        try:
            query = clean_query(state.settings, values["q"])
        except HTTPException:
            return None
        headers: dict[bytes, str] = {}
        for name, value in scope["headers"]:  # the first of each, as Starlette reads them
            if name in _READ:
                headers.setdefault(name, value.decode("latin-1"))
        scheme, credentials = get_authorization_scheme_param(headers.get(_AUTHORIZATION, ""))
        role = role_of(credentials, state.tokens) if scheme.lower() == "bearer" and credentials else None
        staff = view == "staff"
        if staff and role is None:
            return None  # the route answers 401
        channel = headers.get(_CHANNEL)
        if channel is not None and channel not in CHANNELS:
            return None  # the route answers 422
        if channel is None or (channel == "console" and role is None):
            channel = "api"
        if wants_fresh(role, headers.get(_CACHE_CONTROL)):
            return None  # a staff client asked for a search
        if not engine.holds(query, int(limit), staff=staff):
            return None
        request = Request(scope)
        if role is None and state.rate_limits.hit("search", client_address(request)) is not None:
            return None  # over the limit: the route counts again (a refused request is not kept) and answers 429
        clock = StageClock()
        found = engine.kept(query, int(limit), staff=staff, clock=clock)
        if found is None:  # gone from the cache meanwhile
            return None
        kept, took_ms = found
        search_id = record_facts(
            request, engine, state.search_log, state.metrics, kept.facts, took_ms, query, staff=staff, role=role,
            benchmark=headers.get(_BENCHMARK), channel=channel,  # type: ignore[arg-type]  # checked above
        )
        clock.lap("log")
        body = kept.json(took_ms, search_id)
        clock.lap("serialise")
        raw_headers = [(b"content-length", str(len(body)).encode()), (b"content-type", b"application/json")]
        if role is not None:  # staff clients (and `kb bench`) see where the time went; citizens do not
            raw_headers.append((b"server-timing", clock.server_timing().encode("latin-1")))
        return raw_headers, body

