"""One input policy at the edge, for every endpoint, before any route sees the request.

- Size: a body over `KB_MAX_BODY_BYTES` gets 413, a URL over `KB_MAX_URL_BYTES` 414, headers over
  `KB_MAX_HEADER_BYTES` 431 (larger ones are refused by the HTTP server itself, `search_api.server`);
  a body that does not arrive within `KB_BODY_TIMEOUT_SECONDS` gets 408.
- Text: query parameters, path and every string in a JSON body must be valid UTF-8 without control
  characters (tab and line breaks excepted in bodies), Unicode non-characters or lone surrogates;
  otherwise 422 with the reason. What passes is normalised to Unicode NFC, so "café" typed in two
  ways is one question.
- JSON: `NaN`, `Infinity` and numbers too large for a float (`1e309`) are refused with 422; so is a
  body that is not JSON where JSON is declared.

Every refusal is a JSON body `{"detail": "<reason in Dutch>"}`, as the routes' own errors are.
"""

from __future__ import annotations

import asyncio
import json
import math
import re
import unicodedata
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import parse_qsl, urlencode

from starlette.types import ASGIApp, Message, Receive, Scope, Send

#: What no citizen types and no file of ours can hold: control characters (C0 without tab and line
#: breaks, DEL and C1), the non-characters U+FDD0-FDEF, U+FFFE and U+FFFF, and lone surrogates
#: (which no Unicode string holds, so the patterns for the OpenAPI document leave them out).
FORBIDDEN_CLASS = "\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f-\\u009f\\ufdd0-\\ufdef\\ufffe\\uffff"
LINE_BREAKS_CLASS = "\\t\\n\\r"
_FORBIDDEN = re.compile(f"[{FORBIDDEN_CLASS}\\ud800-\\udfff]")
_LINE_BREAKS = re.compile(f"[{LINE_BREAKS_CLASS}]")
#: The same rules as regular expressions over a whole value, for the OpenAPI document
TEXT_PATTERN = f"^[^{FORBIDDEN_CLASS}]*$"
LINE_PATTERN = f"^[^{FORBIDDEN_CLASS}{LINE_BREAKS_CLASS}]*$"
#: ... and for a value that must hold more than white space (a question)
NOT_BLANK_PATTERN = f"^[^{FORBIDDEN_CLASS}]*[^\\s{FORBIDDEN_CLASS}][^{FORBIDDEN_CLASS}]*$"


class InputRefused(Exception):
    def __init__(self, status: int, detail: str, headers: dict[str, str] | None = None):
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.headers = headers or {}


def clean_text(value: str, where: str, *, line_breaks: bool = True) -> str:
    """`value` in NFC; InputRefused (422) for characters no citizen types (and for tabs and line
    breaks where `line_breaks` is False)."""
    bad = _FORBIDDEN.search(value) or (None if line_breaks else _LINE_BREAKS.search(value))
    if bad is not None:
        code = f"U+{ord(bad.group()):04X}"
        raise InputRefused(422, f"{where} bevat een teken dat niet is toegestaan ({code}). Verwijder het en probeer opnieuw.")
    return unicodedata.normalize("NFC", value)


def _refuse_constant(name: str) -> Any:
    raise InputRefused(422, f"De JSON bevat {name}; alleen gewone getallen zijn toegestaan.")


def _finite_float(literal: str) -> float:
    number = float(literal)
    if not math.isfinite(number):
        raise InputRefused(422, f"Het getal {literal[:20]} in de JSON is te groot.")
    return number


def _finite_int(literal: str) -> int:
    if len(literal) > 30:
        raise InputRefused(422, "Een getal in de JSON is te groot.")
    return int(literal)


def _clean_json(value: Any, where: str) -> Any:
    if isinstance(value, str):
        return clean_text(value, where)
    if isinstance(value, list):
        return [_clean_json(item, f"{where}[{index}]") for index, item in enumerate(value)]
    if isinstance(value, dict):
        return {clean_text(key, where, line_breaks=False): _clean_json(item, f"{where}.{key}") for key, item in value.items()}
    return value


