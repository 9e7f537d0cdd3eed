"""Life events: the list file, the order of an event's articles, and what `kb validate` reports."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from typer.testing import CliRunner

from indexer.chunking import article_documents
from indexer.validate import validate_article_text, validate_knowledge_base
from kb.articles import parse_article, parse_article_text
from kb.cli import app
from kb.life_events import LifeEvent, LifeEventsError, event_articles, load_life_events
from kb.settings import Settings
from tests.conftest import SHIPPED_CONTENT
from tests.kb.test_articles import VALID

TODAY = dt.date(2026, 12, 1)
SHIPPED_LIST = SHIPPED_CONTENT.parent / "life_events.yaml"

LIST = """\
- id: verhuizen
  title: Verhuizen
  description: U gaat verhuizen in Voorbeeldstad.
  first:
    - tweede

- id: een-kind-krijgen
  title: Een kind krijgen
  description: U bent zwanger of u heeft net een baby gekregen.
"""


#: A main UPL product per test article (each product may be the main one of one article only)
PRODUCTS = ["verhuismelding", "geboorteaangifte", "huwelijksaangifte", "overlijdensaangifte", "identiteitskaart"]


def article_text(article_id: str, title: str, life_events: str | None, product: str = "paspoort") -> str:
    text = (
        VALID.replace("id: voorbeeld", f"id: {article_id}")
        .replace("title: Voorbeeld aanvragen", f"title: {title}")
        .replace("terms/paspoort\n", f"terms/{product}\n")
    )
    if life_events is not None:
        text = text.replace("audience: burger\n", f"audience: burger\nlife_events: {life_events}\n")
    return text


def knowledge_base(tmp_path: Path, articles: dict[str, tuple[str, str | None]], events: str = LIST) -> Settings:
    """A content folder with the given articles (id -> (title, life_events line)) and a list file."""
    content = tmp_path / "content"
    content.mkdir()
    for (article_id, (title, life_events)), product in zip(articles.items(), PRODUCTS, strict=False):
        (content / f"{article_id}.md").write_text(article_text(article_id, title, life_events, product), encoding="utf-8")
    list_file = tmp_path / "life_events.yaml"
    list_file.write_text(events, encoding="utf-8")
    return Settings(content_dir=content, life_events_file=list_file, data_dir=tmp_path / "data")


def load_problems(tmp_path: Path, text: str) -> list[tuple[int, str]]:
    path = tmp_path / "life_events.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(LifeEventsError) as caught:
        load_life_events(path)
    assert all(problem.path == path and problem.severity == "error" for problem in caught.value.problems)
    return [(problem.line, problem.message) for problem in caught.value.problems]


def test_the_list_loads_in_file_order_with_lines(tmp_path):
    path = tmp_path / "life_events.yaml"
    path.write_text(LIST, encoding="utf-8")
    events = load_life_events(path)
    assert [event.id for event in events] == ["verhuizen", "een-kind-krijgen"]
    assert events[0].title == "Verhuizen" and events[0].first == ["tweede"]
    assert (events[0].line, events[0].first_line(0)) == (1, 5)
    assert (events[1].line, events[1].first) == (7, [])


def test_a_bad_list_is_reported_with_file_and_line(tmp_path):
    assert load_problems(tmp_path, "- id: verhuizen\n  title: Verhuizen\n  description: [open\n")[0][0] == 4
    assert load_problems(tmp_path, "verhuizen: Verhuizen\n") == [(1, "the file must be a list of life events ('- id: ...')")]
    assert load_problems(tmp_path, LIST.replace("  description: U bent zwanger", "  omschrijving: U bent zwanger")) == [
        (7, "'description': missing required key"),
        (9, "'omschrijving': Extra inputs are not permitted"),
    ]
    assert load_problems(tmp_path, LIST.replace("id: een-kind-krijgen", "id: Een kind")) == [
        (7, "'id': String should match pattern '^[a-z0-9]+(?:-[a-z0-9]+)*$'")
    ]
    assert load_problems(tmp_path, LIST.replace("id: een-kind-krijgen", "id: verhuizen")) == [
        (7, "duplicate life event 'verhuizen', also on line 1")
    ]
    assert load_problems(tmp_path, LIST.replace("    - tweede\n", "    - tweede\n    - tweede\n")) == [
        (6, "'first' of life event 'verhuizen' names 'tweede' twice")
    ]
    missing = tmp_path / "nergens.yaml"
    with pytest.raises(LifeEventsError, match="cannot read the list of life events"):
        load_life_events(missing)


def test_an_events_articles_come_first_in_its_order_then_by_title(tmp_path):
    settings = knowledge_base(
        tmp_path,
        {
            "a": ("Zwemles", "[verhuizen]"),
            "b": ("Één adres", "[een-kind-krijgen, verhuizen]"),
            "c": ("afval", "verhuizen"),  # a single event may be written without brackets
            "d": ("Bouwen", "[een-kind-krijgen]"),
            "e": ("Alles", None),
        },
    )
    articles = [parse_article(path).article for path in sorted(settings.content_dir.glob("*.md"))]
    event = LifeEvent(id="verhuizen", title="Verhuizen", description="U gaat verhuizen.", first=["a", "d"])
    # 'd' is in `first` but does not name the event: it is not listed (kb validate reports it)
    assert [article.id for article in event_articles(event, articles)] == ["a", "c", "b"]
    event.first = []
    assert [article.id for article in event_articles(event, articles)] == ["c", "b", "a"]


def test_an_unknown_life_event_is_an_error_with_file_and_line(tmp_path):
    settings = knowledge_base(tmp_path, {"tweede": ("Tweede", "[verhuizen, verhuisen]"), "derde": ("Derde", "[een-kind-krijgen]")})
    report = validate_knowledge_base(settings, today=TODAY)
    path = settings.content_dir / "tweede.md"
    assert [str(problem) for problem in report.errors] == [f"{path}:13: error: unknown life event 'verhuisen' (see kb/life_events.yaml)"]
    assert [article.id for article in report.articles] == ["derde"]
    _, problems = validate_article_text(path.read_text(encoding="utf-8"), path, settings, others=[], today=TODAY)
    assert [(problem.line, problem.message) for problem in problems if problem.severity == "error"] == [
        (13, "unknown life event 'verhuisen' (see kb/life_events.yaml)")
    ]


def test_the_list_is_checked_against_the_articles(tmp_path):
    events = LIST.replace("    - tweede\n", "    - tweede\n    - derde\n    - weg\n")
    settings = knowledge_base(tmp_path, {"tweede": ("Tweede", "[verhuizen]"), "derde": ("Derde", None)}, events)
    assert validate_knowledge_base(settings, today=TODAY).errors == []  # a folder with only some articles
    report = validate_knowledge_base(settings, today=TODAY, life_event_list=True)
    assert [(problem.path, problem.line, problem.message) for problem in report.errors] == [
        (settings.life_events_file, 6, "'first' of life event 'verhuizen' names 'derde', whose 'life_events' do not include 'verhuizen'"),
        (settings.life_events_file, 7, "'first' of life event 'verhuizen' names unknown article 'weg'"),
        (
            settings.life_events_file,
            9,
            "life event 'een-kind-krijgen' has no articles: name it in the 'life_events' of at least one article",
        ),
    ]
    assert [article.id for article in report.articles] == ["derde", "tweede"]  # the articles stay valid


def test_kb_validate_names_the_list_file_and_line(tmp_path, monkeypatch):
    settings = knowledge_base(tmp_path, {"tweede": ("Tweede", "[verhuizen, een-kind-krijgen]")}, LIST.replace("- tweede", "- tweeede"))
    monkeypatch.setenv("KB_CONTENT_DIR", str(settings.content_dir))
    monkeypatch.setenv("KB_LIFE_EVENTS_FILE", str(settings.life_events_file))
    from kb.settings import get_settings

    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(app, ["validate", "--quiet"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 1
    assert f"{settings.life_events_file}:5: error: 'first' of life event 'verhuizen' names unknown article 'tweeede'" in result.output.replace("\n", "")


def test_a_broken_list_fails_validation_but_not_the_articles(tmp_path):
    settings = knowledge_base(tmp_path, {"tweede": ("Tweede", "[verhuizen]")}, "- id: verhuizen\n  title: [\n")
    report = validate_knowledge_base(settings, today=TODAY)
    assert [problem.path for problem in report.errors] == [settings.life_events_file]
    assert [article.id for article in report.articles] == ["tweede"]


def test_life_events_belong_after_audience_in_the_front_matter(tmp_path):
    in_order = parse_article_text(article_text("voorbeeld", "Voorbeeld", "[verhuizen]"), tmp_path / "voorbeeld.md")
    assert in_order.problems == [] and in_order.article.meta.life_events == ["verhuizen"]
    moved = VALID.replace("id: voorbeeld\n", "id: voorbeeld\nlife_events: [verhuizen]\n")
    problems = parse_article_text(moved, tmp_path / "voorbeeld.md").problems
    assert [problem.message for problem in problems] == [
        "front matter keys out of order; expected: id, title, department, upl, questions, english_questions, "
        "keywords, audience, life_events, owner, reviewed"
    ]
    empty = parse_article_text(article_text("voorbeeld", "Voorbeeld", "[verhuizen, '']"), tmp_path / "voorbeeld.md")
    assert [(problem.line, problem.message) for problem in empty.problems] == [(13, "'life_events': Value error, empty item in list")]


def test_life_events_are_not_indexed(tmp_path):
    plain = parse_article_text(VALID, tmp_path / "voorbeeld.md").article
    tagged = parse_article_text(article_text("voorbeeld", "Voorbeeld aanvragen", "[verhuizen]"), tmp_path / "voorbeeld.md").article
    assert [(d.id, d.content, d.meta) for d in article_documents(plain, "x")] == [
        (d.id, d.content, d.meta) for d in article_documents(tagged, "x")
    ]


def test_shipped_life_events_are_consistent_with_the_articles():
    events = load_life_events(SHIPPED_LIST)
    assert 10 <= len(events) <= 14
    articles = validate_knowledge_base(Settings(content_dir=SHIPPED_CONTENT, life_events_file=SHIPPED_LIST)).articles
    known = {event.id for event in events}
    assert {event_id for article in articles for event_id in article.meta.life_events} == known
    for event in events:
        listed = event_articles(event, articles)
        assert len(listed) >= 3, event.id
        assert [article.id for article in listed[: len(event.first)]] == event.first
    report = validate_knowledge_base(Settings(content_dir=SHIPPED_CONTENT, life_events_file=SHIPPED_LIST), life_event_list=True)
    assert report.errors == [], "\n".join(map(str, report.errors))
