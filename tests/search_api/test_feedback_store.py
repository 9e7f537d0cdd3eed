"""The feedback files: append-only, grouped for the editors, robust to a half-written line."""

import json

from search_api.feedback_store import FeedbackStore


def test_unanswered_searches_are_grouped_most_asked_first(tmp_path):
    store = FeedbackStore(tmp_path)
    for query in ["recept appeltaart", "Recept  appeltaart", "hondenuitlaatservice", "recept appeltaart"]:
        store.add_unanswered(query=query, status="off_topic", language="nl", top_article=None)
    rows = store.unanswered()
    assert [(row["query"], row["count"]) for row in rows] == [("recept appeltaart", 3), ("hondenuitlaatservice", 1)]
    assert rows[0]["first_seen"] <= rows[0]["last_seen"]


def test_feedback_per_article_puts_complaints_first(tmp_path):
    store = FeedbackStore(tmp_path)
    for article_id, helpful in [("paspoort-aanvragen", True), ("grofvuil", False), ("grofvuil", False), ("grofvuil", True)]:
        store.add_feedback(query="q", article_id=article_id, department_id=None, helpful=helpful, comment=None, channel="web")
    assert store.feedback_per_article() == [
        {"article_id": "grofvuil", "helpful": 1, "not_helpful": 2},
        {"article_id": "paspoort-aanvragen", "helpful": 1, "not_helpful": 0},
    ]
    assert len(store.feedback()) == 4


def test_a_half_written_line_loses_nothing_else(tmp_path):
    store = FeedbackStore(tmp_path)
    store.add_feedback(query="eerste", article_id=None, department_id=None, helpful=True, comment=None, channel="web")
    with store.feedback_file.open("a", encoding="utf-8") as handle:
        handle.write('{"time": "2026-11-24T0')  # a crash mid-write
    store.add_feedback(query="derde", article_id=None, department_id=None, helpful=False, comment="bsn 123456782", channel="staff")
    records = store.feedback()
    assert [r["query"] for r in records] == ["derde", "eerste"]
    assert records[0]["comment"] == "bsn [bsn]"


def test_records_older_than_the_retention_period_are_deleted(tmp_path):
    store = FeedbackStore(tmp_path, retention_days=90)
    old = {"time": "2020-01-01T00:00:00+00:00", "query": "oud", "status": "off_topic", "language": "nl", "top_article": None}
    store.unanswered_file.write_text(json.dumps(old) + "\n", encoding="utf-8")
    store.add_unanswered(query="nieuw", status="off_topic", language="nl", top_article=None)
    store.purge()
    assert "oud" not in store.unanswered_file.read_text(encoding="utf-8")
    assert [row["query"] for row in store.unanswered()] == ["nieuw"]
