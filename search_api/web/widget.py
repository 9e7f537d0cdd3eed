"""`GET /zoeken/widget.js`: the search widget for the municipality's own web site (`<kb-zoeken>`).

The host page loads it from this service with its integrity hash (`kb widget` prints the lines to
embed). It is one public file without personal data, so any site may load it (CORS `*`, no
credentials); the searches it makes are allowed only from the origins in `KB_ALLOWED_ORIGINS`.
The ETag is the integrity hash: a browser asks again after an hour and gets 304 while the file is
the same."""

from __future__ import annotations

import base64
import hashlib
from functools import lru_cache
from pathlib import Path

from fastapi import APIRouter, Request, Response

WIDGET_FILE = Path(__file__).with_name("widget.js")
WIDGET_URL = "/zoeken/widget.js"
ELEMENT = "kb-zoeken"

router = APIRouter(include_in_schema=False)


@lru_cache(maxsize=1)
def widget_source() -> bytes:
    return WIDGET_FILE.read_bytes()


def integrity(source: bytes | None = None) -> str:
    """The Subresource Integrity value of the widget (`sha384-...`)."""
    digest = hashlib.sha384(widget_source() if source is None else source).digest()
    return "sha384-" + base64.b64encode(digest).decode("ascii")


def embed_lines(service: str) -> list[str]:
    """The lines a web page needs: the script with its integrity hash, and the element."""
    service = service.rstrip("/")
    return [
        f'<script src="{service}{WIDGET_URL}" integrity="{integrity()}" crossorigin="anonymous" defer></script>',
        f"<{ELEMENT}></{ELEMENT}>",
    ]


@router.get(WIDGET_URL)
def widget(request: Request) -> Response:
    etag = f'"{integrity()}"'
    headers = {
        "Cache-Control": "public, max-age=3600",
        "ETag": etag,
        "Access-Control-Allow-Origin": "*",
        "Cross-Origin-Resource-Policy": "cross-origin",
    }
    if etag in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers=headers)
    return Response(widget_source(), media_type="text/javascript; charset=utf-8", headers=headers)
