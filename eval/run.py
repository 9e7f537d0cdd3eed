"""Run the labelled questions through the search engine, fit the router, compare variants, report.

The engine is the one the API serves (`search_api.engine.SearchEngine`), so the figures describe
what citizens get. In one run every retrieval variant (`search_api.retrieval.RETRIEVAL_MODES`)
answers the same questions with the same query vectors; every routing variant (article vote,
classifier, both) is then re-scored from the same retrievals. Each variant's router is fitted on
the dev split only; the held-out test split is what the README reports. The final configuration's
learned ranking (`search_api.ranking`) and the question memory (`search_api.question_memory`)
are fitted on the dev split too, and every question is ranked and scored by ones that did not
see it (`out_of_fold`) before the router is fitted.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TypeVar

import numpy as np
from sklearn.ensemble import GradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import KFold, StratifiedKFold
from sklearn.preprocessing import StandardScaler

from eval.metrics import Observation, decision_rates, off_topic_rejection, rejection_at_cost, summarize, summarize_by
from kb.questions import LabelledQuestion
from eval.targets import against_targets
from search_api.engine import SearchEngine
from search_api.pipeline import QueryVectors, SearchOutcome, SearchTrace
from search_api.ranking import BoostedRanking, Ranking
from search_api.question_memory import QuestionMemory
from search_api.retrieval import DEFAULT_MODE, RETRIEVAL_MODES, RetrievalMode
from search_api.routing import (
    IN_SCOPE_FEATURES,
    RoutingCalibration,
    RoutingInput,
    calibrated_confidence,
    decide,
    department_distribution,
    in_scope_probability,
    route,
)

TEMPERATURES = (0.0005, 0.001, 0.002, 0.003, 0.005, 0.0075, 0.01, 0.015, 0.02, 0.03, 0.05, 0.08, 0.15, 0.3)
WEIGHTS = tuple(round(0.1 * step, 1) for step in range(11))
THRESHOLDS = tuple(round(0.05 * step, 2) for step in range(1, 19))
IN_SCOPE_COLUMNS = tuple(range(len(IN_SCOPE_FEATURES)))  # of `RoutingInput.features()` used by the in-scope model
IN_SCOPE_FOLDS, IN_SCOPE_REPEATS = 5, 5  # cross-validation of the in-scope model for the off-topic threshold
# How the in-scope model may be regularised: (standardise the features first, C of the L2
# penalty), in order of preference. `fit_calibration` fits each with its own thresholds and keeps
# the first whose decisions, judged out of fold, are worth as much as the best's within one
# standard error (`choose_in_scope_model`).
IN_SCOPE_REGULARISATIONS: tuple[tuple[bool, float], ...] = ((False, 10.0), (True, 0.1), (True, 1.0), (True, 10.0))
RANKING_FOLDS = 5  # the learned ranking and the question memory are fitted out of fold for the report
# The learned ranking's trees. Chosen out of fold on the dev questions (November 2026): depth 2-3 and
# 100-400 trees at a learning rate of 0.03-0.1 all land within 0.01 of each other; this is the middle.
RANKING_TREES = {"n_estimators": 200, "max_depth": 3, "learning_rate": 0.05}
ROUTING_VARIANTS: dict[str, float | None] = {"vote": 0.0, "classifier": 1.0, "combined": None}
FINAL_ROUTING = "combined"
OPERATING_METRICS = ("off_topic_rejection", "off_topic_covered", "routing_accuracy")

# What a routing decision is worth to a citizen, used to choose the abstention thresholds:
# sent to the right desk +1, to a wrong desk -1 (a second call, a lost hour), an honest "weet ik
# niet" 0. A "bedoelt u ...?" is worth half of the desk the citizen then picks: +0.5 when the
# right desk is among the options, -0.5 when it is not, which includes every question we do not
# cover (offering departments for the weather forecast sends the citizen on a wasted errand).
# For a question we do not cover, saying so is +1.
UTILITY = {"right": 1.0, "wrong": -1.0, "ambiguous_with_right": 0.5, "ambiguous_without_right": -0.5, "abstained": 0.0}


@dataclass
class SearchedQuestion:
    """A labelled question with what the search gave for it."""

    question: LabelledQuestion
    outcome: SearchOutcome
    trace: SearchTrace  # what the learned ranking and the question memory are fitted on

    @property
    def routing_input(self) -> RoutingInput:
        return self.outcome.routing_input


def retrieve_all(
    engine: SearchEngine,
    questions: list[LabelledQuestion],
    mode: RetrievalMode = DEFAULT_MODE,
    *,
    encodings: list[QueryVectors] | None = None,
    rankings: list[Ranking | None] | None = None,
    memories: list[QuestionMemory | None] | None = None,
    progress: Callable[[], None] | None = None,
) -> list[SearchedQuestion]:
    """`encodings`: each question's vector and token vectors (`SearchEngine.encode`; default:
    computed per retrieval); `rankings`, `memories`: the learned ranking and question memory per
    question (default: the engine's)."""
    retrieved = []
    models = engine.models
    for index, question in enumerate(questions):
        chosen = replace(
            models,
            ranking=rankings[index] if rankings is not None else models.ranking,
            memory=memories[index] if memories is not None else models.memory,
        )
        trace = SearchTrace()
        vectors = encodings[index] if encodings is not None else None
        outcome = engine.retrieve(question.q, mode, models=chosen, vectors=vectors, trace=trace)
        retrieved.append(SearchedQuestion(question, outcome, trace))
        if progress:
            progress()
    return retrieved


def fit_ranking(retrieved: list[SearchedQuestion]) -> BoostedRanking | None:
    """The learned ranking (`search_api.ranking`), fitted on the signals of the candidates of the
    given questions we cover, as retrieved without it: is this candidate one of the expected
    articles? Gradient-boosted trees (`RANKING_TREES`), exported for the API."""
    rows, labels = [], []
    for item in retrieved:
        features = item.trace.ranking_features
        if item.question.off_topic or features is None or not len(features):
            continue
        rows.append(features)
        labels += [article_id in item.question.expected for article_id in item.trace.ranking_candidates]
    if not rows or len(set(labels)) < 2:
        return None
    model = GradientBoostingClassifier(random_state=0, **RANKING_TREES)
    model.fit(np.vstack(rows), np.array(labels, dtype=int))
    return BoostedRanking.from_classifier(model)


def logistic_on_raw_features(
    features: np.ndarray, labels: np.ndarray, *, c: float, standardised: bool = True, balanced: bool = False
) -> tuple[np.ndarray, float]:
    """A logistic regression (L2 penalty C = `c`), fitted on standardised features if asked, with
    its coefficients and intercept on the raw features: the API applies them without a scaler. A
    feature that is constant here gets scale 1 from the scaler and weighs nothing."""
    model = LogisticRegression(class_weight="balanced" if balanced else None, C=c, max_iter=5000)
    if not standardised:
        model.fit(features, labels)
        return model.coef_[0], float(model.intercept_[0])
    scaler = StandardScaler().fit(features)
    model.fit(scaler.transform(features), labels)
    coef = model.coef_[0] / scaler.scale_
    return coef, float(model.intercept_[0] - np.dot(coef, scaler.mean_))


def fit_memory(retrieved: list[SearchedQuestion]) -> QuestionMemory | None:
    """The question memory (`search_api.question_memory`): the question vectors of the given
    questions, covered and off-topic; None while fewer than five of either have a vector."""
    items = [item for item in retrieved if item.trace.embedding is not None]
    labels = np.array([0 if item.question.off_topic else 1 for item in items], dtype=int)
    if min(np.bincount(labels, minlength=2)) < 5:  # also covers no items at all
        return None
    vectors = np.array([item.trace.embedding for item in items], dtype=float)
    return QuestionMemory.from_vectors(vectors[labels == 1], vectors[labels == 0])


Model = TypeVar("Model")


def out_of_fold(retrieved: list[SearchedQuestion], fit: Callable[[list[SearchedQuestion]], Model]) -> tuple[list[Model], Model]:
    """A model per question that was not fitted on it (`fit`: `fit_ranking` or `fit_memory`): for a
    dev question, one fitted on the other folds of the dev questions; for a held-out question, the
    one fitted on all of them (the one the API uses, returned as well). The router is then fitted
    on signals no question saw itself in."""
    dev = [i for i, item in enumerate(retrieved) if item.question.split == "dev"]
    on_all_dev = fit([retrieved[i] for i in dev])
    models = [on_all_dev] * len(retrieved)
    if len(dev) >= RANKING_FOLDS:
        for train, held in KFold(RANKING_FOLDS, shuffle=True, random_state=0).split(dev):
            fold = fit([retrieved[dev[i]] for i in train])
            for i in held:
                models[dev[i]] = fold
    return models, on_all_dev


def observe(retrieved: list[SearchedQuestion], calibration: RoutingCalibration) -> list[Observation]:
    observations = []
    for item in retrieved:
        routing = route(item.routing_input, calibration)
        question, hits = item.question, item.outcome.hits
        observations.append(
            Observation(
                question=question.q,
                kind=question.kind,
                split=question.split,
                expected=question.expected,
                expected_department=question.department,
                ranked=[hit.article_id for hit in hits],
                department=routing.department_id,
                confidence=routing.confidence,
                top_score=item.routing_input.top_dense,
                status=routing.status,
                alternatives=[dept for dept, _ in routing.alternatives],
                in_scope=routing.in_scope,
                source=question.source,
                top_department=routing.distribution[0][0] if routing.distribution else None,
            )
        )
    return observations


def decision_value(o: Observation) -> float:
    """What one routing decision is worth (`UTILITY`)."""
    if o.department is not None:
        return UTILITY["right"] if o.routed_correctly else UTILITY["wrong"]
    if o.status == "ambiguous":
        offered = not o.off_topic and o.expected_department in o.alternatives
        return UTILITY["ambiguous_with_right" if offered else "ambiguous_without_right"]
    if o.off_topic:
        return UTILITY["right"]  # an honest "weet ik niet"
    return UTILITY["abstained"]


def utility(observations: list[Observation]) -> float:
    return sum(decision_value(o) for o in observations) / max(1, len(observations))


def fit_calibration(
    retrieved: list[SearchedQuestion],
    model: str,
    mode: str = DEFAULT_MODE,
    classifier_weight: float | None = None,
    rejection_target: float | None = None,
    *,
    platt: bool = True,
) -> RoutingCalibration:
    """Fit every router parameter on the given (dev) questions:
    1. the vote temperature and the classifier weight, by the likelihood of the right department;
    2. the in-scope model, a logistic regression on the best dense cosine, BM25 score, ... (`fit_in_scope`);
    3. Platt scaling of the confidence (probability that the routing is right, judged on every
       question it would route, off-topic ones included);
    4. the ambiguity threshold where asking and routing are worth the same (`ambiguity_threshold`),
       then the off-topic threshold: by the utility above, or, given a `rejection_target`, the
       lowest threshold that rejects at least that share of the off-topic questions
       (`choose_off_topic_threshold`).
    Steps 2-4 are done once per regularisation of the in-scope model
    (`IN_SCOPE_REGULARISATIONS`); `choose_in_scope_model` keeps one. `platt=False` leaves out
    step 3 (the raw confidence is used as it is; `eval.ablation` measures what it adds)."""
    calibration = RoutingCalibration(
        model=model, mode=mode, fitted_on=len(retrieved), off_topic_rejection_target=rejection_target
    )
    covered = [item for item in retrieved if not item.question.off_topic and item.outcome.hits]

    def nll(candidate: RoutingCalibration) -> float:
        total = 0.0
        for item in covered:
            shares = dict(department_distribution(item.routing_input, candidate))
            total -= math.log(max(shares.get(item.question.department, 0.0), 1e-4))
        return total

    calibration.temperature = min(  # the vote alone (classifier weight 0)
        TEMPERATURES, key=lambda t: nll(calibration.model_copy(update={"temperature": t, "classifier_weight": 0.0}))
    )
    if classifier_weight is None:
        calibration.classifier_weight = min(
            WEIGHTS, key=lambda w: nll(calibration.model_copy(update={"classifier_weight": w}))
        )
    else:
        calibration.classifier_weight = classifier_weight

    return choose_in_scope_model([
        _fit_decisions(
            retrieved,
            calibration.model_copy(update={"in_scope_standardised": standardised, "in_scope_c": c}),
            rejection_target,
            platt=platt,
        )
        for standardised, c in IN_SCOPE_REGULARISATIONS
    ])


def _fit_decisions(
    retrieved: list[SearchedQuestion], calibration: RoutingCalibration, rejection_target: float | None, *, platt: bool = True
) -> "FittedRouter":
    """Steps 2-4 of `fit_calibration` for the regularisation `calibration` names."""
    calibration = fit_in_scope(retrieved, calibration)

    raw = observe(retrieved, calibration.model_copy(update={"min_confidence": 0.0, "in_scope_threshold": 0.0}))
    # The confidence is the probability that the desk named is right, over every question the
    # router would route, so off-topic questions (whose desk is always wrong) count too. Fitted on
    # the questions we cover only, it claimed 0.86 where 0.74 of the dev questions (0.60 held
    # out) were routed right (November 2026).
    routed = [o for o in raw if o.department is not None]
    right = np.array([1 if o.routed_correctly else 0 for o in routed])
    if platt and len(set(right)) == 2:
        platt = LogisticRegression(C=100.0).fit(np.array([[o.confidence] for o in routed]), right)
        calibration.confidence_slope = float(platt.coef_[0][0])
        calibration.confidence_intercept = float(platt.intercept_[0])
        calibration.platt = True

    # The ambiguity threshold follows from the values and the calibrated confidence (below). The
    # off-topic threshold is then chosen by the utility of the decisions (ties go to the lowest),
    # judged on in-scope probabilities the model gives questions it was not fitted on
    # (`out_of_fold_in_scope`). The thresholds only change the decision, so each question is
    # routed once and then decided per candidate threshold.
    raw_observations = observe(retrieved, calibration.model_copy(update={"min_confidence": 0.0, "in_scope_threshold": 0.0}))
    calibration.min_confidence = ambiguity_threshold(second_chance(raw_observations))

    # the share of the most likely department: with an in-scope probability it gives the confidence
    shares = [next(iter(department_distribution(item.routing_input, calibration)), ("", 0.0))[1] for item in retrieved]

    def decided(t_in: float, in_scope: list[float]) -> list[Observation]:
        candidate = calibration.model_copy(update={"in_scope_threshold": t_in})
        result = []
        for o, p_in, share in zip(raw_observations, in_scope, shares):
            if o.status == "off_topic":  # no evidence at all: off-topic whatever the thresholds
                result.append(o)
                continue
            status = decide(p_in, calibrated_confidence(share * p_in, calibration), candidate)
            result.append(replace(o, status=status, department=o.department if status == "routed" else None))
        return result

    repeats = out_of_fold_in_scope(retrieved, calibration)
    outcomes = {t_in: [decided(t_in, in_scope) for in_scope in repeats] for t_in in THRESHOLDS}
    calibration.in_scope_threshold = choose_off_topic_threshold(outcomes, rejection_target)
    chosen = outcomes[calibration.in_scope_threshold]
    reached = rejection_target is None or _reaches(_mean_rejection(chosen), rejection_target)
    values = np.mean([[decision_value(o) for o in decisions] for decisions in chosen], axis=0)
    return FittedRouter(calibration, reached, values)


def _mean_rejection(repeats: list[list[Observation]]) -> float:
    """Off-topic rejection averaged over the cross-validation repeats."""
    return float(np.mean([off_topic_rejection(decisions) or 0.0 for decisions in repeats]))


def _reaches(rate: float, rejection_target: float) -> bool:
    return rate >= rejection_target - 1e-9


@dataclass
class FittedRouter:
    """One candidate of `fit_calibration`: the router, whether its off-topic threshold reaches
    the policy's rejection target (always, without one), and what its decision on each question
    is worth, judged out of fold and averaged over the repeats."""

    calibration: RoutingCalibration
    reaches_target: bool
    values: np.ndarray


def choose_in_scope_model(candidates: list[FittedRouter]) -> RoutingCalibration:
    """The first candidate (in the order of `IN_SCOPE_REGULARISATIONS`) whose decisions are
    worth no less than the best one's, within one standard error of the difference per question
    (the "one-standard-error rule"); only candidates that reach the rejection target count when
    any does.

    Measured on the dev questions, out of fold (November 2026): under the value of the decisions the
    best standardised model is worth 0.811 a question against 0.806 for the raw one, a difference
    well inside its standard error (0.013), and held out it is worth less (0.765 against 0.780;
    other-language routing 0.85 -> 0.73), so the first, raw model stays. Under a rejection target
    of 0.9 the raw model is worth 0.744 and the standardised one (C = 0.1) 0.810, five standard
    errors more: it reaches the target at routing 0.86 where the raw one is left with 0.79."""
    eligible = [c for c in candidates if c.reaches_target] or candidates
    best = max(eligible, key=lambda c: float(c.values.mean()))
    for candidate in eligible:
        difference = best.values - candidate.values
        error = float(difference.std(ddof=1) / math.sqrt(len(difference))) if len(difference) > 1 else 0.0
        if float(difference.mean()) <= error + 1e-12:
            return candidate.calibration
    return best.calibration


def choose_off_topic_threshold(outcomes: dict[float, list[list[Observation]]], rejection_target: float | None = None) -> float:
    """The off-topic threshold from the decisions each candidate threshold gives (one list of
    observations per cross-validation repeat).

    Without a target: the threshold whose decisions are worth most on average (`utility`). With a
    target rate: the lowest threshold whose off-topic rejection, averaged over the repeats, reaches
    it, so that no more questions we do cover are told "geen informatie" than the target needs;
    when no threshold reaches it, the lowest of those that reject the most. Ties go to the lowest
    threshold."""
    if rejection_target is None:
        scores = {t: float(np.mean([utility(decisions) for decisions in repeats])) for t, repeats in outcomes.items()}
    else:
        scores = {t: _mean_rejection(repeats) for t, repeats in outcomes.items()}
        reaching = [t for t, rate in scores.items() if _reaches(rate, rejection_target)]
        if reaching:
            return min(reaching)
    best = max(scores.values())
    return min(t for t, value in scores.items() if value >= best - 1e-9)


def fit_in_scope(retrieved: list[SearchedQuestion], calibration: RoutingCalibration) -> RoutingCalibration:
    """The in-scope model, fitted on the given questions; returns a copy of `calibration`.

    The best dense cosine, the best BM25 score and the shortness (and the signals of
    `routing.IN_SCOPE_FEATURES` that came later). Measured
    (5-fold cross-validated, all questions, with example questions in eight languages indexed):
    AUC dense 0.955, BM25 0.950, both 0.959, classifier certainty 0.810 (adds nothing); off-topic
    questions rejected while keeping 95% of real ones: dense 0.80, both 0.89. A classifier of the
    question's own embedding trained on 420 written out-of-scope questions reached AUC 0.90 and
    added nothing either. The shortness of the question (1 / (1 + words)) does add: with it
    one-word questions are no longer rejected as off-topic (routing of one-word questions 0.75 ->
    0.93, off-topic rejection 0.74 -> 0.77, all questions). BM25-only retrieval has no dense
    cosine; it uses its own score and the shortness.
    One model judges the questions in every language. Before the question memory there was a
    second one for questions in other languages, on the dense cosine alone: their cosines to the
    Dutch text are lower, in scope and out alike (November 2026: a model of all questions told 34
    of the 125 covered questions in other languages "geen informatie", one of their own 11). With
    the question memory it only cost off-topic rejection (`kb ablation`, December 2026;
    `routing.IN_SCOPE_FEATURES`)."""
    calibration = calibration.model_copy()
    labels = np.array([0 if item.question.off_topic else 1 for item in retrieved])
    if len(set(labels)) < 2 or min(np.bincount(labels)) < 5:
        return calibration
    columns = [c for c in IN_SCOPE_COLUMNS if c != 0] if calibration.mode == "bm25" else list(IN_SCOPE_COLUMNS)
    features = np.array([item.routing_input.features() for item in retrieved])
    fitted, intercept = logistic_on_raw_features(
        features[:, columns], labels, c=calibration.in_scope_c, standardised=calibration.in_scope_standardised, balanced=True
    )
    coef = [0.0] * features.shape[1]  # on all the raw features, 0 outside `columns`
    for position, column in enumerate(columns):
        coef[column] = float(fitted[position])
    calibration.in_scope_coef, calibration.in_scope_intercept = coef, intercept
    return calibration


def out_of_fold_in_scope(retrieved: list[SearchedQuestion], calibration: RoutingCalibration) -> list[list[float]]:
    """In-scope probabilities of every question from a model fitted without it: stratified
    `IN_SCOPE_FOLDS`-fold cross-validation, repeated `IN_SCOPE_REPEATS` times with other
    splits; one list per repeat.

    Judged on the questions it was fitted on, the model looks surer than it is, and the
    threshold's utility was flat enough there for a tie to decide (0.20 and 0.25 worth exactly
    the same on the dev questions). On held-apart questions the utility is what a threshold is
    worth on new questions; the repeats average out the luck of one split. (A fold with fewer than
    five questions of a kind to fit on keeps the model fitted on all of them, as `fit_in_scope`
    does; with the 60 off-topic dev questions every fold has 48.)"""
    labels = np.array([0 if item.question.off_topic else 1 for item in retrieved])
    n_folds = min(IN_SCOPE_FOLDS, *np.bincount(labels, minlength=2))
    if n_folds < 2:  # too few questions of a kind to hold any apart
        return [[in_scope_probability(item.routing_input, calibration) for item in retrieved]]
    repeats = []
    for seed in range(IN_SCOPE_REPEATS):
        in_scope = [0.0] * len(retrieved)
        folds = StratifiedKFold(n_folds, shuffle=True, random_state=seed)
        for train, held in folds.split(np.zeros(len(retrieved)), labels):
            fold = fit_in_scope([retrieved[i] for i in train], calibration)
            for i in held:
                in_scope[i] = in_scope_probability(retrieved[i].routing_input, fold)
        repeats.append(in_scope)
    return repeats


def second_chance(observations: list[Observation]) -> float:
    """How often the right department is among the other offered ones when the most likely one
    is wrong (in-scope questions; 0 when the most likely one is never wrong)."""
    wrong = [o for o in observations if not o.off_topic and o.department is not None and not o.routed_correctly]
    return sum(o.expected_department in o.alternatives for o in wrong) / len(wrong) if wrong else 0.0


def ambiguity_threshold(second: float) -> float:
    """The confidence below which asking "bedoelt u ...?" is worth more than routing.

    With a calibrated confidence p of the most likely department, routing is worth
    p * right + (1 - p) * wrong. Asking offers that department and the next ones: the right desk
    is among them with probability p + (1 - p) * second, so asking is worth that times
    "ambiguous_with_right" plus the rest times "ambiguous_without_right". Both are linear in p;
    they are equal at the returned threshold ((0.5 + second) / (1 + second) with the values above). This
    replaces a grid search over the threshold, whose utility was flat over a wide range on the
    dev questions, so that the tie-break rather than the data decided."""
    u = UTILITY
    gain = u["ambiguous_with_right"] - u["ambiguous_without_right"]
    numerator = u["ambiguous_without_right"] - u["wrong"] + gain * second
    denominator = u["right"] - u["wrong"] - gain * (1 - second)
    return round(min(max(numerator / denominator, 0.0), 1.0), 4)


def expected_calibration_error(observations: list[Observation], bins: int = 10) -> tuple[float, list[dict]]:
    """ECE of the routing confidence on the questions the router answered, with its table."""
    routed = [o for o in observations if o.department is not None]
    table = []
    error = 0.0
    for index in range(bins):
        low, high = index / bins, (index + 1) / bins
        members = [o for o in routed if low <= o.confidence < high or (index == bins - 1 and o.confidence == 1.0)]
        if not members:
            continue
        confidence = sum(o.confidence for o in members) / len(members)
        accuracy = sum(o.routed_correctly for o in members) / len(members)
        error += len(members) / len(routed) * abs(confidence - accuracy)
        table.append({"bin": f"{low:.1f}-{high:.1f}", "n": len(members), "confidence": round(confidence, 3), "accuracy": round(accuracy, 3)})
    return round(error, 4), table


@dataclass
class EvaluationRun:
    """All variants of one `kb eval` run."""

    retrieved: dict[str, list[SearchedQuestion]]  # per retrieval mode
    calibrations: dict[tuple[str, str], RoutingCalibration]  # (mode, routing variant)


@dataclass
class FinalRetrieval:
    """The final variant's retrievals as `kb eval` measures them, with the learned models fitted on
    all dev questions (the ones the API gets)."""

    retrieved: list[SearchedQuestion]
    ranking: Ranking | None
    memory: QuestionMemory | None


def retrieve_out_of_fold(
    engine: SearchEngine,
    questions: list[LabelledQuestion],
    encodings: list[QueryVectors] | None = None,
    progress: Callable[[], None] | None = None,
    *,
    ranking: bool = True,
) -> FinalRetrieval:
    """The final variant over the questions: first without the learned ranking and question memory,
    then with ones fitted out of fold (`out_of_fold`), so that no question is ranked or scored by a
    model that saw it. Whatever is fitted on these retrievals (the router in `kb eval`, the tests
    of the router on the real dev questions) sees the signals a new question would get.
    `ranking=False`: without the learned ranking (`eval.ablation` measures what it adds)."""
    if encodings is None:
        encodings = [engine.encode(question.q) for question in questions]
    none = [None] * len(questions)
    unranked = retrieve_all(engine, questions, DEFAULT_MODE, encodings=encodings, rankings=none, memories=none)
    rankings, fitted = out_of_fold(unranked, fit_ranking) if ranking else (none, None)
    memories, memory = out_of_fold(unranked, fit_memory)
    retrieved = retrieve_all(
        engine, questions, DEFAULT_MODE, encodings=encodings, rankings=rankings, memories=memories, progress=progress
    )
    return FinalRetrieval(retrieved, fitted, memory)


def run_variants(
    engine: SearchEngine,
    questions: list[LabelledQuestion],
    modes: tuple[RetrievalMode, ...] = RETRIEVAL_MODES,
    progress: Callable[[], None] | None = None,
) -> EvaluationRun:
    """Every retrieval mode over the same questions and query vectors, and every router fitted on
    the dev split under the off-topic policy of the engine's settings."""
    encodings = [engine.encode(question.q) for question in questions]
    retrieved, final = {}, None
    for mode in modes:
        if mode == DEFAULT_MODE:
            final = retrieve_out_of_fold(engine, questions, encodings, progress)
            retrieved[mode] = final.retrieved
        else:
            retrieved[mode] = retrieve_all(engine, questions, mode, encodings=encodings, progress=progress)
    calibrations = {}
    for mode, items in retrieved.items():
        dev = [item for item in items if item.question.split == "dev"]
        variants = ROUTING_VARIANTS if mode == DEFAULT_MODE else {FINAL_ROUTING: None}
        for variant, weight in variants.items():
            calibration = fit_calibration(
                dev, engine.settings.embedding_model, mode, weight, engine.settings.off_topic_rejection_target
            )
            if final is not None and mode == DEFAULT_MODE:
                calibration.ranking, calibration.memory = final.ranking, final.memory
            calibrations[(mode, variant)] = calibration
    return EvaluationRun(retrieved, calibrations)


def _failures(observations: list[Observation]) -> list[dict]:
    return [
        {
            "question": o.question,
            "kind": o.kind,
            "expected": o.expected,
            "got": o.ranked[:3],
            "expected_department": o.expected_department,
            "department": o.department,
            "status": o.status,
            "confidence": round(o.confidence, 3),
        }
        for o in observations
        if (o.rank != 1 and not o.off_topic) or not o.routed_correctly or (o.off_topic and o.status != "off_topic")
    ]


def build_report(run: EvaluationRun, model: str, final_mode: str = DEFAULT_MODE) -> dict:
    calibration = run.calibrations[(final_mode, FINAL_ROUTING)]
    observations = observe(run.retrieved[final_mode], calibration)
    test = [o for o in observations if o.split == "test"]
    ece, reliability = expected_calibration_error(test)
    latencies = sorted(item.outcome.took_ms for item in run.retrieved[final_mode])

    retrieval_comparison = {}
    for mode, items in run.retrieved.items():
        mode_observations = observe(items, run.calibrations[(mode, FINAL_ROUTING)])
        mode_summary = summarize(mode_observations)
        retrieval_comparison[mode] = {
            "all": mode_summary,
            # the final configuration, told to reject as many questions we cover as this variant does
            "final_rejection_at_same_cost": rejection_at_cost(observations, mode_summary["off_topic_covered"]),
            "test": summarize(o for o in mode_observations if o.split == "test"),
            "by_kind": summarize_by(mode_observations, lambda o: o.kind),
        }
    routing_comparison = {}
    for (mode, variant), variant_calibration in run.calibrations.items():
        if mode != final_mode:
            continue
        variant_observations = observe(run.retrieved[mode], variant_calibration)
        variant_test = [o for o in variant_observations if o.split == "test"]
        routing_comparison[variant] = {
            "all": summarize(variant_observations),
            "test": summarize(variant_test),
            "calibration_error_test": expected_calibration_error(variant_test)[0],
            "classifier_weight": variant_calibration.classifier_weight,
        }
    overall, test_summary = summarize(observations), summarize(test)
    return {
        "generated": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "model": model,
        "final": {"retrieval": final_mode, "routing": FINAL_ROUTING},
        "calibration": _calibration_summary(calibration),
        "overall": overall,
        "dev": summarize(o for o in observations if o.split == "dev"),
        "test": test_summary,
        "targets": {"all": against_targets(overall), "test": against_targets(test_summary)},
        "calibration_error_test": ece,
        "calibration_error_all": expected_calibration_error(observations)[0],
        "reliability_test": reliability,
        "latency_ms": {
            "p50": round(latencies[len(latencies) // 2], 1),
            "p95": round(latencies[int(len(latencies) * 0.95)], 1),
        },
        "comparison": {"retrieval": retrieval_comparison, "routing": routing_comparison},
        "operating_points": operating_points(run.retrieved[final_mode], calibration),
        "by_kind": summarize_by(observations, lambda o: o.kind),
        "by_department": summarize_by(observations, lambda o: o.expected_department),
        "by_source": summarize_by(observations, lambda o: o.source),
        "by_source_test": summarize_by(test, lambda o: o.source),
        "confusion": confusion_matrix(observations),
        "failures": _failures(observations),
    }


def _calibration_summary(calibration: RoutingCalibration) -> dict:
    """The router's settings for the report, without the learned models' bulk (the ranking's trees
    and the labelled questions' vectors: they are in `eval/fitted/`)."""
    summary = calibration.model_dump()
    if summary.get("ranking") and "trees" in summary["ranking"]:
        summary["ranking"]["trees"] = f"{len(summary['ranking']['trees'])} trees (eval/fitted/ranking.json)"
    if calibration.memory is not None:
        covered, off_topic = calibration.memory.size
        summary["memory"] = (
            f"{covered} covered and {off_topic} off-topic question vectors, "
            f"{calibration.memory.neighbours} nearest of each (eval/fitted/memory.npz)"
        )
    return summary


def operating_points(retrieved: list[SearchedQuestion], calibration: RoutingCalibration) -> list[dict]:
    """What each candidate off-topic threshold would give, all else as fitted: off-topic
    rejection, the share of questions we do cover told "geen informatie", and routing accuracy,
    on all questions and on the held-out split. The price of a higher off-topic rejection, in
    numbers, for whoever sets `Settings.off_topic_rejection_target`."""
    fitted = calibration.in_scope_threshold
    rows = []
    for threshold in sorted({*THRESHOLDS, fitted}):
        observations = observe(retrieved, calibration.model_copy(update={"in_scope_threshold": threshold}))
        row: dict = {"threshold": threshold, "fitted": threshold == fitted}
        for split, members in (("all", observations), ("test", [o for o in observations if o.split == "test"])):
            rates = decision_rates(members)
            row[split] = {key: rates[key] for key in OPERATING_METRICS}
        rows.append(row)
    return rows


def confusion_matrix(observations: list[Observation]) -> dict[str, dict[str, int]]:
    """Routing: expected department (or "(off-topic)") -> what the router said -> count."""
    matrix: dict[str, dict[str, int]] = {}
    for o in observations:
        expected = o.expected_department or "(off-topic)"
        got = o.department or f"({o.status})"
        row = matrix.setdefault(expected, {})
        row[got] = row.get(got, 0) + 1
    return dict(sorted(matrix.items()))


def evaluate_engine(engine: SearchEngine, questions: list[LabelledQuestion], reports_dir: Path, *, compare: bool = False) -> Path:
    """One evaluation of a running engine with its deployed router (what the console starts)."""
    modes = RETRIEVAL_MODES if compare else (DEFAULT_MODE,)
    run = run_variants(engine, questions, modes)
    run.calibrations[(DEFAULT_MODE, FINAL_ROUTING)] = engine.calibration
    return write_report(build_report(run, engine.settings.embedding_model), reports_dir)


def write_report(report: dict, reports_dir: Path) -> Path:
    """The JSON report and its Markdown rendering, side by side, named by time."""
    from eval.markdown import render_markdown

    from kb.private_files import private_dir, write_private_text

    private_dir(reports_dir)  # reports quote the questions, and editors add failed searches to them
    stamp = report["generated"].replace(":", "").replace("-", "")[:15]
    path = reports_dir / f"eval-{stamp}.json"
    write_private_text(path, json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    write_private_text(path.with_suffix(".md"), render_markdown(report))
    return path
