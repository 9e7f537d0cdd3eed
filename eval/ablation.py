"""Every model earns its place: each fitted model, stage and hand-set weight of the request path
left out in turn (`kb ablation`).

A variant is the product without one part: a model or stage is left out, a weight is set to its
neutral value (equal fusion weights, the usual RRF constant, no cut-off). Each variant answers the
labelled questions with the same query vectors, and its learned ranking, question memory and router
are fitted on the dev split again exactly as `kb eval --calibrate` fits them
(`eval.run.retrieve_out_of_fold`, `eval.run.fit_calibration`), so that "without X" is a fair
product without X, not the product with X zeroed after fitting. Every variant is scored on the
blind question sets together (`kb.questions`: blind-1, blind-2, blind-3), on their held-out split
and on all of them.

What a part costs is timed in the same run: every question is searched once more with the
models fitted on the dev questions (the ones the API gets), each stage of the request path
(`search_api.pipeline`) timed on its own, in milliseconds per question.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, replace
from functools import partial
from typing import Any, Literal, TypeVar, cast

import search_api.language as language_module
import search_api.ranking as ranking_module
import search_api.routing as routing_module
from eval.metrics import summarize
from eval.run import SearchedQuestion, fit_calibration, observe, retrieve_all, retrieve_out_of_fold
from kb.questions import LabelledQuestion
from search_api.best_bets import BestBets
from search_api.classifier import DepartmentClassifier
from search_api.engine import SearchEngine
from search_api.fusion import RankFusion
from search_api.language import LanguageDetector
from search_api.language_centering import LanguageCentering
from search_api.pipeline import QueryVectors, SearchPipeline
from search_api.retrieval import ARTICLE_CHUNKS, DEFAULT_MODE, TOP_K
from search_api.routing import (
    RoutingCalibration,
    RoutingInput,
    calibrated_confidence,
    department_distribution,
    in_scope_probability,
)
from search_api.token_match import ArticleTokens

#: The question sets nobody tuned the product on (`kb.questions.LabelledQuestion.source`)
BLIND = "blind"
METRICS = ("hit@1", "hit@5", "routing_accuracy", "off_topic_rejection")
#: The held-out split of the blind sets, and all their questions
GROUPS = ("held_out", "all")
#: Every question of every set, as `kb eval` reports them ("overall"): kept in the report, not judged on
EVERY = "every"
#: A part earns its place when leaving it out costs at least this much of one metric in one group
POINT = 0.01
#: The usual constant of reciprocal rank fusion (Cormack et al. 2009; Haystack uses 61)
NEUTRAL_RANK_CONSTANT = 60
COMMAND = "kb ablation --output eval/ablation.json --readme docs/quality.md"

Kind = Literal["model", "stage", "weight"]
Search = Callable[[SearchEngine], AbstractContextManager[Any]]
T = TypeVar("T")


@dataclass(frozen=True)
class Variant:
    """The product without one part.

    `search`: what the engine searches with meanwhile (a changed pipeline, retriever or module
    setting); `ranking=False`: without the learned ranking; `inputs`: the routing signals changed
    before the router is fitted; `routing`: a routing setting changed while the router is fitted
    and applied; `platt=False`: the router fitted without Platt scaling. A variant with neither
    `search` nor `ranking=False` reuses the retrievals of the whole product."""

    key: str  # its name on the command line
    part: str  # what is left out, with where it lives
    kind: Kind
    without: str  # what takes its place
    stages: tuple[str, ...] = ()  # the timed stages (`STAGES`) it saves
    search: Search | None = None
    ranking: bool = True
    inputs: Callable[[RoutingInput], RoutingInput] | None = None
    routing: Callable[[], AbstractContextManager[Any]] | None = None
    platt: bool = True

    @property
    def retrieves(self) -> bool:
        return self.search is not None or not self.ranking


# -- changing the engine for the length of one variant -------------------------------------------


@contextmanager
def swapped(target: Any, name: str, value: Any) -> Iterator[None]:
    """`target.name` (an attribute of an object or a module, or a key of a dict) is `value`
    meanwhile, and what it was afterwards."""
    if isinstance(target, dict):
        saved = target[name]
        target[name] = value
        try:
            yield
        finally:
            target[name] = saved
        return
    saved = getattr(target, name)
    setattr(target, name, value)
    try:
        yield
    finally:
        setattr(target, name, saved)


class _Wrapped:
    """An object as it is, with some of its methods replaced."""

    def __init__(self, target: Any, methods: dict[str, Callable[..., Any]]) -> None:
        self._target, self._methods = target, methods

    def __getattr__(self, name: str) -> Any:
        if name in self._methods:
            return self._methods[name]
        return getattr(self._target, name)


def wrapped(target: T, **methods: Callable[..., Any]) -> T:
    """`target` with the given methods replaced (to time them, or to call them with other arguments)."""
    return cast(T, _Wrapped(target, methods))


def _pipeline(engine: SearchEngine) -> SearchPipeline:
    assert engine.pipeline is not None, "start() first"
    return engine.pipeline


def _with_pipeline(**changes: Any) -> Search:
    """The engine's pipeline with some of its components replaced."""
    return lambda engine: swapped(engine, "pipeline", replace(_pipeline(engine), **changes))


