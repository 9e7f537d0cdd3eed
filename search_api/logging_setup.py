"""Log lines without personal data.

Citizens type their BSN, IBAN, phone number or e-mail address into the search box, and the
question travels in the query string (`/search?q=...`). So the API's logging is configured
with two filters (`log_config()`, used by `kb serve`; pass it to `uvicorn.Config(log_config=...)`
for any other server of the app):

- uvicorn's access log writes the method, the path without its query string (each part of it
  redacted: `/articles/123456782` is written `/articles/[bsn]`), and the status; not the
  client's IP address;
- every other handler writes its messages (and tracebacks) through `privacy.redact`.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import unquote, urlsplit

from search_api.privacy import redact

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
_NO_CLIENT = "-"


class RedactingFilter(logging.Filter):
    """Replaces personal data in the message, its traceback and stack by placeholders (`[bsn]`, ...)."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # a malformed call; logging reports it itself
            return True
        record.msg, record.args = redact(message), ()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


class AccessLogFilter(RedactingFilter):
    """uvicorn's access line without the client's address and without the query string."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) == 5:  # uvicorn: client, method, path?query, HTTP version, status
            _, method, full_path, http_version, status_code = args
            path = "/".join(redact(unquote(part)) for part in urlsplit(str(full_path)).path.split("/"))
            record.args = (_NO_CLIENT, method, path, http_version, status_code)
            return True
        return super().filter(record)


def log_config(level: str = "info") -> dict[str, Any]:
    """A `logging.config.dictConfig` (and uvicorn `log_config`) with both filters on every handler."""
    level = level.upper()
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {
            "redact": {"()": RedactingFilter},
            "access": {"()": AccessLogFilter},
        },
        "formatters": {"plain": {"format": LOG_FORMAT}},
        "handlers": {
            "default": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["redact"], "stream": "ext://sys.stderr"},
            "access": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["access"], "stream": "ext://sys.stdout"},
        },
        "loggers": {
            "uvicorn": {"handlers": ["default"], "level": level, "propagate": False},
            "uvicorn.error": {"level": level},
            "uvicorn.access": {"handlers": ["access"], "level": level, "propagate": False},
        },
        "root": {"handlers": ["default"], "level": level},
    }
