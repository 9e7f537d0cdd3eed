"""The labelled question set (`eval/questions.yaml`): its file format, its fixed dev/test split and
adding a question to it. Shared by the evaluation (`eval`) and the API, which adds failed searches
from the console (`search_api.routes.quality`)."""

from __future__ import annotations

import hashlib
import json
import threading
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from kb import yaml_files
from kb.settings import PROJECT_DIR
from kb.text import collapse_spaces

QUESTIONS_FILE = PROJECT_DIR / "eval" / "questions.yaml"
Kind = Literal[
    "formal", "colloquial", "typo", "keyword", "short", "long_story", "english", "other_language", "outside_body", "off_topic"
]
TEST_SHARE = 5  # one question in five is held out for reporting (never used for calibration)
# Where a question comes from, so that every report shows how the product does on questions no
# choice was measured on: "development" (written in November 2026; every setting of the product
# was chosen while measuring on them), "blind-1", "blind-2" and "blind-3" (written blind from the
# article catalogue, one after the other, in November 2026, before anything was run on them),
# "console" (failed searches that editors added from the staff console: real questions).
DEFAULT_SOURCE = "development"
CONSOLE_SOURCE = "console"


class LabelledQuestion(BaseModel):
    model_config = ConfigDict(extra="forbid")

    q: str = Field(min_length=1)
    expected: list[str] = Field(default_factory=list, description="Article ids that answer it, best first")
    department: str | None
    kind: Kind
    source: str = Field(DEFAULT_SOURCE, pattern=r"^[a-z0-9-]+$")

    @property
    def off_topic(self) -> bool:
        return not self.expected

    @property
    def split(self) -> Literal["dev", "test"]:
        """Fixed by the text, so adding questions never moves existing ones between splits."""
        digest = hashlib.sha256(self.q.strip().lower().encode("utf-8")).digest()
        return "test" if digest[0] % TEST_SHARE == 0 else "dev"


def load_questions(path: Path = QUESTIONS_FILE) -> list[LabelledQuestion]:
    return _parse(path.read_text(encoding="utf-8"))


def _parse(text: str) -> list[LabelledQuestion]:
    return TypeAdapter(list[LabelledQuestion]).validate_python(yaml_files.load(text))


class QuestionSetError(ValueError):
    """A question cannot be added; the message is for the editor (Dutch)."""


class DuplicateQuestion(QuestionSetError):
    """The question is already in the set."""


ADDED_HEADER = "# --- Added from the staff console (failed searches) ---"
_append_lock = threading.Lock()


def append_question(
    question: LabelledQuestion, *, articles: dict[str, str], path: Path = QUESTIONS_FILE
) -> LabelledQuestion:
    """Add one labelled question at the end of the set, leaving every existing line as it is.

    `articles` maps article ids to their department; the department label follows the first
    expected article (none for an off-topic question). Duplicates and unknown ids are refused.
    """
    unknown = [article_id for article_id in question.expected if article_id not in articles]
    if unknown:
        raise QuestionSetError(f"Onbekend artikel: {', '.join(unknown)}.")
    department = articles[question.expected[0]] if question.expected else None
    labelled = question.model_copy(update={"department": department})
    if labelled.off_topic and labelled.kind != "off_topic":
        labelled = labelled.model_copy(update={"kind": "off_topic"})
    with _append_lock:
        text = path.read_text(encoding="utf-8")
        asked = collapse_spaces(labelled.q.lower())
        if any(collapse_spaces(item.q.lower()) == asked for item in _parse(text)):
            raise DuplicateQuestion("Deze vraag staat al in de evaluatieset.")
        block = "" if text.endswith("\n") else "\n"
        if ADDED_HEADER not in text:
            block += f"\n{ADDED_HEADER}\n"
        expected = "[" + ", ".join(labelled.expected) + "]"
        block += (
            f"- q: {json.dumps(labelled.q, ensure_ascii=False)}\n"
            f"  expected: {expected}\n"
            f"  department: {labelled.department or 'null'}\n"
            f"  kind: {labelled.kind}\n"
            f"  source: {labelled.source}\n"
        )
        with path.open("a", encoding="utf-8") as handle:
            handle.write(block)
    return labelled