def _with_ranker(change: Callable[[Any], dict[str, Any]]) -> Search:
    """The engine's article ranker with some of its components replaced (`change(ranker)`)."""

    def search(engine: SearchEngine) -> AbstractContextManager[Any]:
        pipeline = _pipeline(engine)
        return swapped(engine, "pipeline", replace(pipeline, ranker=replace(pipeline.ranker, **change(pipeline.ranker))))

    return search


def _with_retriever(name: str, value: Callable[[Any], Any]) -> Search:
    """The engine's retriever with one attribute replaced (`value(retriever)`)."""

    def search(engine: SearchEngine) -> AbstractContextManager[Any]:
        retriever = _pipeline(engine).retriever
        return swapped(retriever, name, value(retriever))

    return search


def _with_setting(module: Any, name: str, value: Any) -> Search:
    return lambda engine: swapped(module, name, value)


def _article_vectors(weight: float | None = None, k: int | None = None) -> Callable[[Any], dict[str, Any]]:
    """The article vectors re-ranking with another weight or rank constant."""
    arguments = {key: value for key, value in (("weight", weight), ("k", k)) if value is not None}
    return lambda ranker: {"article_vectors": wrapped(ranker.article_vectors, rerank=partial(ranker.article_vectors.rerank, **arguments))}


@contextmanager
def _neutral_rank_constant(engine: SearchEngine) -> Iterator[None]:
    """Both reciprocal rank fusions (dense and sparse chunks; chunks and article vectors) with the usual constant."""
    retriever = _pipeline(engine).retriever
    fusion = RankFusion(weights=retriever.fusion.weights, k=NEUTRAL_RANK_CONSTANT, top_k=retriever.top_k)
    with swapped(retriever, "fusion", fusion), _with_ranker(_article_vectors(k=NEUTRAL_RANK_CONSTANT))(engine):
        yield


def _language_detector(engine: SearchEngine) -> AbstractContextManager[Any]:
    """Language detection that names a language however close the next one is (lingua's default)."""
    with swapped(language_module, "MIN_RELATIVE_DISTANCE", 0.0):
        detector = LanguageDetector()
        detector.warm_up()  # builds it with the setting
    return _with_pipeline(language=detector)(engine)


def _no_in_scope_signals(signals: RoutingInput) -> RoutingInput:
    """The same for every question: the in-scope model can only learn one probability for all."""
    return replace(signals, top_dense=0.0, top_sparse=0.0, words=0, ranking_top=0.0, margin=0.0)


def _route_with_vote_depth(depth: int) -> Callable[[], AbstractContextManager[Any]]:
    return lambda: swapped(routing_module, "VOTE_DEPTH", depth)


