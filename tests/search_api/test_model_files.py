"""The fitted model files: written by the fitting path, read by the API, each naming its format,
version, embedding model and features; refused with a clear message when they do not match."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from kb.settings import PROJECT_DIR
from search_api.model_files import MEMORY, RANKING, ROUTER, VERSION, ModelFileError, load_models, save_models
from search_api.question_memory import QuestionMemory
from search_api.ranking import RANKING_FEATURES, WIDTH, BoostedRanking, LearnedRanking
from search_api.routing import (
    IN_SCOPE_FEATURES,
    RoutingCalibration,
    RoutingInput,
    in_scope_probability,
)


def boosted(width: int = WIDTH) -> BoostedRanking:
    from sklearn.ensemble import GradientBoostingClassifier

    rng = np.random.default_rng(1)
    x = rng.normal(size=(200, width))
    model = GradientBoostingClassifier(n_estimators=30, max_depth=3, random_state=0).fit(x, (x[:, 0] > 0.2).astype(int))
    return BoostedRanking.from_classifier(model)


def fitted() -> RoutingCalibration:
    memory = QuestionMemory.from_vectors(np.eye(4)[:2], np.eye(4)[2:])
    return RoutingCalibration(
        model="m", temperature=0.15, classifier_weight=0.1, in_scope_threshold=0.45, min_confidence=0.7, platt=True,
        in_scope_coef=[42.1, 1.02, 1.39, 3.37, 57.5], in_scope_intercept=-43.7, ranking=boosted(), memory=memory,
    )


def test_the_files_read_back_to_the_same_router(tmp_path):
    calibration = fitted()
    written = save_models(calibration, tmp_path)
    assert sorted(path.name for path in written) == sorted([ROUTER, RANKING, MEMORY])
    again = load_models(tmp_path, "m")
    assert again.model_dump() == calibration.model_dump()
    assert np.array_equal(again.memory.covered, calibration.memory.covered) and again.memory.neighbours == 2
    rows = np.random.default_rng(2).normal(size=(10, WIDTH))
    assert np.array_equal(again.ranking.probabilities(rows), calibration.ranking.probabilities(rows))
    question = RoutingInput(hits=[], top_dense=0.85, top_sparse=3.0, margin=0.2)
    assert in_scope_probability(question, again) == in_scope_probability(question, calibration)


def test_the_router_is_readable_and_names_its_features(tmp_path):
    save_models(fitted(), tmp_path)
    router = json.loads((tmp_path / ROUTER).read_text(encoding="utf-8"))
    assert (router["format"], router["version"], router["model"]) == ("kb-router", VERSION, "m")
    assert list(router["in_scope"]["coefficients"]) == list(IN_SCOPE_FEATURES)
    assert router["in_scope"]["coefficients"]["memory_margin"] == 57.5
    ranking_text = (tmp_path / RANKING).read_text(encoding="utf-8")
    ranking = json.loads(ranking_text)
    assert ranking["features"] == list(RANKING_FEATURES) and len(ranking["trees"]) == 30
    assert len(ranking_text.splitlines()) < 30 + len(RANKING_FEATURES) + 20  # one line per tree
    assert router["memory"] == {"file": MEMORY, "neighbours": 2}


def test_a_file_with_other_features_or_another_version_is_refused(tmp_path):
    save_models(fitted(), tmp_path)
    router_file = tmp_path / ROUTER
    router = json.loads(router_file.read_text(encoding="utf-8"))
    renamed = json.loads(json.dumps(router))
    coefficients = renamed["in_scope"]["coefficients"]
    coefficients["top_cosine"] = coefficients.pop("dense_cosine")
    router_file.write_text(json.dumps(renamed), encoding="utf-8")
    with pytest.raises(ModelFileError, match=r"router.json: in_scope has features .*top_cosine.* this version computes"):
        load_models(tmp_path, "m")
    router_file.write_text(json.dumps({**router, "version": 0}), encoding="utf-8")
    with pytest.raises(ModelFileError, match=f"expected format kb-router version {VERSION}, found .*make baseline"):
        load_models(tmp_path, "m")
    router_file.write_text(json.dumps(router), encoding="utf-8")
    ranking_file = tmp_path / RANKING
    ranking = json.loads(ranking_file.read_text(encoding="utf-8"))
    ranking_file.write_text(json.dumps({**ranking, "features": ranking["features"][:-1]}), encoding="utf-8")
    with pytest.raises(ModelFileError, match="ranking.json: fitted on features"):
        load_models(tmp_path, "m")
    ranking_file.write_text("{not json", encoding="utf-8")
    with pytest.raises(ModelFileError, match="ranking.json: unreadable"):
        load_models(tmp_path, "m")


def test_a_damaged_question_memory_is_refused_by_name(tmp_path):
    save_models(fitted(), tmp_path)
    (tmp_path / MEMORY).write_bytes(b"not an npz file")
    with pytest.raises(ModelFileError, match="memory.npz: not a question memory"):
        load_models(tmp_path, "m")


def test_no_router_or_one_for_another_model_gives_the_defaults(tmp_path, caplog):
    with caplog.at_level("WARNING"):
        assert load_models(tmp_path, "m") == RoutingCalibration(model="m")
    assert "make baseline" in caplog.text
    save_models(fitted(), tmp_path)
    assert load_models(tmp_path, "another model") == RoutingCalibration(model="another model")


def test_a_router_fitted_under_another_off_topic_policy_is_used_with_a_warning(tmp_path, caplog):
    save_models(RoutingCalibration(model="m", in_scope_threshold=0.55, off_topic_rejection_target=0.9), tmp_path)
    with caplog.at_level("WARNING"):
        same = load_models(tmp_path, "m", off_topic_rejection_target=0.9)
    assert same.in_scope_threshold == 0.55 and not caplog.records
    with caplog.at_level("WARNING"):
        other = load_models(tmp_path, "m")
    assert other.in_scope_threshold == 0.55  # still the fitted router: better than defaults
    assert "make baseline" in caplog.text and "0.9" in caplog.text


def test_a_logistic_ranking_is_stored_by_feature_name(tmp_path):
    coef = [float(i) / 100 for i in range(WIDTH)]
    save_models(RoutingCalibration(model="m", ranking=LearnedRanking(coef=coef, intercept=-1.0)), tmp_path)
    stored = json.loads((tmp_path / RANKING).read_text(encoding="utf-8"))
    assert stored["coefficients"]["token_match_relative"] == coef[-1]
    again = load_models(tmp_path, "m").ranking
    assert isinstance(again, LearnedRanking) and again.coef == coef


def test_the_committed_models_read_and_are_small():
    directory = PROJECT_DIR / "eval" / "fitted"
    calibration = load_models(directory, "packaged:multilingual-e5-small")
    assert calibration.fitted_on > 1000 and isinstance(calibration.ranking, BoostedRanking)
    assert calibration.memory.dimensions == 384 and min(calibration.memory.size) > 100
    assert sum(path.stat().st_size for path in directory.iterdir()) < 1_500_000
    assert math.isfinite(calibration.in_scope_intercept)


def test_a_model_file_of_another_version_stops_the_start_and_health_says_why(tmp_path):
    """Over real HTTP: the engine refuses the file and /health names it (status error)."""
    import shutil

    from tests.conftest import SHIPPED_CONTENT, LiveServer, make_settings

    fitted = tmp_path / "fitted"
    shutil.copytree(PROJECT_DIR / "eval" / "fitted", fitted)
    router = json.loads((fitted / ROUTER).read_text(encoding="utf-8"))
    (fitted / ROUTER).write_text(json.dumps({**router, "version": VERSION + 1}), encoding="utf-8")
    server = LiveServer(make_settings(tmp_path / "data", SHIPPED_CONTENT, fitted_dir=fitted))
    try:
        with pytest.raises(RuntimeError, match=rf"router.json: expected format kb-router version {VERSION}, found .*{VERSION + 1}"):
            server.start(timeout=300)
    finally:
        server.stop()
