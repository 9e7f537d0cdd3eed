"""Checks over the whole knowledge base (what `kb validate` runs).

Per-file structure is checked while parsing (`kb.articles.parse_article`); this module adds
the checks that need reference data or other articles: department ids, UPL URIs, duplicate
ids, links between articles (a broken link is a warning: the article stays valid and indexed),
review dates, UPL products claimed by several articles, life events, and plain-language (B1)
warnings from `indexer.readability`.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path

from indexer.readability import Readability, ReadabilitySummary, check_readability, load_jargon, summarise
from kb.articles import Article, Problem, iter_article_paths, parse_article, parse_article_text
from kb.departments import Department, load_departments
from kb.life_events import LifeEvent, LifeEventsError, load_life_events
from kb.settings import Settings
from kb.upl import load_upl

_LINK = re.compile(r"\]\(([^)\s]+?)\.md(?:#[^)]*)?\)")
REVIEW_MAX_AGE = dt.timedelta(days=365)


@dataclass
class ValidationReport:
    articles: list[Article] = field(default_factory=list)  # articles without errors
    problems: list[Problem] = field(default_factory=list)
    files_checked: int = 0
    readability: list[Readability] = field(default_factory=list)

    @property
    def readability_summary(self) -> ReadabilitySummary | None:
        return summarise(self.readability)

    @property
    def errors(self) -> list[Problem]:
        return [problem for problem in self.problems if problem.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [problem for problem in self.problems if problem.severity == "warning"]

    @property
    def invalid_ids(self) -> set[str]:
        """Ids (file names) of articles with errors: their indexed version is kept, not removed."""
        return {problem.path.stem for problem in self.errors}

    @property
    def ok(self) -> bool:
        return not self.errors


def validate_article(
    article: Article,
    departments: dict[str, Department],
    upl_uris: set[str],
    known_ids: set[str],
    today: dt.date,
    life_event_ids: set[str] | None = None,
) -> list[Problem]:
    """Reference checks for one parsed article (its life events only when `life_event_ids` is given)."""
    problems: list[Problem] = []
    meta, path, lines = article.meta, article.path, article.key_lines
    for event_id in meta.life_events:
        if life_event_ids is not None and event_id not in life_event_ids:
            problems.append(Problem(path, lines.get("life_events", 2), f"unknown life event '{event_id}' (see kb/life_events.yaml)"))
    if meta.department not in departments:
        problems.append(Problem(path, lines.get("department", 2), f"unknown department '{meta.department}' (see kb/departments.yaml)"))
    for uri in meta.upl:
        if uri not in upl_uris:
            problems.append(Problem(path, lines.get("upl", 2), f"UPL URI not in the UPL list: {uri}"))
    if today - meta.reviewed > REVIEW_MAX_AGE:
        problems.append(Problem(path, lines.get("reviewed", 2), f"last reviewed {meta.reviewed}, more than a year ago", "warning"))
    if meta.reviewed > today:
        problems.append(Problem(path, lines.get("reviewed", 2), f"review date {meta.reviewed} is in the future"))
    for section in article.sections:
        for offset, line_text in enumerate(section.markdown.split("\n")):
            for target in _LINK.findall(line_text):
                if "/" not in target and target not in known_ids:
                    problems.append(
                        Problem(path, section.markdown_line + offset, f"link to unknown article '{target}.md'", "warning")
                    )
    return problems


def check_shared_upl(articles: list[Article]) -> list[Problem]:
    """A UPL product may appear in several articles, but exactly one of them must say it is the
    main article for it, by listing that URI first in its `upl`."""
    claims: dict[str, list[tuple[Article, int]]] = {}
    for article in articles:
        for position, uri in enumerate(dict.fromkeys(article.meta.upl)):
            claims.setdefault(uri, []).append((article, position))
    problems: list[Problem] = []
    for uri, holders in claims.items():
        if len(holders) < 2:
            continue
        mains = [article for article, position in holders if position == 0]
        names = ", ".join(sorted(article.id for article, _ in holders))
        if len(mains) == 1:
            continue
        if not mains:
            message = f"UPL URI {uri} is used by {names} but is no article's main product: list it first in exactly one of them"
        else:
            message = f"UPL URI {uri} is the main (first) product of {len(mains)} articles ({', '.join(sorted(a.id for a in mains))}): only one may list it first"
        for article, _ in holders:
            problems.append(Problem(article.path, article.key_lines.get("upl", 2), message))
    return problems


def load_life_event_list(settings: Settings) -> tuple[list[LifeEvent] | None, list[Problem]]:
    """The life events, or None and the list file's problems when it cannot be used."""
    try:
        return load_life_events(settings.life_events_file), []
    except LifeEventsError as exc:
        return None, exc.problems


