"""An OpenAPI document that describes what the API really answers.

FastAPI documents the success response and a 422 of its own shape. This adds, per operation and
read from its dependencies: the error shape every error has (`search_api.errors.ErrorResponse`);
401 and 403 where a token or role is checked; 429 where a rate limit applies; 503 while the engine
starts or when the search log does not answer; 413 and 408 where a body is read; 414, 431 and 422 everywhere (the edge's limits); and
whether a token is required, optional (it changes what is shown) or not used at all.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute
from fastapi.routing import _iter_included_route_candidates as effective_routes  # the routes of included routers

from kb.settings import Settings
from search_api import deps
from search_api.edge import LINE_PATTERN, NOT_BLANK_PATTERN, TEXT_PATTERN
from search_api.errors import ErrorResponse, FieldError

ERRORS = {
    401: "Geen of een ongeldig token",
    403: "Het token heeft niet de rol die dit vraagt",
    404: "Niet gevonden",
    408: "Het verzoek kwam niet op tijd binnen",
    409: "Bestaat al",
    413: "Het verzoek is te groot",
    414: "Het adres is te lang",
    422: "Ongeldige invoer",
    429: "Te veel verzoeken van deze client; zie Retry-After",
    431: "De kopregels zijn te groot",
    503: "De zoekdienst start nog op, kon niet starten, of het zoeklog is niet bereikbaar",
}
RETRY_AFTER = {"Retry-After": {"description": "Seconds to wait", "schema": {"type": "integer"}}}


def _calls(dependant: Dependant) -> Iterator[Callable]:
    for dependency in dependant.dependencies:
        if dependency.call is not None:
            yield dependency.call
        yield from _calls(dependency)


def _errors_of(route: APIRoute) -> tuple[set[int], str | None]:
    """The error statuses an operation can answer, and whether a token is 'required' or 'optional'."""
    calls = set(_calls(route.dependant))
    names = {getattr(call, "__qualname__", "") for call in calls}
    statuses = {414, 422, 431}
    if route.body_field is not None:
        statuses |= {408, 413}
    if deps.get_engine in calls or deps.get_search_log in calls:
        statuses.add(503)
    if any(name.startswith("rate_limited") for name in names):
        statuses.add(429)
    security = None
    if deps.require_staff in calls:
        statuses.add(401)
        security = "required"
    elif deps.current_role in calls or deps.bearer in calls:
        security = "optional"
    if deps.staff_view in calls:
        statuses.add(401)
    if deps.require_editor in calls:
        statuses.add(403)
    statuses |= {int(code) for code in route.responses if str(code).isdigit() and int(code) >= 400}
    return statuses, security


def _text_rules(schema: dict, pattern: str) -> None:
    """Write the edge's character rules into every string schema (that has no stricter pattern)."""
    if isinstance(schema, dict):
        if schema.get("type") == "string" and "pattern" not in schema and "enum" not in schema and "const" not in schema:
            schema["pattern"] = pattern
        for value in schema.values():
            if isinstance(value, dict):
                _text_rules(value, pattern)
            elif isinstance(value, list):
                for item in value:
                    _text_rules(item, pattern)


def _input_rules(schema: dict, settings: Settings) -> None:
    """Parameters and request bodies as the edge and the routes check them: no control or
    non-characters (and no line breaks in a path), questions not blank and not too long."""
    for path_item in schema["paths"].values():
        for operation in path_item.values():
            for parameter in operation.get("parameters", []):
                if parameter["name"] == "q":
                    parameter["schema"].update(pattern=NOT_BLANK_PATTERN, maxLength=settings.max_query_chars)
                _text_rules(parameter["schema"], LINE_PATTERN if parameter["in"] == "path" else TEXT_PATTERN)
    for name, component in schema["components"]["schemas"].items():
        if name not in ("ErrorResponse", "FieldError"):
            _text_rules(component, TEXT_PATTERN)


def truthful_openapi(app: FastAPI, settings: Settings) -> Callable[[], dict]:
    def build() -> dict:
        if app.openapi_schema:
            return app.openapi_schema
        schema = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        components.pop("HTTPValidationError", None)
        components.pop("ValidationError", None)
        components["ErrorResponse"] = ErrorResponse.model_json_schema(ref_template="#/components/schemas/{model}")
        components["ErrorResponse"].pop("$defs", None)
        components["FieldError"] = FieldError.model_json_schema()
        error_ref = {"$ref": "#/components/schemas/ErrorResponse"}
        for route in effective_routes(app.routes):
            if not isinstance(route, APIRoute) or not route.include_in_schema:
                continue
            statuses, security = _errors_of(route)
            for method in route.methods or ():
                operation = schema["paths"][route.path_format].get(method.lower())
                if operation is None:
                    continue
                responses = operation.setdefault("responses", {})
                for status in sorted(statuses):
                    entry = responses.setdefault(str(status), {"description": ERRORS.get(status, "Fout")})
                    if "content" not in entry or status == 422:  # a route's own error model stays
                        entry["content"] = {"application/json": {"schema": error_ref}}
                    if status in (429, 503):
                        entry["headers"] = RETRY_AFTER
                if security is None:
                    operation.pop("security", None)
                elif security == "optional":
                    operation["security"] = [{}, {"HTTPBearer": []}]
        _input_rules(schema, settings)
        app.openapi_schema = schema
        return schema

    return build