def clean_json_body(raw: bytes) -> bytes:
    """The body re-encoded after the checks; InputRefused for what the policy refuses."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise InputRefused(422, "De inhoud van het verzoek is geen geldige UTF-8-tekst.") from None
    try:
        data = json.loads(text, parse_constant=_refuse_constant, parse_float=_finite_float, parse_int=_finite_int)
    except ValueError as exc:
        raise InputRefused(422, f"De inhoud van het verzoek is geen geldige JSON ({exc.args[0][:80]}).") from None
    except RecursionError:
        raise InputRefused(422, "De JSON is te diep genest.") from None
    return json.dumps(_clean_json(data, "body"), ensure_ascii=False).encode("utf-8")


def clean_query_string(raw: bytes) -> bytes:
    """Query parameters (or a form body) re-encoded after the checks."""
    try:
        pairs = parse_qsl(raw.decode("latin-1"), keep_blank_values=True, encoding="utf-8", errors="strict")
    except UnicodeDecodeError:
        raise InputRefused(422, "De zoekparameters zijn geen geldige UTF-8-tekst.") from None
    cleaned = [(clean_text(key, "Een parameter", line_breaks=False), clean_text(value, f"Parameter '{key[:40]}'")) for key, value in pairs]
    return urlencode(cleaned).encode("ascii")


def _header(scope: Scope, name: bytes) -> bytes | None:
    for key, value in scope["headers"]:
        if key == name:
            return value
    return None


class InputPolicy:
    """ASGI middleware applying the policy above; see the module docstring."""

    def __init__(
        self, app: ASGIApp, *, max_body_bytes: int, max_url_bytes: int, max_header_bytes: int, body_timeout: float,
        on_refusal: Callable[[Scope, Send, InputRefused], Awaitable[None]],
    ):
        self.app = app
        self.max_body = max_body_bytes
        self.max_url = max_url_bytes
        self.max_headers = max_header_bytes
        self.body_timeout = body_timeout
        self.on_refusal = on_refusal

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        try:
            scope = self._check_head(scope)
            receive = await self._read_body(scope, receive)
        except InputRefused as refusal:
            await self.on_refusal(scope, send, refusal)
            return
        await self.app(scope, receive, send)

    def _check_head(self, scope: Scope) -> Scope:
        if len(scope.get("raw_path") or b"") + len(scope["query_string"]) > self.max_url:
            raise InputRefused(414, f"Het adres is te lang. Het maximum is {self.max_url} tekens.")
        if sum(len(key) + len(value) + 4 for key, value in scope["headers"]) > self.max_headers:
            raise InputRefused(431, "De kopregels (headers) van het verzoek zijn te groot.")
        scope = dict(scope)
        scope["path"] = clean_text(scope["path"], "Het adres", line_breaks=False)
        if scope["query_string"]:
            scope["query_string"] = clean_query_string(scope["query_string"])
        return scope

    async def _read_body(self, scope: Scope, receive: Receive) -> Receive:
        """The whole body, read within the limits, replayed to the app after the checks."""
        if scope["method"] in ("GET", "HEAD", "OPTIONS", "DELETE") and _header(scope, b"content-length") in (None, b"0"):
            return receive
        declared = _header(scope, b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_body:
            raise InputRefused(413, f"Het verzoek is te groot. Het maximum is {self.max_body} bytes.")
        chunks: list[bytes] = []
        size = 0
        while True:
            try:
                message = await asyncio.wait_for(receive(), timeout=self.body_timeout)
            except TimeoutError:
                raise InputRefused(408, "Het verzoek kwam niet op tijd binnen.", {"Connection": "close"}) from None
            if message["type"] == "http.disconnect":
                raise InputRefused(400, "De verbinding werd verbroken.")
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body:
                raise InputRefused(413, f"Het verzoek is te groot. Het maximum is {self.max_body} bytes.", {"Connection": "close"})
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        content_type = (_header(scope, b"content-type") or b"").split(b";")[0].strip().lower()
        if body and (content_type == b"application/json" or content_type.endswith(b"+json")):
            body = clean_json_body(body)
        elif body and content_type == b"application/x-www-form-urlencoded":
            body = clean_query_string(body)
        scope["headers"] = [
            (key, str(len(body)).encode() if key == b"content-length" else value) for key, value in scope["headers"]
        ]
        return _replay(body, receive)


def _replay(body: bytes, receive: Receive) -> Receive:
    """The checked body once, then the client's own messages (its disconnect)."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay
