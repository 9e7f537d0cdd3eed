"""The changes file that services on one data folder share: numbered changes in order, each
service following only the others', a service that starts following what the store does not hold
yet, a bounded file, and changes that one missed (the file trimmed past it, or begun anew) taken
as a change of everything. Saves from several processes at once each
get a number of their own."""

from __future__ import annotations

import json
import multiprocessing
from pathlib import Path

import pytest

from search_api import index_changes
from search_api.index_changes import CHANGES_FILE, ChangeFollower, IndexChanges, articles_of


def test_a_service_follows_the_changes_of_the_others_only(tmp_path):
    first, second = IndexChanges(tmp_path, "first"), IndexChanges(tmp_path, "second")
    assert first.latest() == 0 and first.stamp() is None
    assert first.publish(["paspoort-aanvragen"]).generation == 1
    assert second.publish(["grofvuil-ophalen", "grofvuil-ophalen", "afval"]).article_ids == ("afval", "grofvuil-ophalen")
    assert first.publish(None).generation == 3

    mine, latest = first.from_others(0)
    assert [change.generation for change in mine] == [2] and latest == 3
    theirs, _ = second.from_others(0)
    assert [change.article_ids for change in theirs] == [("paspoort-aanvragen",), None]
    assert articles_of(theirs) is None  # a full re-index among them: everything
    assert articles_of(theirs[:1]) == ["paspoort-aanvragen"]
    assert second.from_others(3) == ([], 3)


def test_a_service_that_starts_follows_what_the_store_does_not_hold_yet(tmp_path):
    saving, starting = IndexChanges(tmp_path, "saving"), IndexChanges(tmp_path, "starting")
    written = saving.publish(["paspoort-aanvragen"], stored=False)
    on_its_way = saving.publish(["grofvuil-ophalen"], stored=False)
    saving.publish(["huurtoeslag"])
    saving.mark_stored(written.generation)
    assert [change.stored for change in saving.read()] == [True, False, True]
    wanted, latest = starting.from_others(starting.latest(), unstored_since=on_its_way.at)
    assert [change.article_ids for change in wanted] == [("grofvuil-ophalen",)] and latest == 3
    assert starting.from_others(3, unstored_since=on_its_way.at + 1) == ([], 3)  # longer ago: not again


def test_the_file_keeps_the_last_changes_and_a_missed_one_means_everything(tmp_path, monkeypatch):
    monkeypatch.setattr(index_changes, "KEPT", 3)
    writer, reader = IndexChanges(tmp_path, "writer"), IndexChanges(tmp_path, "reader")
    for number in range(5):
        writer.publish([f"artikel-{number}"])
    kept = json.loads((tmp_path / CHANGES_FILE).read_text(encoding="utf-8"))["changes"]
    assert [row["generation"] for row in kept] == [3, 4, 5]
    assert [change.article_ids for change in reader.from_others(2)[0]] == [("artikel-2",), ("artikel-3",), ("artikel-4",)]
    missed, latest = reader.from_others(1)  # generation 2 is no longer in the file
    assert [change.article_ids for change in missed] == [None] and latest == 5

    (tmp_path / CHANGES_FILE).unlink()  # begun anew (a restored data folder)
    writer.publish(["artikel-0"])
    assert [change.article_ids for change in reader.from_others(5)[0]] == [None]


def test_an_unreadable_file_is_written_anew(tmp_path, caplog):
    (tmp_path / CHANGES_FILE).write_text("{half", encoding="utf-8")
    changes = IndexChanges(tmp_path, "one")
    assert changes.read() == []
    assert "cannot be read" in caplog.text
    assert changes.publish(["a"]).generation == 1 and changes.latest() == 1


def test_the_follower_hands_over_what_changed_since_it_last_looked(tmp_path):
    mine, other = IndexChanges(tmp_path, "mine"), IndexChanges(tmp_path, "other")
    mine.publish(["eigen"])
    followed: list[list[str] | None] = []
    follower = ChangeFollower(mine, followed.append, after=mine.latest(), interval=0)
    follower.check()
    assert followed == []
    other.publish(["a"])
    other.publish(["b"])
    mine.publish(["eigen"])
    follower.check()
    assert followed == [["a", "b"]] and follower.seen == 4 and follower.followed == 2
    follower.check()  # nothing new
    assert followed == [["a", "b"]]


def test_a_follow_that_failed_is_tried_again_with_what_changed_meanwhile(tmp_path):
    mine, other = IndexChanges(tmp_path, "mine"), IndexChanges(tmp_path, "other")
    attempts: list[list[str] | None] = []

    def follow(article_ids: list[str] | None) -> None:
        attempts.append(article_ids)
        if len(attempts) == 1:
            raise OSError("the content folder is not there for a moment")

    follower = ChangeFollower(mine, follow, after=0, interval=0)
    other.publish(["a"])
    with pytest.raises(OSError):
        follower.check()
    assert follower.seen == 0 and follower.followed == 0
    other.publish(["b"])
    follower.check()
    assert attempts == [["a"], ["a", "b"]] and follower.seen == 2 and follower.followed == 2


def _publish_many(folder: str, origin: str, count: int) -> None:
    changes = IndexChanges(Path(folder), origin)
    for number in range(count):
        changes.publish([f"{origin}-{number}"])


@pytest.mark.slow
def test_processes_saving_at_once_each_get_a_number(tmp_path):
    context = multiprocessing.get_context("spawn")
    processes = [context.Process(target=_publish_many, args=(str(tmp_path), f"p{n}", 25)) for n in range(3)]
    for process in processes:
        process.start()
    for process in processes:
        process.join(timeout=120)
        assert process.exitcode == 0
    changes = IndexChanges(tmp_path, "reader").read()
    assert [change.generation for change in changes] == list(range(1, 76))
    assert sorted(change.article_ids[0] for change in changes if change.article_ids) == sorted(
        f"p{n}-{number}" for n in range(3) for number in range(25))
