"""Best bets: a question that is exactly an article's title or keyword puts that article first."""

import pytest

from kb.articles import parse_article
from search_api.best_bets import BestBets
from search_api.grouping import ArticleHit
from search_api.routing import RoutingCalibration, RoutingInput, in_scope_probability
from tests.conftest import SHIPPED_CONTENT


def article(article_id: str):
    return parse_article(SHIPPED_CONTENT / f"{article_id}.md").article


def hit(article_id: str, score: float) -> ArticleHit:
    return ArticleHit(article_id=article_id, title=article_id, department_id="werk_inkomen", upl=[], score=score, best_section=None)


@pytest.fixture(scope="module")
def bets() -> BestBets:
    return BestBets([article("bijstandsuitkering"), article("bijzondere-bijstand"), article("wmo-hulp-aanvragen")])


@pytest.mark.parametrize("question", ["bijstand", "Bijstand", "  bijstand?", "BIJSTAND!"])
def test_an_exact_keyword_matches_whatever_the_case_and_punctuation(bets, question):
    assert bets.match(question) == {"bijstandsuitkering"}


def test_a_title_matches_too(bets):
    assert "wmo-hulp-aanvragen" in bets.match(article("wmo-hulp-aanvragen").meta.title)


@pytest.mark.parametrize("question", ["ik wil bijstand", "wat is bijstand?", "Ik heb bijstand", "mijn bijstand"])
def test_filler_words_around_a_keyword_do_not_matter(bets, question):
    """Stop words only ("ik wil trouwen" is the keyword "trouwen"); every other word counts."""
    assert bets.match(question) == {"bijstandsuitkering"}


@pytest.mark.parametrize("question", ["bijstand aanvragen hoe werkt dat", "bijstan", "", "ik wil", "ik heb bijstand nodig"])
def test_anything_else_is_no_best_bet(bets, question):
    assert "bijstandsuitkering" not in bets.match(question)


def test_the_best_bet_comes_first_with_the_top_score_and_the_rest_keeps_its_order(bets):
    hits = [hit("bijzondere-bijstand", 2.0), hit("bijstandsuitkering", 1.5), hit("schuldhulpverlening", 1.0)]
    promoted = bets.promote(hits, {"bijstandsuitkering"})
    assert [h.article_id for h in promoted] == ["bijstandsuitkering", "bijzondere-bijstand", "schuldhulpverlening"]
    assert promoted[0].score == 2.0 and hits[1].score == 1.5  # the original hit is not changed
    assert bets.promote(hits, set()) == hits


def test_of_several_best_bets_only_the_first_is_lifted_to_the_top_score(bets):
    hits = [hit("a", 2.0), hit("b", 1.8), hit("c", 1.5), hit("d", 1.0)]
    promoted = bets.promote(hits, {"d", "b"})
    assert [(h.article_id, h.score) for h in promoted] == [("b", 2.0), ("d", 1.0), ("a", 2.0), ("c", 1.5)]


def test_a_best_bet_is_in_scope_whatever_the_retrieval_scores():
    calibration = RoutingCalibration(in_scope_coef=[10.0, 2.0, 0.0, 0.0, 0.0], in_scope_intercept=-30.0)
    weak = RoutingInput(hits=[], top_dense=0.8, top_sparse=1.0, words=1)
    assert in_scope_probability(weak, calibration) < 0.01
    assert in_scope_probability(RoutingInput(hits=[], top_dense=0.8, top_sparse=1.0, words=1, best_bet=True), calibration) == 1.0


def test_a_keyword_inside_a_longer_question_is_a_ranking_signal_not_a_best_bet():
    bets = BestBets([article("anw-nabestaandenuitkering"), article("bijstandsuitkering"), article("bijzondere-bijstand")])
    assert bets.match("ik ben weduwe geworden") == set()
    assert bets.contained("ik ben weduwe geworden") == {"anw-nabestaandenuitkering": 1.0}  # "weduwe", one article
    assert bets.contained("hoe laat is het") == {}
