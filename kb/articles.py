"""The article model and its parser (YAML front matter + Markdown sections, via markdown-it-py).

An article file is `kb/content/<id>.md`; `kb/README.md` describes the format. Parsing never
raises on bad content: it returns the problems found, each with the file and line, so that
`kb validate` can list them all at once.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import unicodedata
from dataclasses import dataclass, field, replace
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Literal

import yaml
from markdown_it import MarkdownIt
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from kb import yaml_files

#: The fixed public sections, in order.
PUBLIC_SECTIONS: tuple[str, ...] = (
    "Wat is het?",
    "Hoe vraag ik het aan?",
    "Voorwaarden",
    "Kosten",
    "Hoe lang duurt het?",
    "Contact",
)
#: Optional last section for call-centre staff; never shown in public views.
STAFF_SECTION = "Voor medewerkers"
#: Labels that mark notes for staff, compared after `normalise_label` (case, accents,
#: punctuation and spacing ignored). Text under a heading of any level with such a label, or
#: after a paragraph that starts with it in bold, is never public. The only accepted form is
#: the last section `## Voor medewerkers`; `kb validate` reports every other one as an error.
STAFF_LABELS: frozenset[str] = frozenset({
    "voor medewerkers",
    "alleen voor medewerkers",
    "notities voor medewerkers",
    "notitie voor medewerkers",
    "informatie voor medewerkers",
    "medewerkers",
    "intern",
    "alleen intern",
    "interne notitie",
    "interne notities",
    "interne informatie",
    "voor intern gebruik",
    "internal",
    "internal notes",
    "staff notes",
    "staff only",
})
#: A heading's label is also read up to its first ':', '(', '[' or dash: "Intern: let op".
_LABEL_END = re.compile(r"[:(\[\u2013\u2014]| - ")
#: Level given to a bold label that opens a line ("**Intern:** ..."): below every heading.
_BOLD_LABEL_LEVEL = 7
FRONT_MATTER_KEYS: tuple[str, ...] = (
    "id",
    "title",
    "department",
    "upl",
    "questions",
    "english_questions",
    "keywords",
    "audience",
    "life_events",
    "owner",
    "reviewed",
)
SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"

_markdown = MarkdownIt("commonmark")


@dataclass(frozen=True)
class Problem:
    """A finding about one file: an `error` fails validation, a `warning` is reported."""

    path: Path
    line: int
    message: str
    severity: Literal["error", "warning"] = "error"

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.severity}: {self.message}"


class ArticleMeta(BaseModel):
    """The front matter schema."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    id: str = Field(pattern=SLUG_PATTERN)
    title: str = Field(min_length=3, max_length=120)
    department: str = Field(min_length=1)
    upl: list[str] = Field(min_length=1)
    questions: list[str] = Field(min_length=3)
    # How English-speaking residents ask for it: searchable, not B1-checked
    english_questions: list[str] = Field(default_factory=list)
    keywords: list[str] = Field(min_length=1)
    audience: list[Literal["burger", "ondernemer"]] = Field(min_length=1)
    # Situations the article belongs to: ids from `kb/life_events.yaml`
    life_events: list[str] = Field(default_factory=list)
    owner: str = Field(min_length=1)
    reviewed: dt.date

    @field_validator("upl", "audience", "keywords", "life_events", mode="before")
    @classmethod
    def _one_or_many(cls, value: object) -> object:
        return [value] if isinstance(value, str) else value

    @field_validator("questions", "english_questions", "keywords", "upl", "life_events")
    @classmethod
    def _no_empty_items(cls, value: list[str]) -> list[str]:
        if any(not item for item in value):
            raise ValueError("empty item in list")
        return value


@dataclass
class Section:
    heading: str
    markdown: str  # the section's Markdown source, without its heading
    line: int  # 1-based line of the heading in the file
    markdown_line: int = 0  # 1-based line where `markdown` starts in the file

    @cached_property
    def text(self) -> str:
        """Plain text (no Markdown syntax), for embedding, snippets and answers (made once: a
        search reads it for every result)."""
        return markdown_to_text(self.markdown)

    def __post_init__(self) -> None:
        # A public section never holds staff notes, however it was built.
        if not self.is_staff_only:
            self.markdown = without_staff_notes(self.markdown).rstrip()

    @cached_property
    def is_staff_only(self) -> bool:
        return is_staff_label(self.heading)


