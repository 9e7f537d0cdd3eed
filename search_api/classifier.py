"""A department classifier trained from the knowledge base itself.

Every indexed chunk (title + section, each example question, title + keywords) is a training
example labelled with its article's department. The features are the chunks' multilingual
embeddings, which are already in the store, so training needs no extra model and a question in
Turkish or English is classified as well as a Dutch one. The classifier is a multinomial
logistic regression (scikit-learn), trained whenever the chunks change (about a second).

After an editor saves an article, the fit starts from the last one and takes a few steps of
the same optimiser scikit-learn uses (SciPy's L-BFGS-B on the same objective: the balanced class
weights, C and tolerances), written out in `_refit`: importing scikit-learn into the service
for that would cost 0.4 s on the first save after a start and 60 MB for as long as it runs.

A fit is kept in a file next to the index, under a fingerprint of the chunks it was trained
on (their ids, which name their article's version): a service that starts on the same chunks
reads it instead of training again, and so starts without loading scikit-learn. Predicting is a matrix product and a softmax in NumPy, the same
probabilities scikit-learn's `predict_proba` gives.
"""

from __future__ import annotations

import hashlib
import io
import logging
from pathlib import Path
from typing import NamedTuple

import numpy as np
from haystack import Document

from indexer.indexing import served_documents, served_versions, stored_versions
from kb.private_files import write_private_bytes

log = logging.getLogger(__name__)

REGULARISATION_C = 50.0  # measured on the eval questions: sharper and slightly better than 1-4
MAX_ITERATIONS = 2000
TOLERANCE = 1e-4  # scikit-learn's default: the largest gradient component at the end
#: The file a fit is kept in, in the data folder
SAVED_FIT = "department-classifier.npz"


class Fit(NamedTuple):
    departments: list[str]
    coef: np.ndarray  # (departments, dimension); one row for two departments
    intercept: np.ndarray


class DepartmentClassifier:
    def __init__(self) -> None:
        self.fitted: Fit | None = None
        self.trained_on = 0

    @property
    def ready(self) -> bool:
        return self.fitted is not None

    @property
    def departments(self) -> list[str]:
        return self.fitted.departments if self.fitted is not None else []

    def fit(self, documents: list[Document], *, start: DepartmentClassifier | None = None,
            saved: Path | None = None) -> DepartmentClassifier:
        """Fit on the chunks' vectors; from the coefficients of `start` (an earlier fit on nearly
        the same chunks) when it knows the same departments, which converges in a few steps. With
        `saved`, a fit on the very same chunks is read from that file, and a new fit written to it."""
        chosen = [d for d in documents if d.embedding is not None and d.meta.get("department_id")]
        rows = [(d.embedding, d.meta["department_id"]) for d in chosen]
        labels = sorted({label for _, label in rows})
        if len(labels) < 2:
            self.fitted = None
            return self
        vectors = np.asarray([vector for vector, _ in rows], dtype=np.float32)
        targets = [label for _, label in rows]
        self.trained_on = len(rows)
        fingerprint = _fingerprint(sorted((d.id, d.meta["department_id"]) for d in chosen))  # however the chunks were read
        if saved is not None and (fitted := _read(saved, fingerprint)) is not None:
            self.fitted = fitted
            return self
        if start is not None and start.fitted is not None and start.departments == labels and len(labels) > 2:
            self.fitted = _refit(vectors, targets, start.fitted)
        else:
            from sklearn.linear_model import LogisticRegression  # only to train: a service on a saved fit does without

            model = LogisticRegression(C=REGULARISATION_C, max_iter=MAX_ITERATIONS, class_weight="balanced")
            if start is not None and start.fitted is not None and start.departments == labels:
                model.set_params(warm_start=True)
                model.coef_, model.intercept_ = start.fitted.coef.copy(), start.fitted.intercept.copy()
            model.fit(vectors, targets)
            self.fitted = Fit(list(model.classes_), model.coef_, model.intercept_)
        if saved is not None:
            _write(saved, fingerprint, self.fitted)
        return self

    def predict(self, embedding: list[float] | None) -> dict[str, float]:
        """Department probabilities for a query embedding ({} when untrained or no embedding)."""
        fitted = self.fitted  # one reference: a re-index may swap in a new fit meanwhile
        if fitted is None or embedding is None:
            return {}
        scores = fitted.coef @ np.asarray(embedding, dtype=np.float64) + fitted.intercept
        if len(scores) == 1:  # two departments: one row of coefficients, for the second
            second = 1.0 / (1.0 + np.exp(-scores[0]))
            probabilities = np.array([1.0 - second, second])
        else:
            exponents = np.exp(scores - scores.max())
            probabilities = exponents / exponents.sum()
        return dict(zip(fitted.departments, (float(p) for p in probabilities)))


