"""Every error the API answers has one shape: `{"detail": "<reason in plain Dutch>"}`; a request
that does not match the contract (422) also lists each wrong field in `errors`. Nothing in an error
echoes what was sent (it may hold personal data), and an unexpected failure is logged and answered
with a plain 500, never a stack trace."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import Scope, Send

from search_api.edge import InputRefused
from search_api.storage.search_log import SearchLogUnavailable

log = logging.getLogger(__name__)


class FieldError(BaseModel):
    loc: list[str | int] = Field(description="Where: `query`, `path` or `body`, then the field")
    msg: str
    type: str


class ErrorResponse(BaseModel):
    detail: str = Field(description="What is wrong, in plain Dutch")
    errors: list[FieldError] | None = Field(None, description="Each field that does not match the contract (422 only)")


_DUTCH = {
    "missing": "ontbreekt",
    "bool_type": "moet true of false zijn",
    "bool_parsing": "moet true of false zijn",
    "int_type": "moet een geheel getal zijn",
    "int_parsing": "moet een geheel getal zijn",
    "string_type": "moet tekst zijn",
    "list_type": "moet een lijst zijn",
    "model_type": "moet een JSON-object zijn",
    "dict_type": "moet een JSON-object zijn",
    "json_invalid": "is geen geldige JSON",
    "extra_forbidden": "is onbekend",
    "string_too_short": "is te kort",
    "string_too_long": "is te lang",
    "too_short": "bevat te weinig items",
    "too_long": "bevat te veel items",
    "string_pattern_mismatch": "heeft een ongeldige vorm",
    "greater_than_equal": "is te klein",
    "less_than_equal": "is te groot",
    "greater_than": "is te klein",
    "less_than": "is te groot",
    "literal_error": "heeft een waarde die niet is toegestaan",
    "enum": "heeft een waarde die niet is toegestaan",
    "value_error": "is ongeldig",
}


def _field(loc: tuple) -> str:
    parts = [str(part) for part in loc if part not in ("body",)] or ["body"]
    return ".".join(parts)


#: Plain sentences for the mistakes citizens make most: no question at all
_FRIENDLY = {
    (("query", "q"), "missing"): "De vraag is leeg. Typ een vraag of een paar zoekwoorden.",
    (("query", "q"), "string_too_short"): "De vraag is leeg. Typ een vraag of een paar zoekwoorden.",
}


def validation_detail(errors: list[dict]) -> str:
    if len(errors) == 1 and (tuple(errors[0]["loc"]), errors[0]["type"]) in _FRIENDLY:
        return _FRIENDLY[tuple(errors[0]["loc"]), errors[0]["type"]]
    reasons = []
    for error in errors[:5]:
        reason = _DUTCH.get(error["type"], error["msg"])
        if error["type"] == "value_error" and error.get("msg", "").startswith("Value error, "):
            reason = error["msg"].removeprefix("Value error, ")
        reasons.append(f"{_field(error['loc'])} {reason}")
    return "Ongeldig verzoek: " + "; ".join(reasons) + "."


def error_response(status: int, detail: str, headers: dict[str, str] | None = None, **extra) -> JSONResponse:
    body = ErrorResponse(detail=detail, **extra).model_dump(exclude_none=True)
    return JSONResponse(body, status_code=status, headers=headers)


async def refuse(scope: Scope, send: Send, refusal: InputRefused) -> None:
    """Answer a request the edge refused (see `search_api.edge`)."""
    response = error_response(refusal.status, refusal.detail, refusal.headers)
    await response(scope, no_receive, send)


async def no_receive():  # pragma: no cover - a response does not read the request
    return {"type": "http.disconnect"}


def install(app: FastAPI) -> None:
    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return error_response(exc.status_code, str(exc.detail), getattr(exc, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = list(exc.errors())
        fields = [FieldError(loc=[str(p) if not isinstance(p, int) else p for p in e["loc"]], msg=e["msg"], type=e["type"])
                  for e in errors]
        return error_response(422, validation_detail(errors), errors=fields)

    @app.exception_handler(SearchLogUnavailable)
    async def search_log_unavailable(request: Request, exc: SearchLogUnavailable) -> JSONResponse:
        log.error("The search log did not answer on %s %s: %s", request.method, request.url.path, exc)
        return error_response(503, "Het zoeklog is nu niet bereikbaar. Probeer het over een paar minuten opnieuw.",
                              {"Retry-After": "60"})

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.error("Unexpected error on %s %s: %s", request.method, request.url.path, type(exc).__name__, exc_info=exc)
        return error_response(500, "Er ging iets mis bij ons. Probeer het later opnieuw.")
