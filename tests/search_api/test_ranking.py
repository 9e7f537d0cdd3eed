"""The learned ranking of the first articles: its signals, and the order it gives."""

import numpy as np
import pytest
from haystack import Document

from search_api.grouping import ArticleHit
from search_api.ranking import (
    DEPTH,
    SIGNALS,
    TOKEN_SIGNALS,
    WIDTH,
    LearnedRanking,
    QuestionContext,
    expit,
    features,
    rerank,
)


def hit(article_id: str, score: float, chunks: list[Document] = (), department: str = "afval") -> ArticleHit:
    return ArticleHit(article_id=article_id, title=article_id, department_id=department, upl=[], score=score,
                      best_section=None, chunks=list(chunks))


def chunk(chunk_id: str, kind: str) -> Document:
    return Document(id=chunk_id, content=chunk_id, meta={"kind": kind})


def context(**changes) -> QuestionContext:
    fields = dict(
        dense_scores={"a-q": 0.90, "b-s": 0.88}, sparse_scores={"b-s": 12.0, "a-q": 6.0},
        article_cosines={"a": 0.80, "b": 0.85}, classifier={"afval": 0.7, "wonen": 0.3},
        keywords={"b": 1.0}, other_language=False,
    )
    return QuestionContext(**{**fields, **changes})


HITS = [hit("a", 1.3, [chunk("a-q", "question")]), hit("b", 1.1, [chunk("b-s", "section")], department="wonen")]


def column(name: str) -> int:
    return SIGNALS.index(name)


def test_the_signals_of_each_candidate():
    rows = features(HITS, context())
    assert rows.shape == (2, WIDTH)
    a, b = rows
    assert a[column("rank")] == 1 and b[column("rank")] == 2
    assert a[column("question_cosine")] == 0.0 and b[column("question_cosine")] < -0.05  # b has no question chunk found
    assert b[column("section_cosine")] == pytest.approx(-0.02)  # 0.02 below the best chunk
    assert b[column("best_bm25")] == 1.0 and a[column("best_bm25")] == 0.5
    assert a[column("article_cosine")] < 0 == b[column("article_cosine")]
    assert a[column("classifier")] == 0.7 and b[column("classifier")] == 0.3
    assert a[column("keyword")] == 0.0 and b[column("keyword")] == 1.0
    assert not rows[:, len(SIGNALS):].any()  # a Dutch question: no other-language weights
    # (and no question token vectors given: the token signals are 0)


def test_the_token_match_of_each_candidate_and_relative_to_the_best():
    rows = features(HITS, context(token_match={"a": 0.81, "b": 0.86}))
    match, relative = (2 * len(SIGNALS) + TOKEN_SIGNALS.index(name) for name in ("token_match", "token_match_relative"))
    assert rows[:, match] == pytest.approx([0.81, 0.86])
    assert rows[:, relative] == pytest.approx([-0.05, 0.0])
    assert np.array_equal(rows[:, : 2 * len(SIGNALS)], features(HITS, context())[:, : 2 * len(SIGNALS)])


def test_questions_in_other_languages_have_their_own_weights():
    n = len(SIGNALS)
    foreign = features(HITS, context(other_language=True))
    assert np.array_equal(foreign[:, n:2 * n], foreign[:, :n]) and not features(HITS, context())[:, n:2 * n].any()


def test_the_ranking_orders_the_first_articles_and_hands_them_the_fused_scores_in_order():
    hits = [hit(f"a{i}", 2.0 - 0.1 * i) for i in range(DEPTH + 2)]
    rows = features(hits, context(dense_scores={}, sparse_scores={}, article_cosines={}, keywords={"a3": 1.0}))
    prefers_the_keyword = LearnedRanking(coef=[5.0 if i == column("keyword") else 0.0 for i in range(WIDTH)],
                                         intercept=-2.0)
    ranked = rerank(hits, prefers_the_keyword.probabilities(rows))
    assert ranked[0].article_id == "a3"
    assert [h.score for h in ranked] == [h.score for h in hits]  # the best score goes to the first article, and so on
    assert [h.score for h in ranked[DEPTH:]] == [h.score for h in hits[DEPTH:]]
    assert [h.article_id for h in ranked[DEPTH:]] == ["a10", "a11"]  # beyond the depth nothing moves
    assert sorted(h.article_id for h in ranked) == sorted(h.article_id for h in hits)


def test_boosted_trees_give_the_probabilities_of_the_fitted_classifier():
    """The API walks the exported trees itself (no pickle); it must agree with scikit-learn, also
    for values exactly on a threshold and after a JSON round trip through the calibration file."""
    from sklearn.ensemble import GradientBoostingClassifier

    from search_api.ranking import BoostedRanking
    from search_api.routing import RoutingCalibration

    rng = np.random.default_rng(0)
    x = rng.normal(size=(400, 6))
    x[:, 5] = rng.integers(0, 3, size=400)  # a feature with ties, like rank
    y = ((x[:, 0] + 0.5 * x[:, 1] * (x[:, 5] == 1) + rng.normal(scale=0.5, size=400)) > 0.3).astype(int)
    model = GradientBoostingClassifier(n_estimators=40, max_depth=3, learning_rate=0.1, random_state=0).fit(x, y)
    boosted = BoostedRanking.from_classifier(model)
    on_thresholds = np.tile(x[:3], (1, 1))
    tree = model.estimators_[0, 0].tree_
    on_thresholds[:, tree.feature[0]] = tree.threshold[0]  # exactly on the first split
    for rows in (rng.normal(size=(50, 6)), on_thresholds):
        assert np.allclose(boosted.probabilities(rows), model.predict_proba(rows)[:, 1], atol=1e-9)
    restored = RoutingCalibration.model_validate_json(RoutingCalibration(ranking=boosted).model_dump_json()).ranking
    assert isinstance(restored, BoostedRanking)
    assert np.allclose(restored.probabilities(x[:20]), model.predict_proba(x[:20])[:, 1], atol=1e-9)
    assert boosted.probabilities(np.zeros((0, 6))).shape == (0,)




def test_the_logistic_function_is_scipys_to_the_last_bit():
    from scipy.special import expit as scipy_expit

    values = np.random.default_rng(3).normal(scale=12, size=(400, 5))
    values[0, :] = [-1000.0, -745.2, 0.0, 709.8, 1000.0]  # where exp under- and overflows
    assert np.array_equal(expit(values), scipy_expit(values))
    assert expit(np.array([])).shape == (0,)


def test_a_hit_with_another_score_is_the_copy_dataclasses_make():
    from dataclasses import replace

    first = hit("a", 0.5, [chunk("a-q", "question")])
    again = first.with_score(0.9)
    assert again == replace(first, score=0.9) and first.score == 0.5
    assert again.chunks is first.chunks  # shared, as `replace` shares them