VARIANTS: tuple[Variant, ...] = (
    # the seven fitted models of a search
    Variant("classifier", "department classifier (`search_api/classifier.py`)", "model",
            "no classifier probabilities: the vote alone routes, the ranking loses its signal",
            ("classifier",), search=_with_pipeline(classifier=DepartmentClassifier())),
    Variant("ranking", "boosted ranking (`search_api/ranking.py`, 200 trees)", "model",
            "the fused order after the article vectors stands", ("ranking",), ranking=False),
    Variant("memory", "question memory (`eval/fitted/memory.npz`)", "model",
            "no nearest-question margin in the in-scope model", ("memory",),
            inputs=lambda signals: replace(signals, margin=0.0)),
    Variant("in_scope", "in-scope model (`routing.IN_SCOPE_FEATURES`)", "model",
            "no in-scope signals: every question alike", ("in_scope",), inputs=_no_in_scope_signals),
    Variant("platt", "Platt scaling of the confidence (`routing.calibrated_confidence`)", "model",
            "the raw confidence (share of the vote × in-scope probability)", ("platt",), platt=False),
    # stages with a cost that are no fitted model
    Variant("token_match", "token match (`search_api/token_match.py`)", "stage",
            "no late-interaction signal in the ranking", ("token_match",),
            search=_with_ranker(lambda ranker: {"article_tokens": ArticleTokens()})),
    Variant("typo_correction", "typo correction of Dutch questions (`kb/spelling.py`)", "stage",
            "the question as typed", ("typo_correction",), search=_with_retriever("corrector", lambda _: None)),
    Variant("language_centering", "language centering (`KB_LANGUAGE_CENTERING` 0.3)", "stage",
            "0: vectors of other languages not moved", ("language_centering",),
            search=_with_retriever("centering", lambda _: LanguageCentering())),
    Variant("article_vectors", "article-vector re-ranking (`article_vectors.ARTICLE_WEIGHT` 0.35)", "stage",
            "0: the chunk order alone", ("article_vectors",), search=_with_ranker(_article_vectors(weight=0.0))),
    Variant("best_bets", "best-bets promotion (`search_api/best_bets.py`)", "stage",
            "no article lifted for a title or keyword, no keyword counts as in scope", ("best_bets",),
            search=_with_pipeline(best_bets=BestBets())),
    # hand-set weights, each at its neutral value
    Variant("fusion_weights", "fusion weights dense / sparse (`fusion.WEIGHTS` 0.6 / 0.4)", "weight", "0.5 / 0.5",
            search=_with_retriever("fusion", lambda retriever: RankFusion(weights=(0.5, 0.5), top_k=retriever.top_k))),
    Variant("rank_constant", "RRF constant k (`fusion.RANK_CONSTANT` 10)", "weight",
            f"{NEUTRAL_RANK_CONSTANT}, the usual constant", search=_neutral_rank_constant),
    Variant("article_chunks", "chunks per article (`retrieval.ARTICLE_CHUNKS` 2)", "weight", "1: the best chunk",
            search=_with_setting(ARTICLE_CHUNKS, DEFAULT_MODE, 1)),
    Variant("depth", "ranking depth (`ranking.DEPTH` 10)", "weight", f"every candidate ({TOP_K})",
            search=_with_setting(ranking_module, "DEPTH", TOP_K)),
    Variant("missing_cosine", "cosine of a chunk kind not found (`ranking.MISSING_COSINE` −0.1)", "weight",
            "−1: below any chunk found", search=_with_setting(ranking_module, "MISSING_COSINE", -1.0)),
    Variant("vote_depth", "articles in the department vote (`routing.VOTE_DEPTH` 10)", "weight",
            f"every candidate ({TOP_K})", routing=_route_with_vote_depth(TOP_K)),
    Variant("language_margin", "language detection margin (`language.MIN_RELATIVE_DISTANCE` 0.05)", "weight",
            "0: lingua's default", search=_language_detector),
)
VARIANT_KEYS = tuple(variant.key for variant in VARIANTS)

#: The timed stages of the request path (`time_stages`), by the name the table gives them
STAGES = {
    "typo_correction": "typo correction, with the second embedding of a corrected question",
    "language_centering": "language centering",
    "classifier": "department classifier",
    "article_vectors": "article-vector re-ranking",
    "token_match": "token match",
    "ranking": "boosted ranking, with its signals",
    "best_bets": "best bets",
    "memory": "question memory",
    "in_scope": "in-scope model",
    "platt": "Platt scaling",
}


# -- timing the stages ----------------------------------------------------------------------------


