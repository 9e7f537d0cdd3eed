"""The department classifier: NumPy's probabilities are scikit-learn's, and a fit on the same
chunks is read back from its file instead of trained again."""

from __future__ import annotations

import numpy as np
import pytest
from haystack import Document
from sklearn.linear_model import LogisticRegression

from search_api.classifier import REGULARISATION_C, DepartmentClassifier


def _chunks(departments: list[str], per_department: int = 30, seed: int = 0) -> list[Document]:
    rng = np.random.default_rng(seed)
    centres = {name: rng.normal(size=16) for name in departments}
    return [
        Document(content=f"{name} {i}", embedding=(centres[name] + rng.normal(scale=0.8, size=16)).tolist(),
                 meta={"department_id": name})
        for name in departments for i in range(per_department)
    ]


@pytest.mark.parametrize("departments", [["burgerzaken", "belastingen"], ["burgerzaken", "belastingen", "afval", "zorg"]])
def test_probabilities_are_scikit_learns(departments):
    chunks = _chunks(departments)
    classifier = DepartmentClassifier().fit(chunks)
    reference = LogisticRegression(C=REGULARISATION_C, max_iter=2000, class_weight="balanced").fit(
        np.asarray([c.embedding for c in chunks], dtype=np.float32), [c.meta["department_id"] for c in chunks])
    for question in _chunks(departments, per_department=3, seed=1):
        ours = classifier.predict(question.embedding)
        theirs = dict(zip(reference.classes_, reference.predict_proba(np.asarray([question.embedding], dtype=np.float32))[0]))
        assert ours.keys() == theirs.keys()
        assert max(abs(ours[name] - theirs[name]) for name in ours) < 1e-6
        assert sum(ours.values()) == pytest.approx(1.0)


def test_a_refit_from_the_last_fit_is_scikit_learns_warm_start():
    """After a save the fit starts from the last one without scikit-learn, and ends where
    scikit-learn's lbfgs solver, warm-started from the same coefficients, ends."""
    departments = ["burgerzaken", "belastingen", "afval", "zorg"]
    chunks = _chunks(departments)
    first = DepartmentClassifier().fit(chunks)
    changed = chunks[5:] + _chunks(departments, per_department=2, seed=2)  # some gone, some new
    refit = DepartmentClassifier().fit(changed, start=first)
    reference = LogisticRegression(C=REGULARISATION_C, max_iter=2000, class_weight="balanced", warm_start=True)
    reference.coef_, reference.intercept_ = first.fitted.coef.copy(), first.fitted.intercept.copy()
    reference.fit(np.asarray([c.embedding for c in changed], dtype=np.float32), [c.meta["department_id"] for c in changed])
    for question in _chunks(departments, per_department=3, seed=1):
        ours = refit.predict(question.embedding)
        theirs = dict(zip(reference.classes_, reference.predict_proba(np.asarray([question.embedding], dtype=np.float32))[0]))
        assert max(abs(ours[name] - theirs[name]) for name in ours) < 1e-5  # theirs in float32


def test_untrained_or_without_a_vector_it_says_nothing():
    assert DepartmentClassifier().predict([0.1] * 16) == {}
    assert DepartmentClassifier().fit(_chunks(["afval"])).predict([0.1] * 16) == {}  # one department: nothing to tell apart
    assert DepartmentClassifier().fit(_chunks(["afval", "zorg"])).predict(None) == {}


def test_a_fit_on_the_same_chunks_is_read_back(tmp_path, monkeypatch):
    saved = tmp_path / "department-classifier.npz"
    chunks = _chunks(["burgerzaken", "belastingen", "afval"])
    first = DepartmentClassifier().fit(chunks, saved=saved)
    assert saved.exists()

    def no_training(*args, **kwargs):
        raise AssertionError("trained again")

    monkeypatch.setattr(LogisticRegression, "fit", no_training)
    again = DepartmentClassifier().fit(chunks, saved=saved)
    assert again.departments == first.departments
    assert np.array_equal(again.fitted.coef, first.fitted.coef)
    question = chunks[0].embedding
    assert again.predict(question) == first.predict(question)

    changed = chunks[:-1]  # one chunk fewer: another fingerprint, so it trains
    with pytest.raises(AssertionError, match="trained again"):
        DepartmentClassifier().fit(changed, saved=saved)


def test_an_unreadable_file_is_trained_over(tmp_path, caplog):
    saved = tmp_path / "department-classifier.npz"
    saved.write_bytes(b"not a NumPy file")
    chunks = _chunks(["afval", "zorg"])
    classifier = DepartmentClassifier().fit(chunks, saved=saved)
    assert classifier.ready
    assert "cannot be read" in caplog.text
    assert DepartmentClassifier().fit(chunks, saved=saved).departments == ["afval", "zorg"]  # and written anew
