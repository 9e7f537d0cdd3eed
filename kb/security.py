"""The staff token: configured (`KB_STAFF_TOKEN`) or generated once into the data directory."""

from __future__ import annotations

import hmac
import os
import secrets

from kb.settings import Settings


def staff_token(settings: Settings, *, create: bool = True) -> str | None:
    if settings.staff_token is not None:
        return settings.staff_token.get_secret_value()
    path = settings.staff_token_file
    if path.exists():
        return path.read_text(encoding="utf-8").strip() or None
    if not create:
        return None
    path.parent.mkdir(parents=True, exist_ok=True)
    token = secrets.token_urlsafe(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(token + "\n")
    return token


def tokens_match(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))
