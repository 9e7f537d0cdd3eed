"""Response headers every answer carries, and which web sites may call the public endpoints.

- `SecurityHeaders`: no MIME sniffing, no referrer, not framed, a Content-Security-Policy that
  allows nothing for JSON (pages set their own, whose `frame-ancestors` then decides who may
  frame them, instead of `X-Frame-Options`), and no caching of
  what may hold a citizen's question or staff content (`Cache-Control: no-store`), except where a
  route set its own cache policy (static files).
- `PublicCors`: browsers on the origins in `KB_ALLOWED_ORIGINS` (the municipality's web site) may
  call `/search` (with the header `X-KB-Channel`), `/suggest`, `/feedback` and `/clicks`; nothing
  else is open to other origins.
"""

from __future__ import annotations

from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": API_CSP,
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cache-Control": "no-store",
}
CORS_PATHS = ("/search", "/suggest", "/feedback", "/clicks")


_RAW_SECURITY_HEADERS = [(name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in SECURITY_HEADERS.items()]


class SecurityHeaders:
    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", ()))
                present = {name.lower() for name, _ in headers}
                own_policy = b"content-security-policy" in present  # with its own frame-ancestors
                headers += [
                    (name, value) for name, value in _RAW_SECURITY_HEADERS
                    if name not in present and not (own_policy and name == b"x-frame-options")
                ]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


class PublicCors:
    """Starlette's CORS middleware, applied to the public search endpoints only."""

    def __init__(self, app: ASGIApp, *, origins: list[str]):
        self.app = app
        self.cors = CORSMiddleware(
            app, allow_origins=origins, allow_methods=["GET", "POST"], allow_headers=["Content-Type", "X-KB-Channel"], max_age=600,
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] in CORS_PATHS:
            await self.cors(scope, receive, send)
        else:
            await self.app(scope, receive, send)
