"""The FastAPI application: routes are thin, the engine does the work."""

from __future__ import annotations

import logging
import threading
from contextlib import asynccontextmanager

from fastapi import FastAPI

from kb.environment import MemoryReleaser
from kb.private_files import private_dir
from kb.security import role_tokens
from kb.settings import Settings, get_settings
from kb.store_files import StoreLockedError
from search_api import errors
from search_api.cached_searches import CachedSearches
from search_api.edge import InputPolicy
from search_api.engine import SearchEngine
from search_api.headers import PublicCors, SecurityHeaders
from search_api.metrics import ServiceMetrics
from search_api.openapi import truthful_openapi
from search_api.rate_limit import RateLimits
from search_api.routes import (
    admin,
    articles,
    clicks,
    departments,
    docs,
    feedback,
    health,
    metrics,
    quality,
    search,
    suggest,
)
from search_api.storage.search_log import SearchLog
from search_api.web import pages, widget

log = logging.getLogger(__name__)


def _start_engine(engine: SearchEngine) -> None:
    try:
        engine.start(catch_up_with_content=True)
    except StoreLockedError as exc:  # a known cause: one line says what to do
        log.error("The search engine could not start: %s", exc)
        engine.error = f"{type(exc).__name__}: {exc}"
    except Exception as exc:  # reported by /health; the process stays up to say why
        log.exception("The search engine could not start")
        engine.error = f"{type(exc).__name__}: {exc}"


def create_app(settings: Settings | None = None, *, engine: SearchEngine | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        app.state.settings = settings
        private_dir(settings.data_dir)  # questions, feedback and tokens: the service's own user only
        app.state.tokens = role_tokens(settings)
        app.state.rate_limits = RateLimits(settings)
        app.state.engine = engine or SearchEngine(settings)
        # Searches, clicks and feedback; `kb serve` checks the database before it starts the server
        app.state.search_log = SearchLog.open(settings)
        app.state.metrics = ServiceMetrics(app.state.engine)
        releaser = MemoryReleaser(settings.memory_release_seconds).start()
        if not app.state.engine.ready:
            # Load in the background so that /health can answer 503 "starting" meanwhile.
            threading.Thread(target=_start_engine, args=(app.state.engine,), daemon=True).start()
        yield
        releaser.stop()
        app.state.search_log.close()  # writes what is queued
        app.state.engine.close()

    app = FastAPI(
        title="Kennisbank gemeente Voorbeeldstad",
        description="Search the municipal knowledge base and route questions to the right department.",
        version="0.1.0",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
    )
    for module in (search, suggest, feedback, clicks, articles, departments, health, metrics, admin, quality, docs):
        app.include_router(module.router)
    docs.mount_assets(app)
    app.include_router(pages.router)  # the citizen search pages, /zoeken
    app.include_router(widget.router)  # the search widget for the municipality's web site
    pages.mount_static(app)
    errors.install(app)
    app.openapi = truthful_openapi(app, settings)  # type: ignore[method-assign]  # FastAPI's way to replace the document
    # Outermost first: headers on every answer, CORS for the public endpoints, the input policy,
    # then repeated questions answered from the cache before routing.
    app.add_middleware(CachedSearches)
    app.add_middleware(
        InputPolicy,
        max_body_bytes=settings.max_body_bytes,
        max_url_bytes=settings.max_url_bytes,
        max_header_bytes=settings.max_header_bytes,
        body_timeout=settings.body_timeout_seconds,
        on_refusal=pages.refuse,  # a page for /zoeken, JSON elsewhere
    )
    app.add_middleware(PublicCors, origins=settings.allowed_origins)
    app.add_middleware(SecurityHeaders)
    return app