@dataclass
class Article:
    meta: ArticleMeta
    sections: list[Section]
    path: Path
    content_hash: str  # sha256 of the file's bytes
    key_lines: dict[str, int] = field(default_factory=dict)  # front matter key -> line

    @property
    def id(self) -> str:
        return self.meta.id

    @property
    def public_sections(self) -> list[Section]:
        return [section for section in self.sections if not section.is_staff_only]

    @property
    def staff_section(self) -> Section | None:
        """The `## Voor medewerkers` section (else the first section headed as staff notes)."""
        staff = [section for section in self.sections if section.is_staff_only]
        return next((section for section in staff if section.heading == STAFF_SECTION), staff[0] if staff else None)

    def section(self, heading: str) -> Section | None:
        return next((section for section in self.sections if section.heading == heading), None)


@dataclass
class ParseResult:
    article: Article | None
    problems: list[Problem]


def normalise_label(text: str) -> str:
    """Lowercase words without accents, punctuation or extra spaces: 'VOOR  Medewerkers:' -> 'voor medewerkers'."""
    decomposed = unicodedata.normalize("NFKD", text).casefold()
    plain = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(re.findall(r"[^\W_]+", plain))


def is_staff_label(text: str) -> bool:
    """True when a heading (or bold label) marks notes for staff, in any spelling of `STAFF_LABELS`."""
    return normalise_label(text) in STAFF_LABELS or normalise_label(_LABEL_END.split(text, maxsplit=1)[0]) in STAFF_LABELS


def _outline(tokens: list) -> list[tuple[int, int, str]]:
    """(level, 0-based line, text) of every heading, and of every bold label that opens a line
    (level `_BOLD_LABEL_LEVEL`), in order."""
    marks: list[tuple[int, int, str]] = []
    for index, token in enumerate(tokens):
        if token.type == "heading_open" and token.map:
            marks.append((int(token.tag[1]), token.map[0], tokens[index + 1].content.strip()))
        elif token.type == "inline" and token.map and not (index and tokens[index - 1].type == "heading_open"):
            children = [child for child in token.children or [] if not (child.type == "text" and not child.content)]
            line, at_line_start = token.map[0], True
            for position, child in enumerate(children):
                if child.type in ("softbreak", "hardbreak"):
                    line, at_line_start = line + 1, True
                    continue
                if at_line_start and child.type in ("strong_open", "em_open") and _is_bold_label(children[position + 1 :]):
                    marks.append((_BOLD_LABEL_LEVEL, line, children[position + 1].content.strip()))
                at_line_start = False
    return marks


def _is_bold_label(rest: list) -> bool:
    """Emphasis that opens a line and labels it for staff: '**Intern:** ...', '**Intern**: ...'
    or '**Intern**' alone on its line (not '*intern* begeleider')."""
    if len(rest) < 2 or rest[0].type != "text" or not rest[1].type.endswith("_close") or not is_staff_label(rest[0].content):
        return False
    after = rest[2] if len(rest) > 2 else None
    return (
        rest[0].content.rstrip().endswith(":")
        or after is None
        or after.type in ("softbreak", "hardbreak")
        or (after.type == "text" and after.content.lstrip().startswith(":"))
    )


def _staff_lines(marks: list[tuple[int, int, str]], line_count: int) -> set[int]:
    """0-based lines under a staff label: from it to the next heading of the same or a higher level."""
    lines: set[int] = set()
    for position, (level, start, text) in enumerate(marks):
        if not is_staff_label(text):
            continue
        stop = next((line for other, line, _ in marks[position + 1 :] if other <= level and line > start), line_count)
        lines.update(range(start, stop))
    return lines


def without_staff_notes(markdown: str) -> str:
    """The Markdown with every staff label and the text under it blanked (the lines stay, so that
    line numbers stay right)."""
    lines = markdown.split("\n")
    hidden = _staff_lines(_outline(_markdown.parse(markdown)), len(lines))
    if not hidden:
        return markdown
    return "\n".join("" if number in hidden else line for number, line in enumerate(lines))


