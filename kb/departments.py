"""Routing targets: municipal departments and outside bodies, from `kb/departments.yaml`."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, TypeAdapter

from kb import yaml_files


class Contact(BaseModel):
    model_config = ConfigDict(extra="forbid")
    phone: str | None = None
    email: str | None = None
    web: str | None = None
    hours: str | None = None


class Department(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str
    name: str
    description: str
    external: bool = False
    contact: Contact


_departments_adapter = TypeAdapter(list[Department])


def load_departments(path: Path) -> dict[str, Department]:
    """Load and validate the departments file; ids must be unique."""
    raw = yaml_files.load(path.read_text(encoding="utf-8"))
    departments = _departments_adapter.validate_python(raw)
    by_id: dict[str, Department] = {}
    for department in departments:
        if department.id in by_id:
            raise ValueError(f"{path}: duplicate department id '{department.id}'")
        by_id[department.id] = department
    return by_id
