"""Editing an article's text: round-trip front matter, the checks as typed, templates.

Front matter is read and written with ruamel.yaml in round-trip mode, so saving an article
changes only the lines of the fields that changed: key order, quoting, comments and list style
stay as the editor left them (a clean diff in git). The console saves the text through the API
(`search_api.article_files`), which writes nothing unless it passes `kb validate`'s checks; the
console keeps what was typed when a save is refused.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from dataclasses import dataclass
from pathlib import Path

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq

from indexer.validate import validate_article_text
from kb.articles import FRONT_MATTER_KEYS, Article, Problem
from kb.settings import Settings

_FRONT = re.compile(r"\A---\n(.*?\n)---\n?(.*)\Z", re.S)
UPL_PREFIX = "http://standaarden.overheid.nl/owms/terms/"
#: Lists written on one line when the editor adds them: `life_events: [verhuizen, overlijden]`
FLOW_KEYS = frozenset({"life_events"})


def _yaml() -> YAML:
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 4096  # never re-wrap long questions
    yaml.indent(mapping=2, sequence=4, offset=2)
    return yaml


@dataclass
class ArticleSource:
    """An article split into round-trip front matter and the Markdown body."""

    front: CommentedMap
    body: str

    @classmethod
    def parse(cls, text: str) -> ArticleSource:
        match = _FRONT.match(text.replace("\r\n", "\n"))
        if not match:
            raise ValueError("het artikel begint niet met front matter tussen twee regels '---'")
        front = _yaml().load(match.group(1)) or CommentedMap()
        return cls(front, match.group(2))

    def update(self, **fields: object) -> None:
        """Set front-matter fields in place; unchanged values are left untouched (formatting too)."""
        for key, value in fields.items():
            current = self.front.get(key)
            if _plain(current) == _plain(value) or (current is None and value in ([], "")):
                continue  # an optional field left empty is not added
            if isinstance(value, list) and isinstance(current, CommentedSeq):
                current.clear()
                current.extend(value)
            elif key in self.front:
                self.front[key] = value
            else:
                if isinstance(value, list) and key in FLOW_KEYS:
                    value = CommentedSeq(value)
                    value.fa.set_flow_style()
                self.front.insert(self._position(key), key, value)

    def _position(self, key: str) -> int:
        """Where a new key goes: after the keys that precede it in `FRONT_MATTER_KEYS`."""
        if key not in FRONT_MATTER_KEYS:
            return len(self.front)
        before = set(FRONT_MATTER_KEYS[: FRONT_MATTER_KEYS.index(key)])
        return max((index + 1 for index, present in enumerate(self.front) if present in before), default=0)

    def text(self) -> str:
        buffer = io.StringIO()
        _yaml().dump(self.front, buffer)
        return f"---\n{buffer.getvalue()}---\n{self.body}"


def _plain(value: object) -> object:
    if isinstance(value, (list, CommentedSeq)):
        return [_plain(item) for item in value]
    if isinstance(value, dt.datetime):
        return value.date()
    return value


def check(text: str, path: Path, settings: Settings, others: list[Article] | None = None) -> list[Problem]:
    """What `kb validate` says about the text as typed (the API checks it again when it is saved)."""
    return validate_article_text(text, path, settings, others=others)[1]


TEMPLATE_BODY = """
## Wat is het?

Schrijf hier in een paar korte zinnen wat het product is.

## Hoe vraag ik het aan?

1. Eerste stap.
2. Tweede stap.

## Voorwaarden

Wie kan het aanvragen?

## Kosten

Wat kost het?

## Hoe lang duurt het?

Hoe lang moet u wachten?

## Contact

{contact}

## Voor medewerkers

- Wat moet een medewerker aan de telefoon weten?
"""


MIN_QUESTIONS = 3  # an article has at least three example questions (`kb.articles.ArticleMeta`)


def new_article_text(
    article_id: str, title: str, department_id: str, upl_uri: str, contact: str, today: dt.date,
    questions: list[str] | None = None,
) -> str:
    """A new article from the template, with the chosen UPL product as its main product. Its example
    questions: `questions` (e.g. how citizens asked what the knowledge base lacked), completed from
    the template up to three."""
    template = [f"Hoe vraag ik {title.lower()} aan?", f"Wat kost {title.lower()}?", f"Hoe lang duurt {title.lower()}?"]
    examples = list(dict.fromkeys(questions or []))
    examples += template[: max(0, MIN_QUESTIONS - len(examples))]
    front = CommentedMap()
    front["id"] = article_id
    front["title"] = title
    front["department"] = department_id
    front["upl"] = CommentedSeq([upl_uri])
    front["questions"] = CommentedSeq(examples)
    front["keywords"] = CommentedSeq([title.lower()])
    front["audience"] = "burger"
    front["owner"] = f"team-{department_id.removeprefix('extern_')}"
    front["reviewed"] = today
    return ArticleSource(front, TEMPLATE_BODY.format(contact=contact)).text()
