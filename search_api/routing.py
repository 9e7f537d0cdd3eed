"""Department routing with a calibrated confidence and honest abstention.

Two sources of evidence, combined:
- the vote of the retrieved articles (a softmax over their scores, per department);
- the department classifier (`search_api.classifier`), trained from the knowledge base.
The combined distribution is `w * classifier + (1 - w) * vote`. Whether the question is about
anything the knowledge base covers is a logistic model of retrieval signals (best dense cosine,
best BM25 score, and the shortness of the question: a one-word question scores lower on both
than a sentence about the same thing; the learned ranking's confidence) and of what the question
is about (the nearest labelled questions, `search_api.question_memory`); a question that is exactly an article's title or keyword
is in scope (`search_api.best_bets`). The confidence is Platt-scaled so that it is the
probability that the routing is right. Below a threshold the router abstains as "ambiguous" and
offers the most likely departments. Every parameter (temperature, w, the in-scope model, the
Platt scaling and the thresholds) is fitted on the labelled dev questions (`kb eval
--calibrate`), none is picked by hand; `search_api.model_files` reads and writes them.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from search_api.grouping import ArticleHit
from search_api.question_memory import QuestionMemory
from search_api.ranking import Ranking


VOTE_DEPTH = 10
#: Languages the knowledge base's text is in (Dutch articles, English example questions), so
#: that a question's BM25 score means something (`search_api.ranking` marks the others); None:
#: too short to tell.
LEXICAL_LANGUAGES = {None, "nl", "en"}
#: The features of the in-scope model, by name, in the order of `RoutingInput.features()`: the
#: best dense cosine, log(1 + the best BM25 score), shortness 1 / (1 + content words), the learned
#: ranking's confidence in its first article, and the question memory's margin. The fitted router (`search_api.model_files`) names its coefficients by them. One model
#: judges questions in every language: a second one for questions in other languages, without the
#: BM25 score, rejected fewer off-topic questions and won nothing (`kb ablation`, December 2026,
#: blind sets: off-topic rejection held out 0.875 against 0.925 with one model, all 0.922 against 0.948).
IN_SCOPE_FEATURES = ("dense_cosine", "bm25_log", "shortness", "ranking_top", "memory_margin")
_DEFAULT_COEF = [60.0] + [0.0] * (len(IN_SCOPE_FEATURES) - 1)  # the dense cosine alone


class RoutingCalibration(BaseModel):
    """Parameters of the router; `kb eval --calibrate` fits them for a model and retrieval mode."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    model: str = ""
    mode: str = "hybrid_plus"
    temperature: float = 0.01  # softmax temperature of the article vote
    classifier_weight: float = 0.5  # w in w * classifier + (1 - w) * vote
    # P(in scope) = sigmoid(coef . features + intercept), one coefficient per `IN_SCOPE_FEATURES`
    in_scope_coef: list[float] = _DEFAULT_COEF
    in_scope_intercept: float = -49.2
    in_scope_threshold: float = 0.5
    # How the in-scope model was regularised when fitted (`eval.run.IN_SCOPE_REGULARISATIONS`):
    # features standardised first or not, and the inverse strength C of the L2 penalty. The
    # coefficients above are always on the raw features; these record the choice.
    in_scope_standardised: bool = False
    in_scope_c: float = 10.0
    # Platt scaling of the raw confidence (share x in-scope) into P(routing right)
    confidence_slope: float = 1.0
    confidence_intercept: float = 0.0
    platt: bool = False
    min_confidence: float = 0.0  # below this (calibrated) the router abstains as "ambiguous"
    fitted_on: int = 0  # number of labelled questions the fit used
    # None: the off-topic threshold maximises the value of the decisions; a rate: the threshold is
    # the lowest that rejects that share of the off-topic dev questions (`Settings.off_topic_rejection_target`)
    off_topic_rejection_target: float | None = None
    # The learned ranking of the first articles (`search_api.ranking`), fitted on the same dev
    # questions; None: the fused order stands.
    ranking: Ranking | None = None
    # The labelled dev questions' vectors (`search_api.question_memory`); None: its signal is 0.
    # Arrays, in their own file (`search_api.model_files`).
    memory: QuestionMemory | None = Field(None, exclude=True)

    @model_validator(mode="after")
    def _one_coefficient_per_feature(self) -> "RoutingCalibration":
        if len(self.in_scope_coef) != len(IN_SCOPE_FEATURES):
            raise ValueError(f"in_scope_coef needs one coefficient per feature {IN_SCOPE_FEATURES}")
        return self


