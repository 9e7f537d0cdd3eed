"""Weighted reciprocal rank fusion: a chunk first in both lists must not lose to chunks that are
merely present in both."""

import pytest
from haystack import Document

from search_api.fusion import RankFusion


def docs(*ids: str) -> list[Document]:
    return [Document(id=doc_id, content=doc_id) for doc_id in ids]


def test_first_in_every_list_scores_the_sum_of_the_weights_and_comes_first():
    fused = RankFusion(weights=(0.6, 0.4), k=10).run(documents=[docs("a", "b", "c"), docs("a", "c", "b")])["documents"]
    assert [d.id for d in fused] == ["a", "b", "c"]  # b: ranks 2 and 3; c: 3 and 2, with less weight
    assert fused[0].score == pytest.approx(1.0)


def test_a_small_rank_constant_rewards_the_top_of_the_lists():
    # "top" is first by dense and absent from the sparse list; "mid" is 6th in both.
    dense = docs("top", "x1", "x2", "x3", "x4", "mid")
    sparse = docs("y1", "y2", "y3", "y4", "y5", "mid")
    scores_61 = {d.id: d.score for d in RankFusion(weights=(0.6, 0.4), k=61).run(documents=[dense, sparse])["documents"]}
    scores_10 = {d.id: d.score for d in RankFusion(weights=(0.6, 0.4), k=10).run(documents=[dense, sparse])["documents"]}
    assert scores_61["mid"] > scores_61["top"]  # the flat curve of the paper's constant
    assert scores_10["top"] / scores_10["mid"] > scores_61["top"] / scores_61["mid"]


def test_weights_decide_between_lists():
    fused = RankFusion(weights=(0.6, 0.4), k=10).run(documents=[docs("dense"), docs("sparse")])["documents"]
    assert [d.id for d in fused] == ["dense", "sparse"]


def test_top_k_and_empty_lists():
    fusion = RankFusion(k=10, top_k=2)
    assert [d.id for d in fusion.run(documents=[docs("a", "b", "c"), []])["documents"]] == ["a", "b"]
    assert fusion.run(documents=[[], []])["documents"] == []


def test_the_number_of_lists_must_match_the_weights():
    with pytest.raises(ValueError, match="expected 2 lists"):
        RankFusion().run(documents=[docs("a")])