def fit_as_served(everything: list[Document], data_dir: Path) -> DepartmentClassifier:
    """The classifier a service starting on these chunks (every chunk in the store) fits, kept
    in `data_dir`. `kb index` fits it after every run, so that the service reads the fit instead
    of training it with scikit-learn, which a process keeps loaded once imported (about 110 MB)."""
    served = served_documents(everything, served_versions(stored_versions(everything)))
    return DepartmentClassifier().fit(served, saved=data_dir / SAVED_FIT)


def _refit(vectors: np.ndarray, targets: list[str], start: Fit) -> Fit:
    """Multinomial logistic regression from `start` (three departments or more), as
    scikit-learn's lbfgs solver fits it: the mean loss of the samples weighted by
    n / (departments x the department's samples), plus |coef|^2 / (2 C x the weights' sum), the
    intercepts not penalised, minimised by L-BFGS-B with scikit-learn's options."""
    from scipy import optimize

    classes = start.departments
    index = {name: position for position, name in enumerate(classes)}
    labels = np.fromiter((index[target] for target in targets), dtype=np.intp, count=len(targets))
    features = np.asarray(vectors, dtype=np.float64)
    samples, dimension = features.shape
    count = len(classes)
    weights = (samples / (count * np.bincount(labels, minlength=count)))[labels]
    weight_sum = float(weights.sum())
    penalty = 1.0 / (REGULARISATION_C * weight_sum)
    rows = np.arange(samples)

    def loss_and_gradient(flat: np.ndarray) -> tuple[float, np.ndarray]:
        parameters = flat.reshape(count, dimension + 1)
        coef, intercept = parameters[:, :dimension], parameters[:, dimension]
        scores = features @ coef.T + intercept
        top = scores.max(axis=1, keepdims=True)
        exponents = np.exp(scores - top)
        totals = exponents.sum(axis=1)
        losses = np.log(totals) + top[:, 0] - scores[rows, labels]
        loss = float(weights @ losses) / weight_sum + 0.5 * penalty * float(np.sum(coef * coef))
        residual = exponents / totals[:, None]
        residual[rows, labels] -= 1.0
        residual *= (weights / weight_sum)[:, None]
        gradient = np.empty_like(parameters)
        gradient[:, :dimension] = residual.T @ features + penalty * coef
        gradient[:, dimension] = residual.sum(axis=0)
        return loss, gradient.ravel()

    begin = np.hstack([start.coef, start.intercept[:, None]]).astype(np.float64).ravel()
    result = optimize.minimize(
        loss_and_gradient, begin, method="L-BFGS-B", jac=True,
        options={"maxiter": MAX_ITERATIONS, "maxls": 50, "gtol": TOLERANCE, "ftol": 64 * np.finfo(float).eps},
    )
    parameters = result.x.reshape(count, dimension + 1)
    return Fit(list(classes), parameters[:, :dimension].copy(), parameters[:, dimension].copy())


def _fingerprint(chunks: list[tuple[str, str]]) -> str:
    """What the fit was made of: the chunks' ids hold their article's fingerprint (its text, the
    model and the prefix, `indexer.chunking`), so the same ids are the same vectors. (The
    vectors themselves can differ in the last bits between the copy written and the copy read
    back from the store, which normalises them.)"""
    digest = hashlib.sha256(f"C={REGULARISATION_C};balanced\n".encode())
    for chunk_id, target in chunks:
        digest.update(f"{chunk_id}\t{target}\n".encode())
    return digest.hexdigest()


def _read(path: Path, fingerprint: str) -> Fit | None:
    try:
        with np.load(path, allow_pickle=False) as saved:
            if str(saved["fingerprint"]) != fingerprint:
                return None
            return Fit([str(name) for name in saved["departments"]], saved["coef"], saved["intercept"])
    except (OSError, KeyError, ValueError) as exc:
        if not isinstance(exc, FileNotFoundError):
            log.warning("The saved department classifier %s cannot be read (%s); it is trained again", path, exc)
        return None


def _write(path: Path, fingerprint: str, fitted: Fit) -> None:
    """Written whole or not at all (`kb.private_files`): a reader sees the old fit or the new one."""
    arrays = io.BytesIO()
    np.savez(arrays, fingerprint=np.array(fingerprint), departments=np.array(fitted.departments),
             coef=fitted.coef, intercept=fitted.intercept)
    try:
        write_private_bytes(path, arrays.getvalue())
    except OSError as exc:  # a read-only data folder: the service works, it trains at every start
        log.warning("The department classifier could not be saved to %s (%s)", path, exc)
