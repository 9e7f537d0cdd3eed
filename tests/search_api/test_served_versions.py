"""A Qdrant retriever reads the live store, where a running re-index may have written part of a
newer version of an article: the pipeline drops those chunks, and their scores, from what it uses."""

from haystack import Document

from search_api.pipeline import ServedVersions
from search_api.retrieval import Retrieved


def chunk(article_id: str, fingerprint: str, number: int, score: float) -> Document:
    return Document(id=f"{article_id}:{fingerprint}:{number}", content="", score=score,
                    meta={"article_id": article_id, "fingerprint": fingerprint})


def test_chunks_of_a_version_not_yet_served_are_dropped_with_their_scores():
    served = ServedVersions({"paspoort": "old", "grofvuil": "new"})  # what the last load found complete
    documents = [chunk("paspoort", "new", 0, 0.9), chunk("paspoort", "old", 3, 0.8), chunk("grofvuil", "new", 1, 0.7)]
    retrieved = Retrieved(
        documents=documents,
        dense_scores={d.id: d.score for d in documents} | {"paspoort:new:5": 0.95},
        sparse_scores={"paspoort:new:0": 4.0, "grofvuil:new:1": 2.0},
    )
    kept = served.run(retrieved)
    assert [d.id for d in kept.documents] == ["paspoort:old:3", "grofvuil:new:1"]
    assert kept.dense_scores == {"paspoort:old:3": 0.8, "grofvuil:new:1": 0.7}
    assert kept.sparse_scores == {"grofvuil:new:1": 2.0}
    assert served.run(kept) is kept  # nothing to drop: unchanged
