"""The editors' digest of the search log (`kb digest`): for a period, against the period of the same
length before it,

- how many searches, and how they ended (routed, "bedoelt u", "geen informatie", nothing found);
- the gaps: questions (by their normalised form) that found nothing or got "geen informatie", or
  whose answer was called not useful, most asked first, marked new or growing;
- the articles with the most "niet nuttig", with the remarks;
- the articles whose last review is more than `REVIEW_MONTHS` ago.

Markdown for a mail or the wiki, HTML for a browser (the Markdown rendered with raw HTML off)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from markdown_it import MarkdownIt
from sqlalchemy import Engine, case, func, select

from kb.articles import Article
from kb.text import dutch_date
from search_api.storage.models import Feedback, Search
from search_api.storage.search_log import FAILED

OUTCOMES = {"routed": "doorverwezen", "ambiguous": "\"bedoelt u\"", "off_topic": "\"geen informatie\"",
            "no_results": "niets gevonden"}
GAPS = 15  # rows of the gaps table
NEGATIVE = 10  # articles with the most "niet nuttig"
REVIEW_MONTHS = 12


@dataclass
class Period:
    since: date
    until: date  # both included

    @property
    def days(self) -> int:
        return (self.until - self.since).days + 1

    def before(self) -> Period:
        return Period(self.since - timedelta(days=self.days), self.since - timedelta(days=1))

    def bounds(self) -> tuple[datetime, datetime]:
        return datetime.combine(self.since, datetime.min.time()), datetime.combine(self.until, datetime.max.time())


@dataclass
class Gap:
    question: str  # one of its wordings
    count: int
    before: int  # asked in the period before
    failed: int  # found nothing or "geen informatie"
    not_helpful: int

    @property
    def trend(self) -> str:
        if not self.before:
            return "nieuw"
        return "groeit" if self.count > self.before else ""


@dataclass
class Digest:
    period: Period
    searches: int
    searches_before: int
    outcomes: dict[str, float]  # share per outcome
    outcomes_before: dict[str, float]
    gaps: list[Gap] = field(default_factory=list)
    negative: list[dict] = field(default_factory=list)  # article_id, title, not_helpful, helpful, remarks
    review_due: list[tuple[str, str, date]] = field(default_factory=list)  # article id, title, reviewed


def build_digest(engine: Engine, period: Period, articles: Iterable[Article]) -> Digest:
    by_id = {article.id: article for article in articles}
    with engine.connect() as connection:
        searches, outcomes = _volumes(connection, period)
        searches_before, outcomes_before = _volumes(connection, period.before())
        gaps = _gaps(connection, period)
        negative = _negative(connection, period, by_id)
    limit = period.until - timedelta(days=round(REVIEW_MONTHS * 30.44))
    due = sorted((article.meta.reviewed, article.id, article.meta.title) for article in by_id.values()
                 if article.meta.reviewed < limit)
    return Digest(period, searches, searches_before, outcomes, outcomes_before, gaps, negative,
                  [(article_id, title, reviewed) for reviewed, article_id, title in due])


def _volumes(connection, period: Period) -> tuple[int, dict[str, float]]:
    start, end = period.bounds()
    rows = connection.execute(
        select(Search.outcome, func.count()).where(Search.time.between(start, end)).group_by(Search.outcome)
    ).all()
    counts = {outcome: count for outcome, count in rows}
    total = sum(counts.values())
    return total, {outcome: (counts.get(outcome, 0) / total if total else 0.0) for outcome in OUTCOMES}


def _gaps(connection, period: Period) -> list[Gap]:
    start, end = period.bounds()
    before_start, before_end = period.before().bounds()
    not_helpful = (
        select(Feedback.search_id).where(Feedback.helpful.is_(False), Feedback.search_id.is_not(None)).subquery()
    )
    in_period = Search.time.between(start, end)
    rows = connection.execute(
        select(
            Search.normalized,
            func.max(Search.query),
            func.sum(case((in_period, 1), else_=0)).label("count"),
            func.sum(case((Search.time.between(before_start, before_end), 1), else_=0)),
            func.sum(case((in_period & Search.outcome.in_(FAILED), 1), else_=0)).label("failed"),
            func.sum(case((in_period & Search.search_id.in_(select(not_helpful.c.search_id)), 1), else_=0)).label("bad"),
        )
        .where(Search.time.between(before_start, end))
        .group_by(Search.normalized)
    ).all()
    gaps = [Gap(query, count, before, failed, bad) for _, query, count, before, failed, bad in rows
            if count and (failed + bad) * 2 >= count]  # most of its searches went wrong
    return sorted(gaps, key=lambda gap: (-gap.count, gap.question))[:GAPS]


def _negative(connection, period: Period, articles: dict[str, Article]) -> list[dict]:
    start, end = period.bounds()
    rows = connection.execute(
        select(Feedback.article_id, Feedback.helpful, Feedback.comment)
        .where(Feedback.time.between(start, end), Feedback.article_id.is_not(None))
        .order_by(Feedback.time)
    ).all()
    per_article: dict[str, dict] = {}
    for article_id, helpful, comment in rows:
        entry = per_article.setdefault(article_id, {
            "article_id": article_id, "title": articles[article_id].meta.title if article_id in articles else article_id,
            "helpful": 0, "not_helpful": 0, "remarks": [],
        })
        entry["helpful" if helpful else "not_helpful"] += 1
        if comment and not helpful:
            entry["remarks"].append(comment)
    ranked = [entry for entry in per_article.values() if entry["not_helpful"]]
    return sorted(ranked, key=lambda entry: (-entry["not_helpful"], entry["title"]))[:NEGATIVE]



def _cell(text: str) -> str:
    return " ".join(text.replace("|", "/").split())


def _points(now: float, before: float) -> str:
    change = round((now - before) * 100)
    return f"{change:+d} punt" + ("en" if abs(change) != 1 else "")


def render_markdown(digest: Digest) -> str:
    period = digest.period
    lines = [
        f"# Zoekoverzicht {dutch_date(period.since)} tot en met {dutch_date(period.until)}",
        "",
        f"**{digest.searches:,} zoekvragen** ({period.days} dagen); de periode ervoor: {digest.searches_before:,}.".replace(",", "."),
        "",
        "## Hoe de zoekvragen afliepen",
        "",
        "| uitkomst | deze periode | ervoor | verschil |",
        "|---|---|---|---|",
    ]
    for outcome, label in OUTCOMES.items():
        now, before = digest.outcomes[outcome], digest.outcomes_before[outcome]
        lines.append(f"| {label} | {now:.0%} | {before:.0%} | {_points(now, before)} |")
    lines += ["", "## Waar informatie ontbreekt", ""]
    if digest.gaps:
        lines += [
            "Vragen die meestal niets vonden, \"geen informatie\" kregen of een antwoord dat niet nuttig was. "
            "Meest gesteld eerst.",
            "",
            "| vraag | keer | niets of geen informatie | niet nuttig | ervoor | |",
            "|---|---|---|---|---|---|",
        ]
        lines += [f"| {_cell(gap.question)} | {gap.count} | {gap.failed} | {gap.not_helpful} | {gap.before} | {gap.trend} |"
                  for gap in digest.gaps]
    else:
        lines.append("Geen: elke vraag die vaker werd gesteld, vond een antwoord.")
    lines += ["", "## Artikelen met de meeste reacties 'niet nuttig'", ""]
    if digest.negative:
        for entry in digest.negative:
            lines.append(f"- **{_cell(entry['title'])}** (`{entry['article_id']}`): {entry['not_helpful']} keer niet nuttig, "
                         f"{entry['helpful']} keer nuttig")
            lines += [f"  - \"{_cell(remark)}\"" for remark in entry["remarks"][:5]]
    else:
        lines.append("Geen.")
    lines += ["", f"## Artikelen die langer dan {REVIEW_MONTHS} maanden niet zijn nagekeken", ""]
    if digest.review_due:
        lines += [f"- {_cell(title)} (`{article_id}`), nagekeken op {dutch_date(reviewed)}"
                  for article_id, title, reviewed in digest.review_due]
    else:
        lines.append("Geen.")
    return "\n".join(lines) + "\n"


def render_html(digest: Digest) -> str:
    body = MarkdownIt("commonmark", {"html": False}).enable("table").render(render_markdown(digest))
    return (
        '<!doctype html>\n<html lang="nl">\n<head>\n<meta charset="utf-8">\n'
        f"<title>Zoekoverzicht {dutch_date(digest.period.since)} tot en met {dutch_date(digest.period.until)}</title>\n"
        "</head>\n<body>\n" + body + "</body>\n</html>\n"
    )