class StageTimer:
    """Seconds spent per stage, summed over the calls it timed."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)

    def timed(self, stage: str, function: Callable[..., T]) -> Callable[..., T]:
        def call(*args: Any, **kwargs: Any) -> T:
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                self.seconds[stage] += time.perf_counter() - started

        return call


def time_stages(
    engine: SearchEngine, questions: list[LabelledQuestion], encodings: list[QueryVectors], calibration: RoutingCalibration
) -> dict[str, float]:
    """Milliseconds per question of every stage of `STAGES`, and of the whole search ("search"):
    every question searched once with the models of `calibration` (fitted on the dev questions,
    as the API gets them), each stage timed on its own. The in-scope model and the Platt scaling
    are timed over the questions' routing signals after the searches."""
    clock = StageTimer()
    pipeline = _pipeline(engine)
    retriever, ranker = pipeline.retriever, pipeline.ranker
    inner = replace(
        ranker,
        article_vectors=wrapped(ranker.article_vectors, rerank=clock.timed("article_vectors", ranker.article_vectors.rerank)),
        article_tokens=wrapped(ranker.article_tokens, match=clock.timed("token_match", ranker.article_tokens.match)),
    )
    timed_pipeline = replace(
        pipeline,
        classifier=wrapped(pipeline.classifier, predict=clock.timed("classifier", pipeline.classifier.predict)),
        ranker=wrapped(inner, run=clock.timed("ranker", inner.run)),
        best_bets=wrapped(pipeline.best_bets, match=clock.timed("best_bets", pipeline.best_bets.match),
                          promote=clock.timed("best_bets", pipeline.best_bets.promote)),
    )
    memory = calibration.memory
    if memory is not None:
        memory = wrapped(memory, margin=clock.timed("memory", memory.margin))
    # With the question's vectors given, the retriever embeds again only a question it corrected
    embedder, corrector = retriever.text_embedder, retriever.corrector
    with (
        swapped(engine, "pipeline", timed_pipeline),
        swapped(retriever, "text_embedder", wrapped(embedder, run=clock.timed("typo_correction", embedder.run))),
        swapped(retriever, "corrector", corrector and wrapped(corrector, correct=clock.timed("typo_correction", corrector.correct))),
        swapped(retriever, "centering", wrapped(retriever.centering, apply=clock.timed("language_centering", retriever.centering.apply))),
    ):
        searched = retrieve_all(
            engine, questions, DEFAULT_MODE, encodings=encodings,
            rankings=[calibration.ranking] * len(questions), memories=[memory] * len(questions),
        )
    clock.seconds["ranking"] = clock.seconds.pop("ranker", 0.0) - clock.seconds["article_vectors"] - clock.seconds["token_match"]
    for item in searched:
        signals = item.routing_input
        probability = clock.timed("in_scope", in_scope_probability)(signals, calibration)
        share = next(iter(department_distribution(signals, calibration)), ("", 0.0))[1]
        if calibration.platt:
            clock.timed("platt", calibrated_confidence)(share * probability, calibration)
    per_question = {stage: 1000 * clock.seconds.get(stage, 0.0) / max(1, len(questions)) for stage in STAGES}
    per_question["search"] = sum(item.outcome.took_ms for item in searched) / max(1, len(searched))
    return {stage: round(ms, 3) for stage, ms in per_question.items()}


# -- scoring ----------------------------------------------------------------------------------------


def blind_scores(retrieved: list[SearchedQuestion], calibration: RoutingCalibration) -> dict[str, dict]:
    """The `METRICS` on the held-out split of the blind sets and on all their questions (and on
    every question, `EVERY`)."""
    every = observe(retrieved, calibration)
    observations = [o for o in every if o.source.startswith(BLIND)]
    groups = {"held_out": [o for o in observations if o.split == "test"], "all": observations, EVERY: every}
    scores = {}
    for group, members in groups.items():
        summary = summarize(members)
        scores[group] = {"questions": summary["questions"], **{metric: summary[metric] for metric in METRICS}}
    return scores


def earns_its_place(everything: dict[str, dict], without: dict[str, dict]) -> bool:
    """Whether leaving the part out costs at least a `POINT` of some metric, held out or on all
    blind questions."""
    for group in GROUPS:
        for metric in METRICS:
            whole, rest = everything[group][metric], without[group][metric]
            if whole is not None and rest is not None and whole - rest >= POINT - 1e-9:
                return True
    return False


