"""The editors' digest (`kb digest`) on both databases: volumes and outcomes against the period
before, the gaps (new and growing), the articles with the most "niet nuttig" with their remarks,
the articles due for review; Markdown and HTML; the command with its dates."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date, datetime, timedelta

from sqlalchemy import insert

from indexer.validate import validate_knowledge_base
from kb.settings import PROJECT_DIR
from search_api.storage.db import open_database
from search_api.storage.digest import Period, build_digest, render_html, render_markdown
from search_api.storage.models import Feedback, Search

WEEK = Period(date(2026, 11, 30), date(2026, 12, 6))
BEFORE = date(2026, 11, 25)  # a day of the week before
NOW = date(2026, 12, 2)


def searches(day: date, question: str, outcome: str, n: int, start: int) -> list[dict]:
    moment = datetime.combine(day, datetime.min.time()) + timedelta(hours=10)
    return [{"search_id": f"{start + i:032d}", "time": moment, "query": question, "normalized": question.lower(),
             "outcome": outcome, "channel": "page"} for i in range(n)]


def fill(engine) -> None:
    rows = (
        searches(NOW, "paspoort aanvragen", "routed", 6, 0)
        + searches(NOW, "Visvergunning", "off_topic", 3, 100)  # new gap
        + searches(NOW, "parkeren bij de markt", "ambiguous", 1, 200)
        + searches(BEFORE, "parkeren bij de markt", "ambiguous", 1, 300)
        + searches(NOW, "hondenbelasting kwijtschelding", "no_results", 2, 400)  # growing gap
        + searches(BEFORE, "hondenbelasting kwijtschelding", "no_results", 1, 500)
        + searches(BEFORE, "paspoort aanvragen", "routed", 2, 600)
    )
    with engine.begin() as connection:
        connection.execute(insert(Search), rows)
        moment = datetime.combine(NOW, datetime.min.time())
        connection.execute(insert(Feedback), [
            {"time": moment, "query": "paspoort aanvragen", "article_id": "paspoort-aanvragen", "helpful": False,
             "comment": "De prijs staat er niet bij", "channel": "web", "search_id": f"{0:032d}"},
            {"time": moment, "query": "paspoort aanvragen", "article_id": "paspoort-aanvragen", "helpful": True,
             "comment": None, "channel": "web", "search_id": f"{1:032d}"},
        ])


def test_the_digest_of_a_week(log_settings):
    engine = open_database(log_settings)
    try:
        fill(engine)
        articles = validate_knowledge_base(log_settings).articles
        digest = build_digest(engine, WEEK, articles)
    finally:
        engine.dispose()
    assert (digest.searches, digest.searches_before) == (12, 4)
    assert digest.outcomes["routed"] == 0.5 and digest.outcomes["off_topic"] == 0.25
    assert digest.outcomes_before["no_results"] == 0.25
    gaps = {gap.question.lower(): gap for gap in digest.gaps}
    assert set(gaps) == {"visvergunning", "hondenbelasting kwijtschelding"}  # paspoort: one of six not useful
    assert (gaps["visvergunning"].count, gaps["visvergunning"].trend) == (3, "nieuw")
    assert (gaps["hondenbelasting kwijtschelding"].before, gaps["hondenbelasting kwijtschelding"].trend) == (1, "groeit")
    assert [entry["article_id"] for entry in digest.negative] == ["paspoort-aanvragen"]
    assert digest.negative[0]["remarks"] == ["De prijs staat er niet bij"]
    assert all(reviewed < WEEK.until - timedelta(days=365) for _, _, reviewed in digest.review_due)

    text = render_markdown(digest)
    assert text.startswith("# Zoekoverzicht 30 november 2026 tot en met 6 december 2026")
    assert "**12 zoekvragen** (7 dagen); de periode ervoor: 4." in text
    assert "| \"geen informatie\" | 25% | 0% | +25 punten |" in text
    assert "| Visvergunning | 3 | 3 | 0 | 0 | nieuw |" in text
    assert "\"De prijs staat er niet bij\"" in text
    page = render_html(digest)
    assert page.startswith("<!doctype html>") and '<html lang="nl">' in page and "<table>" in page


def test_questions_cannot_inject_markup_into_the_digest(log_settings):
    engine = open_database(log_settings)
    try:
        with engine.begin() as connection:
            connection.execute(insert(Search), searches(NOW, "<script>x</script> | kolom", "off_topic", 2, 0))
        digest = build_digest(engine, WEEK, [])
    finally:
        engine.dispose()
    page = render_html(digest)
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert "<td>&lt;script&gt;x&lt;/script&gt; / kolom</td>" in page  # a pipe does not split the table cell


def kb(*args: str, tmp_path) -> subprocess.CompletedProcess:
    environment = {**os.environ, "PYTHONPATH": str(PROJECT_DIR), "KB_DATA_DIR": str(tmp_path), "COLUMNS": "200"}
    return subprocess.run([sys.executable, "-m", "kb.cli", "digest", *args], env=environment, capture_output=True,
                          text=True, timeout=300)


def test_the_command_writes_markdown_and_html_and_names_a_bad_date(tmp_path):
    markdown, html = tmp_path / "overzicht.md", tmp_path / "overzicht.html"
    done = kb("--since", "2026-11-30", "--until", "2026-12-06", "--output", str(markdown), "--html", str(html),
              tmp_path=tmp_path / "data")
    assert done.returncode == 0, done.stderr
    assert markdown.read_text(encoding="utf-8").startswith("# Zoekoverzicht 30 november 2026")
    assert "**0 zoekvragen**" in markdown.read_text(encoding="utf-8")
    assert html.read_text(encoding="utf-8").startswith("<!doctype html>")
    for args, reason in ((("--since", "30-11-2026"), "--since 30-11-2026: not a date such as 2026-12-01"),
                         (("--since", "2026-12-07", "--until", "2026-12-06"), "is after --until")):
        refused = kb(*args, tmp_path=tmp_path / "data")
        assert refused.returncode == 2 and reason in refused.stderr and "Traceback" not in refused.stderr