def markdown_to_text(markdown: str) -> str:
    """Render Markdown to plain text: paragraphs and list items on their own lines."""
    lines: list[str] = []
    list_depth = 0
    for token in _markdown.parse(markdown):
        if token.type in ("bullet_list_open", "ordered_list_open"):
            list_depth += 1
        elif token.type in ("bullet_list_close", "ordered_list_close"):
            list_depth -= 1
        elif token.type == "inline":
            parts = []
            for child in token.children or []:
                if child.type in ("text", "code_inline"):
                    parts.append(child.content)
                elif child.type in ("softbreak", "hardbreak"):
                    parts.append(" ")
            text = re.sub(r"\s+", " ", "".join(parts)).strip()
            if text:
                lines.append(f"- {text}" if list_depth else text)
        elif token.type in ("fence", "code_block"):
            lines.append(token.content.strip())
    return "\n".join(lines)


def parse_article(path: Path) -> ParseResult:
    """Parse one article file. Problems carry the file and 1-based line number. A file read
    before with the same bytes is not parsed again (a re-index reads every file), nor one whose
    parse was handed to `known_parses` (`kb.article_cache`)."""
    raw = path.read_bytes()
    if _known:
        known = _known.get((path.name, hashlib.sha256(raw).hexdigest()))
        if known is not None:
            return known if known.article is None or known.article.path == path else _moved(known, path)
    return _parse_bytes(path, raw)


_known: dict[tuple[str, str], ParseResult] = {}


def known_parses(results: dict[tuple[str, str], ParseResult]) -> None:
    """Parses made before, by (file name, sha256 of the file's bytes), for `parse_article` to
    return: a parse depends on the name and the bytes only, its path names the file. So a content
    folder that moved (a deploy into a new release folder) is not parsed again."""
    _known.update(results)


def _moved(result: ParseResult, path: Path) -> ParseResult:
    """`result`, made of the same bytes under another folder, with `path` where it names the file."""
    assert result.article is not None
    return ParseResult(replace(result.article, path=path), [replace(problem, path=path) for problem in result.problems])


@lru_cache(maxsize=4096)
def _parse_bytes(path: Path, raw: bytes) -> ParseResult:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return ParseResult(None, [Problem(path, 1, f"not valid UTF-8: {exc}")])
    return parse_article_text(text, path, content_hash=hashlib.sha256(raw).hexdigest())


def parse_article_text(text: str, path: Path, *, content_hash: str | None = None) -> ParseResult:
    """Parse an article from its text (e.g. unsaved in the editor); `path` names it in problems."""
    if content_hash is None:
        content_hash = hashlib.sha256(text.encode("utf-8")).hexdigest()
    text = text.replace("\r\n", "\n")
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        return ParseResult(None, [Problem(path, 1, "missing front matter: the file must start with '---'")])
    try:
        end = next(i for i in range(1, len(lines)) if lines[i].strip() == "---")
    except StopIteration:
        return ParseResult(None, [Problem(path, 1, "front matter is not closed with a '---' line")])

    front_matter = "\n".join(lines[1:end])
    body_offset = end + 1  # number of lines before the body
    body = "\n".join(lines[end + 1 :])
    problems: list[Problem] = []

    try:
        node = yaml_files.compose(front_matter)
        data = yaml_files.load(front_matter)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 2 if mark is not None else 1
        return ParseResult(None, [Problem(path, line, f"front matter is not valid YAML: {exc}")])
    if not isinstance(data, dict) or not isinstance(node, yaml.MappingNode):
        return ParseResult(None, [Problem(path, 2, "front matter must be a mapping of keys to values")])
    key_lines = {key.value: key.start_mark.line + 2 for key, _ in node.value}

    keys = list(data.keys())
    known = [key for key in keys if key in FRONT_MATTER_KEYS]
    if known != [key for key in FRONT_MATTER_KEYS if key in data]:
        problems.append(
            Problem(path, 2, f"front matter keys out of order; expected: {', '.join(FRONT_MATTER_KEYS)}", "warning")
        )

    meta: ArticleMeta | None = None
    try:
        meta = ArticleMeta.model_validate(data)
    except ValidationError as exc:
        for error in exc.errors():
            key = str(error["loc"][0]) if error["loc"] else ""
            where = ".".join(str(part) for part in error["loc"])
            message = "missing required key" if error["type"] == "missing" else error["msg"]
            problems.append(Problem(path, key_lines.get(key, 2), f"'{where}': {message}"))

    sections, section_problems = _split_sections(body, body_offset, path)
    problems.extend(section_problems)
    if meta is None:
        return ParseResult(None, problems)
    if path.stem != meta.id:
        problems.append(Problem(path, key_lines.get("id", 2), f"id '{meta.id}' must equal the file name '{path.stem}'"))
    article = Article(meta=meta, sections=sections, path=path, content_hash=content_hash, key_lines=key_lines)
    return ParseResult(article, problems)


