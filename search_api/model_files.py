"""The fitted models the API reads, written by the fitting path (`kb eval --calibrate`, `make
baseline`) into one folder (`Settings.fitted_dir`, by default `eval/fitted/`):

- `router.json`: the router's settings, readable in a diff: the vote's temperature and the
  classifier's weight, the in-scope model with its coefficients by feature name, the Platt
  scaling of the confidence and the two thresholds, and how many neighbours the question memory
  averages.
- `ranking.json`: the learned ranking's regression trees (`search_api.ranking.BoostedRanking`: for
  each tree the arrays `feature`, `threshold`, `left`, `right`, `value` in scikit-learn's node
  numbering, one tree per line) or a logistic regression's coefficients by feature name.
- `memory.npz`: the vectors of the labelled questions of the question memory (float16,
  L2-normalised; arrays `covered` and `off_topic`).

Every JSON file states its format and version, the embedding model it was fitted for and the
names of its features. A file whose format, version or features are not what this code computes
is refused with a message that names the file and the difference (`ModelFileError`); the
engine then does not start and `/health` says why. A folder without `router.json` gives the
defaults, with a warning."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import numpy as np

from search_api.question_memory import QuestionMemory
from search_api.ranking import RANKING_FEATURES, BoostedRanking, LearnedRanking, Ranking, Tree
from search_api.routing import IN_SCOPE_FEATURES, RoutingCalibration

log = logging.getLogger(__name__)

VERSION = 2  # 2: one in-scope model for every language, no scope model (December 2026)
ROUTER = "router.json"
RANKING = "ranking.json"
MEMORY = "memory.npz"


class ModelFileError(ValueError):
    """A model file that this code cannot read as it was meant."""


def save_models(calibration: RoutingCalibration, directory: Path) -> list[Path]:
    """Write the router and its learned models; remove a model file the calibration no longer has."""
    directory.mkdir(parents=True, exist_ok=True)
    written = [_write_json(directory / ROUTER, _router(calibration))]
    if calibration.ranking is not None:
        written.append(_write_ranking(directory / RANKING, calibration.ranking, calibration.model))
    else:
        (directory / RANKING).unlink(missing_ok=True)
    memory = calibration.memory
    if memory is not None:
        np.savez_compressed(directory / MEMORY, covered=memory.covered, off_topic=memory.off_topic)
        written.append(directory / MEMORY)
    else:
        (directory / MEMORY).unlink(missing_ok=True)
    return written


def load_models(directory: Path, model: str, off_topic_rejection_target: float | None = None) -> RoutingCalibration:
    """The fitted router for `model` and its learned models. Defaults, with a warning, when the
    folder holds none or holds them for another embedding model."""
    router_file = directory / ROUTER
    if not router_file.exists():
        log.warning("No fitted router in %s; using defaults (fit one with `make baseline`)", directory)
        return RoutingCalibration(model=model)
    router = _read_json(router_file, "router")
    if router.get("model") != model:
        log.warning("The fitted router in %s is for model %r, not %r; using defaults", directory, router.get("model"), model)
        return RoutingCalibration(model=model)
    calibration = _calibration(router, router_file)
    if router.get("ranking"):
        calibration.ranking = _read_ranking(directory / router["ranking"])
    if router.get("memory"):
        calibration.memory = _read_memory(directory, router["memory"], router_file)
    if calibration.off_topic_rejection_target != off_topic_rejection_target:
        log.warning(
            "The router in %s was fitted with off-topic rejection target %s, the settings ask for %s; "
            "refit it with `make baseline` (kb eval --calibrate)",
            directory, calibration.off_topic_rejection_target, off_topic_rejection_target,
        )
    return calibration


def _header(kind: str, model: str) -> dict[str, Any]:
    return {"format": f"kb-{kind}", "version": VERSION, "model": model}


def _router(calibration: RoutingCalibration) -> dict[str, Any]:
    return {
        **_header("router", calibration.model),
        "mode": calibration.mode,
        "fitted_on": calibration.fitted_on,
        "off_topic_rejection_target": calibration.off_topic_rejection_target,
        "vote": {"temperature": calibration.temperature, "classifier_weight": calibration.classifier_weight},
        "in_scope": {
            "threshold": calibration.in_scope_threshold,
            "standardised": calibration.in_scope_standardised,
            "c": calibration.in_scope_c,
            "intercept": calibration.in_scope_intercept,
            "coefficients": dict(zip(IN_SCOPE_FEATURES, calibration.in_scope_coef)),
        },
        "confidence": {"platt": calibration.platt, "slope": calibration.confidence_slope,
                       "intercept": calibration.confidence_intercept, "min_confidence": calibration.min_confidence},
        "ranking": RANKING if calibration.ranking is not None else None,
        "memory": {"file": MEMORY, "neighbours": calibration.memory.neighbours} if calibration.memory is not None else None,
    }


def _calibration(router: dict[str, Any], path: Path) -> RoutingCalibration:
    try:
        in_scope = router["in_scope"]
        coefficients = _by_name(in_scope["coefficients"], IN_SCOPE_FEATURES, path, "in_scope")
        return RoutingCalibration(
            model=router["model"], mode=router["mode"], fitted_on=router["fitted_on"],
            off_topic_rejection_target=router["off_topic_rejection_target"],
            temperature=router["vote"]["temperature"], classifier_weight=router["vote"]["classifier_weight"],
            in_scope_threshold=in_scope["threshold"], in_scope_standardised=in_scope["standardised"],
            in_scope_c=in_scope["c"],
            in_scope_coef=[coefficients[name] for name in IN_SCOPE_FEATURES],
            in_scope_intercept=in_scope["intercept"],
            platt=router["confidence"]["platt"], confidence_slope=router["confidence"]["slope"],
            confidence_intercept=router["confidence"]["intercept"], min_confidence=router["confidence"]["min_confidence"],
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise ModelFileError(f"{path}: not a router of version {VERSION} ({type(exc).__name__}: {exc})") from None


def _by_name(values: dict[str, float], expected: tuple[str, ...], path: Path, where: str) -> dict[str, float]:
    if not isinstance(values, dict) or set(values) != set(expected):
        given = sorted(values) if isinstance(values, dict) else values
        raise ModelFileError(f"{path}: {where} has features {given}; this version computes {list(expected)}")
    return {name: float(value) for name, value in values.items()}


def _write_ranking(path: Path, ranking: Ranking, model: str) -> Path:
    head = {**_header("ranking", model), "kind": ranking.kind, "features": list(RANKING_FEATURES)}
    if isinstance(ranking, LearnedRanking):
        return _write_json(path, {**head, "intercept": ranking.intercept,
                                  "coefficients": dict(zip(RANKING_FEATURES, ranking.coef))})
    head.update(init=ranking.init, learning_rate=ranking.learning_rate, trees="TREES")
    trees = ",\n    ".join(json.dumps(tree.model_dump(), separators=(",", ":")) for tree in ranking.trees)
    text = json.dumps(head, indent=2).replace('"TREES"', f"[\n    {trees}\n  ]")
    path.write_text(text + "\n", encoding="utf-8")
    return path


def _read_ranking(path: Path) -> Ranking:
    data = _read_json(path, "ranking")
    try:
        if data["features"] != list(RANKING_FEATURES):
            raise ModelFileError(
                f"{path}: fitted on features {data['features']}; this version computes {list(RANKING_FEATURES)}"
            )
        if data["kind"] == "logistic":
            coefficients = _by_name(data["coefficients"], RANKING_FEATURES, path, "coefficients")
            return LearnedRanking(coef=[coefficients[name] for name in RANKING_FEATURES], intercept=data["intercept"])
        return BoostedRanking(init=data["init"], learning_rate=data["learning_rate"],
                              trees=[Tree.model_validate(tree) for tree in data["trees"]])
    except (KeyError, TypeError, ValueError) as exc:
        if isinstance(exc, ModelFileError):
            raise
        raise ModelFileError(f"{path}: not a ranking of version {VERSION} ({type(exc).__name__}: {exc})") from None


def _read_memory(directory: Path, entry: Any, router_file: Path) -> QuestionMemory:
    """The question memory the router names (`{"file": ..., "neighbours": ...}`)."""
    try:
        path = directory / entry["file"]
        neighbours = int(entry["neighbours"])
    except (KeyError, TypeError, ValueError) as exc:
        raise ModelFileError(f"{router_file}: memory must name its file and neighbours ({type(exc).__name__}: {exc})") from None
    try:
        with np.load(path) as arrays:
            return QuestionMemory(covered=arrays["covered"], off_topic=arrays["off_topic"], neighbours=neighbours)
    except (KeyError, TypeError, ValueError, OSError) as exc:
        raise ModelFileError(f"{path}: not a question memory ({type(exc).__name__}: {exc})") from None


def _read_json(path: Path, kind: str) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ModelFileError(f"{path}: unreadable ({exc})") from None
    if not isinstance(data, dict) or data.get("format") != f"kb-{kind}" or data.get("version") != VERSION:
        found = (data.get("format"), data.get("version")) if isinstance(data, dict) else type(data).__name__
        raise ModelFileError(f"{path}: expected format kb-{kind} version {VERSION}, found {found}; "
                             "fit the models again with `make baseline`")
    return data


def _write_json(path: Path, data: dict[str, Any]) -> Path:
    """Indented JSON with every list of numbers on one line."""
    lists = {key: value for key, value in data.items() if isinstance(value, list) and value and
             all(isinstance(item, (int, float)) for item in value)}
    text = json.dumps({key: (f"LIST:{key}" if key in lists else value) for key, value in data.items()}, indent=2)
    for key, value in lists.items():
        text = text.replace(f'"LIST:{key}"', json.dumps(value))
    path.write_text(text + "\n", encoding="utf-8")
    return path
