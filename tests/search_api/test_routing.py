"""The in-scope model (BM25 evidence counts only for questions in the languages of the indexed text)
and loading the fitted router."""

import json
import math

from search_api.grouping import ArticleHit
from search_api.routing import RoutingCalibration, RoutingInput, department_distribution, in_domain_probability

CALIBRATION = RoutingCalibration(
    in_domain_coef=[10.0, 2.0, 0.0], in_domain_intercept=-10.0, in_domain_dense_coef=[20.0], in_domain_dense_intercept=-16.0
)


def test_bm25_counts_for_dutch_and_english_questions():
    weak = RoutingInput(hits=[], top_dense=0.85, top_sparse=0.0, lexical=True)
    strong = RoutingInput(hits=[], top_dense=0.85, top_sparse=20.0, lexical=True)
    assert in_domain_probability(strong, CALIBRATION) > in_domain_probability(weak, CALIBRATION)


def test_other_languages_are_judged_by_the_dense_cosine_alone():
    for sparse in (0.0, 20.0):
        question = RoutingInput(hits=[], top_dense=0.85, top_sparse=sparse, lexical=False)
        assert math.isclose(in_domain_probability(question, CALIBRATION), 1 / (1 + math.exp(-(20.0 * 0.85 - 16.0))))


def test_the_scope_signal_counts_for_other_languages_only_in_a_router_fitted_with_it():
    question = RoutingInput(hits=[], top_dense=0.85, lexical=False, scope=3.0)
    assert math.isclose(in_domain_probability(question, CALIBRATION), 1 / (1 + math.exp(-(20.0 * 0.85 - 16.0))))
    fitted = CALIBRATION.model_copy(update={"in_domain_dense_coef": [20.0, 0.0, 0.0, 0.0, 0.5]})
    assert math.isclose(in_domain_probability(question, fitted), 1 / (1 + math.exp(-(20.0 * 0.85 + 0.5 * 3.0 - 16.0))))


def test_the_labelled_questions_margin_counts_only_in_a_router_fitted_with_it():
    for lexical in (True, False):
        question = RoutingInput(hits=[], top_dense=0.85, top_sparse=3.0, lexical=lexical, scope=1.0, margin=0.2)
        before = in_domain_probability(question, CALIBRATION)  # fitted before the signal existed
        assert before == in_domain_probability(RoutingInput(hits=[], top_dense=0.85, top_sparse=3.0, lexical=lexical, scope=1.0), CALIBRATION)
        fitted = CALIBRATION.model_copy(
            update={"in_domain_coef": [10.0, 2.0, 0.0, 0.0, 0.0, 30.0], "in_domain_dense_coef": [20.0, 0.0, 0.0, 0.0, 0.0, 30.0]}
        )
        assert math.isclose(in_domain_probability(question, fitted), 1 / (1 + math.exp(-(math.log(before / (1 - before)) + 30.0 * 0.2))))


def test_a_router_saved_with_one_field_per_coefficient_of_other_languages_still_reads(tmp_path):
    """Calibration files of the older form kept the other-language model's coefficients in named fields."""
    path = tmp_path / "calibration.json"
    saved = RoutingCalibration(model="m").model_dump()
    saved.update(in_domain_dense_coef=20.0, in_domain_dense_scope_coef=0.5, in_domain_dense_margin_coef=30.0,
                 in_domain_dense_intercept=-16.0)
    path.write_text(json.dumps(saved), encoding="utf-8")
    calibration = RoutingCalibration.load(path, "m")
    assert calibration.in_domain_dense_coef == [20.0, 0.0, 0.0, 0.0, 0.5, 30.0]
    question = RoutingInput(hits=[], top_dense=0.85, top_sparse=3.0, lexical=False, scope=1.0, margin=0.2)
    assert math.isclose(in_domain_probability(question, calibration),
                        1 / (1 + math.exp(-(20.0 * 0.85 + 0.5 * 1.0 + 30.0 * 0.2 - 16.0))))
    calibration.save(path)  # written back in today's form
    assert json.loads(path.read_text(encoding="utf-8"))["in_domain_dense_coef"] == [20.0, 0.0, 0.0, 0.0, 0.5, 30.0]


def test_a_short_question_needs_less_evidence_to_count_as_in_scope():
    calibration = RoutingCalibration(in_domain_coef=[10.0, 2.0, 7.0], in_domain_intercept=-13.0)
    one_word = RoutingInput(hits=[], top_dense=0.84, top_sparse=5.0, lexical=True, words=1)
    sentence = RoutingInput(hits=[], top_dense=0.84, top_sparse=5.0, lexical=True, words=12)
    assert one_word.features()[2] == 0.5 and sentence.features()[2] == 1 / 13
    assert in_domain_probability(one_word, calibration) > 0.5 > in_domain_probability(sentence, calibration)


def test_a_router_fitted_under_another_off_topic_policy_is_used_with_a_warning(tmp_path, caplog):
    path = tmp_path / "calibration.json"
    RoutingCalibration(model="m", in_domain_threshold=0.55, off_topic_rejection_target=0.9).save(path)
    with caplog.at_level("WARNING"):
        same = RoutingCalibration.load(path, "m", off_topic_rejection_target=0.9)
    assert same.in_domain_threshold == 0.55 and not caplog.records
    with caplog.at_level("WARNING"):
        other = RoutingCalibration.load(path, "m")
    assert other.in_domain_threshold == 0.55  # still the fitted router: better than defaults
    assert "make baseline" in caplog.text and "0.9" in caplog.text


def test_a_calibration_with_a_damaged_memory_of_labelled_questions_is_refused_when_read(tmp_path, caplog):
    import numpy as np

    from search_api.scope import QuestionMemory, ScopeModel

    memory = QuestionMemory.from_vectors(np.eye(4)[:2], np.eye(4)[2:])
    path = tmp_path / "calibration.json"
    RoutingCalibration(model="m", in_domain_threshold=0.55, scope=ScopeModel(coef=[0.0] * 4, intercept=0.0, memory=memory)).save(path)
    assert RoutingCalibration.load(path, "m").scope.memory.size == (2, 2)
    text = path.read_text(encoding="utf-8")
    for damaged in (text.replace(memory.covered, memory.covered[:-4]), text.replace(memory.covered, "not*base64")):
        path.write_text(damaged, encoding="utf-8")
        with caplog.at_level("WARNING"):
            loaded = RoutingCalibration.load(path, "m")
        assert loaded.in_domain_threshold == RoutingCalibration().in_domain_threshold  # defaults, no crash at a search
        assert "unreadable" in caplog.text


def test_departments_tied_in_the_vote_keep_the_order_of_their_articles():
    """BM25 often gives two articles the same score; the department of the better-ranked one comes
    first, the same in every process (a set of names ordered them by the string hash of the run)."""
    def hit(article_id: str, department: str) -> ArticleHit:
        return ArticleHit(article_id=article_id, title=article_id, department_id=department, upl=[], score=3.0, best_section=None)

    for first, second in (("zorg", "afval"), ("afval", "zorg")):
        question = RoutingInput(hits=[hit("a", first), hit("b", second)])
        assert [d for d, _ in department_distribution(question, CALIBRATION)] == [first, second]