def _split_sections(body: str, line_offset: int, path: Path) -> tuple[list[Section], list[Problem]]:
    """Split the body on `##` headings and check the fixed section structure. Text under a staff
    label in a public section is left out of that section (and reported)."""
    problems: list[Problem] = []
    body_lines = body.split("\n")
    marks = _outline(_markdown.parse(body))
    headings = [(level, line, text) for level, line, text in marks if level != _BOLD_LABEL_LEVEL]
    hidden = _staff_lines(marks, len(body_lines))
    public_lines = ["" if number in hidden else line for number, line in enumerate(body_lines)]

    sections: list[Section] = []
    first_h2 = next((line for level, line, _ in headings if level == 2), len(body_lines))
    if "\n".join(body_lines[:first_h2]).strip():
        problems.append(Problem(path, line_offset + 1, "text before the first '##' section"))
    h2 = [(line, text) for level, line, text in headings if level == 2]
    for level, line, _text in headings:
        if level == 1:
            problems.append(Problem(path, line_offset + line + 1, "no '#' title in the body: the title is in the front matter"))
    in_staff_section: set[int] = set()  # body lines under a `##` heading of staff notes
    for position, (line, heading) in enumerate(h2):
        stop = h2[position + 1][0] if position + 1 < len(h2) else len(body_lines)
        staff = is_staff_label(heading)
        if staff:
            in_staff_section.update(range(line + 1, stop))
        raw = (body_lines if staff else public_lines)[line + 1 : stop]
        leading_blank = next((i for i, text in enumerate(raw) if text.strip()), len(raw))
        markdown = "\n".join(raw).strip()
        sections.append(
            Section(
                heading=heading,
                markdown=markdown,
                line=line_offset + line + 1,
                markdown_line=line_offset + line + 2 + leading_blank,
            )
        )

    for level, line, text in marks:
        if not is_staff_label(text) or line in in_staff_section:
            continue
        where = line_offset + line + 1
        if level == 2 and text != STAFF_SECTION:
            problems.append(Problem(path, where, f"staff notes heading '## {text}': write it exactly as '## {STAFF_SECTION}'"))
        elif level != 2:
            label = f"**{text}**" if level == _BOLD_LABEL_LEVEL else f"{'#' * level} {text}"
            problems.append(Problem(
                path, where, f"staff notes under '{label}' are not allowed here: move them to the last section '## {STAFF_SECTION}'"
            ))

    allowed = (*PUBLIC_SECTIONS, STAFF_SECTION)
    seen: list[str] = []
    for section in sections:
        if section.is_staff_only and section.heading != STAFF_SECTION:
            continue  # a misspelt staff heading, reported above (and never public)
        if section.heading not in allowed:
            problems.append(Problem(path, section.line, f"unknown section '## {section.heading}'; allowed: {', '.join(allowed)}"))
        elif section.heading in seen:
            problems.append(Problem(path, section.line, f"section '## {section.heading}' appears twice"))
        else:
            seen.append(section.heading)
        if not section.markdown:
            problems.append(Problem(path, section.line, f"section '## {section.heading}' is empty"))
    for heading in PUBLIC_SECTIONS:
        if heading not in seen:
            problems.append(Problem(path, line_offset + 1, f"missing required section '## {heading}'"))
    expected_order = [heading for heading in allowed if heading in seen]
    if seen != expected_order:
        problems.append(Problem(path, line_offset + 1, f"sections out of order; expected: {', '.join(expected_order)}"))
    return sections, problems


def iter_article_paths(content_dir: Path) -> list[Path]:
    return sorted(path for path in content_dir.glob("*.md") if not path.name.startswith("_"))