def check_life_event_list(events: list[LifeEvent], articles: list[Article], path: Path) -> list[Problem]:
    """The list file against the articles: every event has articles, and every id in an event's
    `first` is an article that names that event. Problems name the list file and line."""
    by_id = {article.id: article for article in articles}
    problems: list[Problem] = []
    for event in events:
        if not any(event.id in article.meta.life_events for article in articles):
            problems.append(Problem(path, event.line, f"life event '{event.id}' has no articles: name it in the 'life_events' of at least one article"))
        for position, article_id in enumerate(event.first):
            line = event.first_line(position)
            if article_id not in by_id:
                problems.append(Problem(path, line, f"'first' of life event '{event.id}' names unknown article '{article_id}'"))
            elif event.id not in by_id[article_id].meta.life_events:
                problems.append(Problem(path, line, f"'first' of life event '{event.id}' names '{article_id}', whose 'life_events' do not include '{event.id}'"))
    return problems


def validate_knowledge_base(
    settings: Settings, *, today: dt.date | None = None, life_event_list: bool = False, readability: bool = True,
) -> ValidationReport:
    """Parse and check every article in the content directory. With `life_event_list`, also
    check the list of life events against the articles (`kb validate` does; a content folder
    that holds only some of the articles would fail it). Without `readability`, the B1 checks
    (warnings only, never a reason to leave an article out) are skipped."""
    today = today or dt.date.today()
    departments = load_departments(settings.departments_file)
    upl_uris = set(load_upl(settings.upl_file))
    report = ValidationReport()
    life_events, list_problems = load_life_event_list(settings)
    report.problems.extend(list_problems)
    life_event_ids = {event.id for event in life_events} if life_events is not None else None
    parsed: list[Article] = []
    for path in iter_article_paths(settings.content_dir):
        report.files_checked += 1
        result = parse_article(path)
        report.problems.extend(result.problems)
        if result.article is not None:
            parsed.append(result.article)

    first_seen: dict[str, Path] = {}
    duplicates: set[int] = set()
    for index, article in enumerate(parsed):
        if article.id in first_seen:
            duplicates.add(index)
            report.problems.append(Problem(article.path, article.key_lines.get("id", 2), f"duplicate id '{article.id}', also in {first_seen[article.id]}"))
        else:
            first_seen[article.id] = article.path

    known_ids = set(first_seen)
    jargon = load_jargon(settings.jargon_file)
    report.problems.extend(check_shared_upl(parsed))
    if life_event_list and life_events is not None:
        report.problems.extend(check_life_event_list(life_events, parsed, settings.life_events_file))
    file_errors = {problem.path for problem in report.errors}
    for index, article in enumerate(parsed):
        problems = validate_article(article, departments, upl_uris, known_ids, today, life_event_ids)
        if readability:
            scores, readability_problems = check_readability(article, jargon)
            report.readability.append(scores)
            problems.extend(readability_problems)
        report.problems.extend(problems)
        has_error = article.path in file_errors or any(problem.severity == "error" for problem in problems)
        if not has_error and index not in duplicates:
            report.articles.append(article)
    report.problems.sort(key=lambda problem: (str(problem.path), problem.line))
    return report


def validate_article_text(
    text: str, path: Path, settings: Settings, *, others: list[Article] | None = None, today: dt.date | None = None
) -> tuple[Article | None, list[Problem]]:
    """All checks for one article as typed in the editor, before it is saved: its structure,
    references, B1 language, and the rules that involve the other articles (duplicate id, UPL
    main products, links). `others` are the knowledge base's valid articles (loaded if None)."""
    today = today or dt.date.today()
    if others is None:
        others = validate_knowledge_base(settings, today=today, readability=False).articles
    others = [article for article in others if article.path.name != path.name]
    result = parse_article_text(text, path)
    problems = list(result.problems)
    article = result.article
    if article is None:
        return None, problems
    if any(other.id == article.id for other in others):
        problems.append(Problem(path, article.key_lines.get("id", 2), f"duplicate id '{article.id}': another article already uses it"))
    known_ids = {other.id for other in others} | {article.id}
    life_events, list_problems = load_life_event_list(settings)
    problems.extend(list_problems)
    life_event_ids = {event.id for event in life_events} if life_events is not None else None
    problems.extend(
        validate_article(
            article, load_departments(settings.departments_file), set(load_upl(settings.upl_file)), known_ids, today, life_event_ids
        )
    )
    problems.extend(problem for problem in check_shared_upl([*others, article]) if problem.path == path)
    problems.extend(check_readability(article, load_jargon(settings.jargon_file))[1])
    problems.sort(key=lambda problem: problem.line)
    return article, problems
