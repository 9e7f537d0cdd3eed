"""The article files of the knowledge base, as editors change them through the API: a text is
written only when it passes every check of `kb validate` (atomically, so a re-index never reads
half a file); a retired article moves to `retired/` beside the content folder (kept for history)."""

from __future__ import annotations

import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from indexer.validate import validate_article_text
from kb.articles import SLUG_PATTERN, Article, Problem
from kb.settings import Settings

ID_PATTERN = re.compile(SLUG_PATTERN)


@dataclass
class SaveResult:
    saved: bool
    problems: list[Problem]
    path: Path

    @property
    def errors(self) -> list[Problem]:
        return [problem for problem in self.problems if problem.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [problem for problem in self.problems if problem.severity != "error"]


def article_file(article_id: str, settings: Settings) -> Path:
    return settings.content_dir / f"{article_id}.md"


def save_article(text: str, article_id: str, settings: Settings, others: list[Article] | None = None) -> SaveResult:
    """Write `<content_dir>/<id>.md` if the text passes validation; else write nothing.
    `others`: the knowledge base's valid articles (read from the content folder if None)."""
    if not ID_PATTERN.match(article_id):
        path = settings.content_dir / "artikel.md"
        return SaveResult(False, [Problem(path, 1, f"ongeldige id '{article_id}': kleine letters, cijfers en streepjes")], path)
    path = article_file(article_id, settings)
    problems = validate_article_text(text, path, settings, others=others)[1]
    if any(problem.severity == "error" for problem in problems):
        return SaveResult(False, problems, path)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
    return SaveResult(True, problems, path)


def retire_article(article_id: str, settings: Settings) -> Path:
    """Move an article out of the content folder into `retired/` beside it (kept for history)."""
    source = article_file(article_id, settings)
    target_dir = settings.content_dir.parent / "retired"
    target_dir.mkdir(parents=True, exist_ok=True)
    target = target_dir / source.name
    shutil.move(str(source), str(target))
    return target