def run_ablation(
    engine: SearchEngine,
    questions: list[LabelledQuestion],
    variants: tuple[Variant, ...] = VARIANTS,
    progress: Callable[[str], None] | None = None,
) -> dict:
    """The whole product and every variant, refitted and scored; the stages timed. A JSON-ready
    report (`render_table` draws it)."""
    settings = engine.settings
    encodings = [engine.encode(question.q) for question in questions]

    def fit(retrieved: list[SearchedQuestion], platt: bool = True) -> RoutingCalibration:
        """As `kb eval --calibrate` fits the final router (`eval.run.run_variants`)."""
        dev = [item for item in retrieved if item.question.split == "dev"]
        return fit_calibration(
            dev, settings.embedding_model, DEFAULT_MODE, None, settings.off_topic_rejection_target, platt=platt
        )

    def step(name: str) -> None:
        if progress:
            progress(name)

    step("everything")
    final = retrieve_out_of_fold(engine, questions, encodings)
    calibration = fit(final.retrieved)
    calibration.ranking, calibration.memory = final.ranking, final.memory
    everything = blind_scores(final.retrieved, calibration)
    timings = time_stages(engine, questions, encodings, calibration)
    rows = [{"key": "everything", "part": "everything", "kind": "all", "without": "", "ms": timings["search"], **everything}]
    for variant in variants:
        step(variant.key)
        retrieved = final.retrieved
        if variant.retrieves:
            with variant.search(engine) if variant.search else nullcontext():
                retrieved = retrieve_out_of_fold(engine, questions, encodings, ranking=variant.ranking).retrieved
        if variant.inputs is not None:
            change = variant.inputs
            retrieved = [
                replace(item, outcome=replace(item.outcome, routing_input=change(item.routing_input))) for item in retrieved
            ]
        with variant.routing() if variant.routing else nullcontext():
            scores = blind_scores(retrieved, fit(retrieved, platt=variant.platt))
        rows.append({
            "key": variant.key, "part": variant.part, "kind": variant.kind, "without": variant.without,
            "ms": round(sum(timings[stage] for stage in variant.stages), 3) if variant.stages else None,
            **scores, "earns_its_place": earns_its_place(everything, scores),
        })
    return {
        "generated": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "model": settings.embedding_model,
        "questions": len(questions),
        "stages_ms": timings,
        "rows": rows,
    }


# -- the table -------------------------------------------------------------------------------------

LABELS = {"hit@1": "hit@1", "hit@5": "hit@5", "routing_accuracy": "routing", "off_topic_rejection": "rejection"}
GROUP_LABELS = {"held_out": "held out", "all": "all blind"}


def change_in_points(everything: dict, row: dict, group: str, metric: str) -> float | None:
    whole, value = everything[group][metric], row[group][metric]
    return None if whole is None or value is None else round(100 * (value - whole), 1)


def cell(everything: dict, row: dict, group: str, metric: str) -> str:
    """The value, and for a variant its change against the whole product in points."""
    value = row[group][metric]
    if value is None:
        return "–"
    if row is everything:
        return f"{value:.3f}"
    change = change_in_points(everything, row, group, metric)
    return f"{value:.3f} ({change:+.1f})".replace("-", "−")


def _ms(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}"


def render_table(report: dict) -> list[str]:
    """The ablation as Markdown lines: one row per variant, the metrics held out and on all blind
    questions with the change in points, the milliseconds per question the part costs, and whether
    it earns its place."""
    everything, *variants = report["rows"]
    groups = " | ".join(f"{LABELS[metric]} ({GROUP_LABELS[group]})" for group in GROUPS for metric in METRICS)
    lines = [
        f"| part | without it | {groups} | ms per question | adds ≥ 1 point |",
        "|---|---|" + "---:|" * (len(GROUPS) * len(METRICS) + 1) + "---|",
    ]
    for row in (everything, *variants):
        cells = " | ".join(cell(everything, row, group, metric) for group in GROUPS for metric in METRICS)
        if row is everything:
            lines.append(f"| **everything** | | {cells} | {_ms(row['ms'])} (whole search) | |")
        else:
            verdict = "yes" if row["earns_its_place"] else "**no**"
            lines.append(f"| {row['part']} | {row['without']} | {cells} | {_ms(row['ms'])} | {verdict} |")
    held_out, blind = everything["held_out"]["questions"], everything["all"]["questions"]
    month = dt.datetime.fromisoformat(report["generated"]).strftime("%B %Y")
    lines += [
        "",
        f"Measured with `{COMMAND}` ({month}; {report['questions']:,} questions, of which {held_out} held-out "
        f"and {blind:,} in all in the blind sets). Changes in points against everything, in brackets; ms per "
        "question: what the part's stage costs a search, timed in the same run (– : a value, which costs nothing).",
    ]
    return lines


#: The generated blocks of docs/quality.md (`<!-- kb ablation: name -->`; `eval.readme`)
ABLATION_BLOCKS: dict[str, Callable[[dict], list[str]]] = {"parts": render_table}
