"""The labelled question set (`eval/questions.yaml`) and its fixed dev/test split."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from kb.settings import PROJECT_DIR

QUESTIONS_FILE = PROJECT_DIR / "eval" / "questions.yaml"
Kind = Literal[
    "formal", "colloquial", "typo", "keyword", "long_story", "english", "other_language", "outside_body", "off_topic"
]
TEST_SHARE = 5  # one question in five is held out for reporting (never used for calibration)


class LabelledQuestion(BaseModel):
    model_config = ConfigDict(extra="forbid")

    q: str = Field(min_length=1)
    expected: list[str] = Field(default_factory=list, description="Article ids that answer it, best first")
    department: str | None
    kind: Kind

    @property
    def off_topic(self) -> bool:
        return not self.expected

    @property
    def split(self) -> Literal["dev", "test"]:
        """Fixed by the text, so adding questions never moves existing ones between splits."""
        digest = hashlib.sha256(self.q.strip().lower().encode("utf-8")).digest()
        return "test" if digest[0] % TEST_SHARE == 0 else "dev"


def load_questions(path: Path = QUESTIONS_FILE) -> list[LabelledQuestion]:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    return TypeAdapter(list[LabelledQuestion]).validate_python(raw)
