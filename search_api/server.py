"""The HTTP server around the app (uvicorn), configured the same for `kb serve` and the tests.

uvicorn's HTTP/1.1 parser (h11) refuses a request head larger than its buffer with a bare
"400 Invalid HTTP request" and a closed socket, which a client that is still sending sees as a
connection reset. `LimitedH11Protocol` answers such a request as HTTP says: 414 when the request
line (the URL) is too long, 431 when the headers are, as JSON with a Dutch reason, and it lets the
client read that answer before the connection closes. Heads up to the limit reach the app, where
`search_api.edge` applies the configured, smaller limits.
"""

from __future__ import annotations

import json

import uvicorn
from fastapi import FastAPI
from uvicorn.protocols.http.h11_impl import H11Protocol

from kb.settings import Settings
from search_api.headers import SECURITY_HEADERS
from search_api.logging_setup import log_config

#: How long a refused client may go on sending before the connection is closed.
LINGER_SECONDS = 2.0
#: The largest request head the HTTP server buffers: the edge's limits plus room to answer them.
HEAD_BUFFER_FACTOR = 2


def _raw_response(status: int, reason: str, detail: str) -> bytes:
    body = json.dumps({"detail": detail}, ensure_ascii=False).encode("utf-8")
    headers = {
        "Content-Type": "application/json",
        "Content-Length": str(len(body)),
        "Connection": "close",
        **SECURITY_HEADERS,
    }
    head = f"HTTP/1.1 {status} {reason}\r\n" + "".join(f"{name}: {value}\r\n" for name, value in headers.items())
    return head.encode("latin-1") + b"\r\n" + body


class LimitedH11Protocol(H11Protocol):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._refused = False
        self._head_bytes = 0  # bytes received of the request head being read
        self._line_ended = False  # whether the request line (method, URL, version) is complete

    def data_received(self, data: bytes) -> None:
        if self._refused:
            return  # the answer is sent; what the client still sends is dropped
        reading_head = self.cycle is None or self.cycle.response_complete
        if reading_head:
            self._head_bytes += len(data)
            self._line_ended = self._line_ended or b"\n" in data
        super().data_received(data)
        if reading_head and self.cycle is not None and not self.cycle.response_complete:
            self._head_bytes, self._line_ended = 0, False  # a whole head was read: the next one starts afresh

    def send_400_response(self, msg: str) -> None:
        limit = self.conn._max_incomplete_event_size  # noqa: SLF001 - the buffer size h11 was given
        if self._head_bytes <= limit:
            super().send_400_response(msg)  # malformed, not too large
            return
        if self._line_ended:
            status, reason, detail = 431, "Request Header Fields Too Large", "De kopregels (headers) van het verzoek zijn te groot."
        else:
            status, reason, detail = 414, "URI Too Long", "Het adres is te lang."
        self.logger.info("Refused a request head over %d bytes with %d", limit, status)
        self._refused = True
        self.transport.write(_raw_response(status, reason, detail))
        if self.transport.can_write_eof():
            self.transport.write_eof()  # the client reads the answer, then sees the end
        self.loop.call_later(LINGER_SECONDS, self.transport.close)


def server_config(app: FastAPI, settings: Settings, *, host: str, port: int, **options) -> uvicorn.Config:
    """uvicorn's configuration: the limits above, and log lines without personal data
    (`search_api.logging_setup`)."""
    options.setdefault("log_config", log_config(options.get("log_level", "info")))
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        http=LimitedH11Protocol,
        h11_max_incomplete_event_size=HEAD_BUFFER_FACTOR * (settings.max_url_bytes + settings.max_header_bytes),
        server_header=False,
        **options,
    )
