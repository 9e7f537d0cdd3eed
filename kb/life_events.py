"""Life events ("levensgebeurtenissen"): the situations citizens are in, from `kb/life_events.yaml`.

Each article names its events in its front matter (`life_events: [verhuizen, ...]`); the list
file holds each event's title, description and the articles that come first on its page.
`kb validate` checks the two against each other (`indexer.validate`).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError

from kb import yaml_files
from kb.articles import SLUG_PATTERN, Article, Problem


class LifeEvent(BaseModel):
    """One situation, e.g. `verhuizen`: its title and description in B1 Dutch, and the ids of
    the articles listed first on its page (the tasks asked for most), in that order."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    id: str = Field(pattern=SLUG_PATTERN)
    title: str = Field(min_length=3, max_length=60)
    description: str = Field(min_length=10, max_length=200)
    first: list[str] = Field(default_factory=list)
    _line: int = PrivateAttr(default=1)
    _first_lines: list[int] = PrivateAttr(default_factory=list)

    @property
    def line(self) -> int:
        """1-based line of the event in the list file."""
        return self._line

    def first_line(self, position: int) -> int:
        """1-based line of `first[position]` in the list file."""
        return self._first_lines[position] if position < len(self._first_lines) else self._line


class LifeEventsError(ValueError):
    """The list file cannot be used; `problems` name its file and lines."""

    def __init__(self, problems: list[Problem]):
        super().__init__("\n".join(map(str, problems)))
        self.problems = problems


def load_life_events(path: Path) -> list[LifeEvent]:
    """The life events in the file's order (the order of the entry points on the search page).
    Raises `LifeEventsError` naming file and line when the file is not a valid list."""
    try:
        text = path.read_text(encoding="utf-8")
        node = yaml_files.compose(text)
        raw = yaml_files.load(text)
    except OSError as exc:
        raise LifeEventsError([Problem(path, 1, f"cannot read the list of life events: {exc.strerror}")]) from None
    except UnicodeDecodeError as exc:
        raise LifeEventsError([Problem(path, 1, f"not valid UTF-8: {exc}")]) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 1
        raise LifeEventsError([Problem(path, line, f"not valid YAML: {exc}")]) from None
    if not isinstance(node, yaml.SequenceNode) or not isinstance(raw, list):
        raise LifeEventsError([Problem(path, 1, "the file must be a list of life events ('- id: ...')")])

    events: list[LifeEvent] = []
    problems: list[Problem] = []
    seen: dict[str, int] = {}
    for item_node, item in zip(node.value, raw):
        line = item_node.start_mark.line + 1
        key_lines = _key_lines(item_node)
        try:
            event = LifeEvent.model_validate(item)
        except ValidationError as exc:
            for error in exc.errors():
                key = str(error["loc"][0]) if error["loc"] else ""
                where = ".".join(str(part) for part in error["loc"]) or "life event"
                message = "missing required key" if error["type"] == "missing" else error["msg"]
                problems.append(Problem(path, key_lines.get(key, line), f"'{where}': {message}"))
            continue
        event._line = line
        event._first_lines = _item_lines(item_node, "first")
        if event.id in seen:
            problems.append(Problem(path, line, f"duplicate life event '{event.id}', also on line {seen[event.id]}"))
            continue
        seen[event.id] = line
        for position, article_id in enumerate(event.first):
            if article_id in event.first[:position]:
                problems.append(Problem(path, event.first_line(position), f"'first' of life event '{event.id}' names '{article_id}' twice"))
        events.append(event)
    if problems:
        raise LifeEventsError(problems)
    return events


def event_articles(event: LifeEvent, articles: Iterable[Article]) -> list[Article]:
    """The articles that name `event`, in the order of its page: those in `event.first` in that
    order, then the others alphabetically by title."""
    members = [article for article in articles if event.id in article.meta.life_events]
    rank = {article_id: position for position, article_id in enumerate(event.first)}
    return sorted(
        members,
        key=lambda article: (rank.get(article.id, len(rank)), _sort_key(article.meta.title), article.id),
    )


def _sort_key(title: str) -> str:
    """Alphabetical order as readers expect it: case and accents ignored ('Één' with 'Een')."""
    decomposed = unicodedata.normalize("NFKD", title).casefold()
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def _key_lines(node: yaml.Node) -> dict[str, int]:
    if not isinstance(node, yaml.MappingNode):
        return {}
    return {key.value: key.start_mark.line + 1 for key, _ in node.value}


def _item_lines(node: yaml.Node, key: str) -> list[int]:
    """1-based lines of the items of the list under `key` in a mapping node."""
    if not isinstance(node, yaml.MappingNode):
        return []
    for key_node, value in node.value:
        if key_node.value == key and isinstance(value, yaml.SequenceNode):
            return [item.start_mark.line + 1 for item in value.value]
    return []
