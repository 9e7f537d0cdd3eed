"""Access tokens per role: configured (`KB_STAFF_TOKEN`, `KB_EDITOR_TOKEN`, `KB_ADMIN_TOKEN`)
or generated once into the data directory (`data/staff-token`, ..., mode 600).

Roles, each with the rights of the one before:
- `staff` (call-centre): staff views with the `Voor medewerkers` notes, the quality pages, feedback;
- `editor`: also editing articles, re-indexing the articles they change, labelling eval questions;
- `admin`: also re-indexing the whole knowledge base.
"""

from __future__ import annotations

import hmac
import os
import secrets
from pathlib import Path
from typing import Literal

from kb.settings import Settings

Role = Literal["staff", "editor", "admin"]
ROLES: tuple[Role, ...] = ("staff", "editor", "admin")  # ascending rights


def _token(configured, path: Path, create: bool) -> str | None:
    if configured is not None:
        return configured.get_secret_value()
    if path.exists():
        return path.read_text(encoding="utf-8").strip() or None
    if not create:
        return None
    path.parent.mkdir(parents=True, exist_ok=True)
    token = secrets.token_urlsafe(32)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process wrote it meanwhile
        return path.read_text(encoding="utf-8").strip() or None
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(token + "\n")
    return token


def configured_token(settings: Settings, role: Role):
    """The token set in the environment (`KB_<ROLE>_TOKEN`), or None."""
    return getattr(settings, f"{role}_token")


def token_file(settings: Settings, role: Role) -> Path:
    return settings.data_dir / f"{role}-token"


def role_token(settings: Settings, role: Role, *, create: bool = True) -> str | None:
    """The token of a role: configured (`KB_<ROLE>_TOKEN`) or generated once into its file."""
    return _token(configured_token(settings, role), token_file(settings, role), create)


def role_tokens(settings: Settings, *, create: bool = True) -> dict[Role, str | None]:
    return {role: role_token(settings, role, create=create) for role in ROLES}


def allows(role: Role | None, needed: Role) -> bool:
    """Whether `role` has the rights of `needed`."""
    return role is not None and ROLES.index(role) >= ROLES.index(needed)


def tokens_match(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))


def role_of(given: str | None, tokens: dict[Role, str | None]) -> Role | None:
    """The role a token grants (the highest, should two roles share a token), or None."""
    if not given:
        return None
    for role in reversed(ROLES):
        expected = tokens.get(role)
        if expected and tokens_match(given, expected):
            return role
    return None