@dataclass
class RoutingInput:
    """What routing needs from one retrieval; kept so that variants can be re-scored."""

    hits: list[ArticleHit]
    classifier: dict[str, float] = field(default_factory=dict)
    top_dense: float = 0.0
    top_sparse: float = 0.0
    words: int = 0  # words that carry meaning (`kb.text.content_words`): "ik wil een hond" is one
    best_bet: bool = False  # the question is exactly an article's title or keyword (`search_api.best_bets`)
    # the learned ranking's probability that its first article is right (`search_api.ranking`); 0 without one
    ranking_top: float = 0.0
    # how much nearer it is to the labelled questions we cover than to the off-topic ones
    # (`search_api.question_memory.QuestionMemory`, difference of cosines); 0 without a memory
    margin: float = 0.0

    def features(self) -> list[float]:
        """What the in-scope model sees, in the order of `IN_SCOPE_FEATURES`. Shortness: one- and
        two-word questions ("vog", "glasbak") have a lower best cosine and BM25 score than
        sentences, and were rejected as off-topic (measured: routing of one-word questions 0.75 ->
        0.93). It counts the words that carry meaning, as BM25 does: "ik wil een hond" gives BM25
        one word to match, not four. The learned ranking's confidence in its first article weighs
        the signals together per article (November 2026, 5 x 5-fold on the dev questions:
        off-topic questions rejected while keeping 95% of the covered ones 0.805 -> 0.893). The
        nearest labelled questions say what the question is about, where the others say how well
        something matched (held out: AUC 0.962 -> 0.977 beside a logistic regression on the
        question vector, which was later left out, `search_api.question_memory`)."""
        named = {
            "dense_cosine": self.top_dense,
            "bm25_log": math.log1p(max(self.top_sparse, 0.0)),
            "shortness": 1.0 / (1 + self.words),
            "ranking_top": self.ranking_top,
            "memory_margin": self.margin,
        }
        return [named[name] for name in IN_SCOPE_FEATURES]


@dataclass
class Routing:
    status: Literal["routed", "ambiguous", "off_topic"]
    department_id: str | None
    confidence: float
    in_scope: float
    distribution: list[tuple[str, float]] = field(default_factory=list)  # best first

    @property
    def alternatives(self) -> list[tuple[str, float]]:
        return [(dept, p) for dept, p in self.distribution[:3] if p >= 0.05]


def vote_distribution(hits: list[ArticleHit], temperature: float) -> dict[str, float]:
    """Softmax-weighted vote of the top articles for their departments."""
    top = hits[:VOTE_DEPTH]
    if not top:
        return {}
    best = top[0].score
    weights: dict[str, float] = defaultdict(float)
    for hit in top:
        weights[hit.department_id] += math.exp((hit.score - best) / temperature)
    total = sum(weights.values())
    return {dept: weight / total for dept, weight in weights.items()}


def department_distribution(routing_input: RoutingInput, calibration: RoutingCalibration) -> list[tuple[str, float]]:
    vote = vote_distribution(routing_input.hits, calibration.temperature)
    classifier = routing_input.classifier
    weight = calibration.classifier_weight if classifier else 0.0
    if not vote:
        weight = 1.0 if classifier else 0.0
    departments = dict.fromkeys([*vote, *classifier])  # in the order of the hits: ties go to the better-ranked article
    combined = {d: weight * classifier.get(d, 0.0) + (1 - weight) * vote.get(d, 0.0) for d in departments}
    return sorted(combined.items(), key=lambda item: -item[1])


def in_scope_probability(routing_input: RoutingInput, calibration: RoutingCalibration) -> float:
    if routing_input.best_bet:  # an editor's keyword is in scope by definition
        return 1.0
    coef, intercept = calibration.in_scope_coef, calibration.in_scope_intercept
    return _sigmoid(sum(c * x for c, x in zip(coef, routing_input.features())) + intercept)


def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(min(z, 50.0), -50.0)))


def calibrated_confidence(raw: float, calibration: RoutingCalibration) -> float:
    if not calibration.platt:
        return raw
    return _sigmoid(calibration.confidence_slope * raw + calibration.confidence_intercept)


def route(routing_input: RoutingInput, calibration: RoutingCalibration) -> Routing:
    if not routing_input.hits and not routing_input.classifier:
        return Routing("off_topic", None, 0.0, 0.0)
    distribution = department_distribution(routing_input, calibration)
    in_scope = in_scope_probability(routing_input, calibration)
    department_id, share = distribution[0]
    confidence = calibrated_confidence(share * in_scope, calibration)
    status = decide(in_scope, confidence, calibration)
    return Routing(status, department_id if status == "routed" else None, confidence, in_scope, distribution)


def decide(in_scope: float, confidence: float, calibration: RoutingCalibration) -> Literal["routed", "ambiguous", "off_topic"]:
    """The abstention rule: off-topic below the in-scope threshold, ambiguous below the
    confidence threshold, routed otherwise."""
    if in_scope < calibration.in_scope_threshold:
        return "off_topic"
    if confidence < calibration.min_confidence:
        return "ambiguous"
    return "routed"
