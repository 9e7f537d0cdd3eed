"""Which stored chunks searches use: per article its newest complete version, never a mix of two
versions and never an incomplete one (pure logic over documents as the store returns them)."""

from haystack import Document

from indexer.indexing import CHUNKS, INDEXED_AT, served_documents, stored_versions

OLD, NEW = "2026-12-01T10:00:00.000000+00:00", "2026-12-06T10:00:00.000000+00:00"


def chunks(article_id: str, fingerprint: str, numbers, total: int | None, indexed_at: str | None) -> list[Document]:
    meta = {"article_id": article_id, "fingerprint": fingerprint}
    if total is not None:
        meta[CHUNKS] = total
    if indexed_at is not None:
        meta[INDEXED_AT] = indexed_at
    return [Document(id=f"{article_id}:{fingerprint}:{n}", content="", meta=dict(meta)) for n in numbers]


def served_ids(documents: list[Document]) -> list[str]:
    return [document.id for document in served_documents(documents)]


def test_an_interrupted_new_version_leaves_the_old_one_served_complete():
    old = chunks("paspoort", "aaa", range(4), 4, OLD)
    half_new = chunks("paspoort", "bbb", range(2), 5, NEW)
    assert served_ids(half_new + old) == [d.id for d in old]


def test_a_complete_new_version_wins_over_the_old_one_not_yet_deleted():
    old = chunks("paspoort", "aaa", range(4), 4, OLD)
    new = chunks("paspoort", "bbb", range(5), 5, NEW)
    assert served_ids(old + new) == [d.id for d in new]


def test_an_article_with_only_an_incomplete_version_is_not_served():
    partial = chunks("grofvuil", "ccc", [0, 2, 3], 7, NEW)
    other = chunks("huurtoeslag", "ddd", range(3), 3, NEW)
    assert served_ids(partial + other) == [d.id for d in other]
    versions = stored_versions(partial + other)
    assert not versions["grofvuil"][0].complete and versions["huurtoeslag"][0].complete


def test_an_index_written_without_chunk_counts_is_served_as_it_was():
    legacy = chunks("paspoort", "aaa", range(4), None, None)
    assert served_ids(legacy) == [d.id for d in legacy]
    completed = chunks("paspoort", "bbb", range(3), 3, NEW)
    assert served_ids(legacy + completed) == [d.id for d in completed]
    # the rest of a version written without counts, added by a later run, carries the count
    finished = chunks("paspoort", "aaa", range(2), None, None) + chunks("paspoort", "aaa", range(2, 4), 4, NEW)
    assert served_ids(finished) == [d.id for d in finished]


def test_the_store_order_is_kept():
    documents = chunks("b", "x", range(2), 2, NEW) + chunks("a", "y", range(2), 2, NEW)
    documents = [documents[3], documents[0], documents[2], documents[1]]
    assert served_ids(documents) == [d.id for d in documents]
