"""The evaluation report as Markdown: the report file, and the tables the README and docs show.

Every table is a function of the JSON report (`eval/run.py build_report`). `render_markdown`
puts them all in one file (`eval/baseline.md`, `data/reports/eval-*.md`); `eval/readme.py`
writes the ones named in `README_BLOCKS` between markers in `README.md` (the headline) and
`docs/quality.md` (every table), so their figures are never copied by hand.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable

RETRIEVAL_NAMES = {
    "bm25": "BM25 only",
    "dense": "Dense only",
    "hybrid": "Hybrid (RRF)",
    "hybrid_plus": "Hybrid + all improvements (final)",
}
IMPROVEMENTS = (
    "typo correction of Dutch questions, language centering of other languages, article vectors, "
    "the learned ranking and best bets (see `search_api/retrieval.py` and `search_api/engine.py`)"
)
ROUTING_NAMES = {"vote": "Nearest-article vote", "classifier": "Classifier", "combined": "Vote + classifier (final)"}
LABELS = {
    "hit@1": "hit@1", "hit@5": "hit@5", "mrr": "MRR", "ndcg@10": "nDCG@10", "routing_accuracy": "routing acc.",
    "routing_macro_f1": "routing macro-F1", "right_desk_reached": "right desk reached",
    "accuracy_when_routed": "accuracy when routed", "ambiguous_covered": "\"bedoelt u\"",
    "off_topic_rejection": "off-topic rejection", "off_topic_covered": "in scope, \"geen informatie\"",
}
MAIN = ["hit@1", "hit@5", "mrr", "ndcg@10", "routing_accuracy", "routing_macro_f1", "off_topic_rejection"]
BY_KIND = ["hit@1", "hit@5", "mrr", "ndcg@10", "routing_accuracy", "right_desk_reached", "off_topic_rejection"]
BY_SOURCE = [
    "hit@1", "hit@5", "mrr", "routing_accuracy", "right_desk_reached", "off_topic_rejection", "off_topic_covered",
]
ROUTING = [
    "routing_accuracy", "right_desk_reached", "routing_macro_f1", "accuracy_when_routed", "ambiguous_covered",
    "off_topic_rejection",
]
Lines = list[str]


def _cell(value) -> str:
    return "–" if value is None else f"{value:.3f}"


def _percent(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:.1f}%"


def _table(rows: dict[str, dict], metrics: list[str], first: str = "") -> Lines:
    lines = [f"| {first} | n | " + " | ".join(LABELS.get(m, m) for m in metrics) + " |", "|---|---:|" + "---:|" * len(metrics)]
    for name, values in rows.items():
        lines.append(f"| {name} | {values['questions']} | " + " | ".join(_cell(values.get(m)) for m in metrics) + " |")
    return lines


def final_table(report: dict) -> Lines:
    """The final configuration: all questions, the dev split and the held-out test split."""
    return _table({"all": report["overall"], "dev": report["dev"], "test (held out)": report["test"]}, MAIN)


def _by_source(report: dict) -> list[tuple[str, dict]]:
    """The question sets, development first."""
    return sorted(report.get("by_source", {}).items(), key=lambda item: (item[0] != "development", item[0]))


def sources_table(report: dict) -> Lines:
    """The final configuration per question set (`kb.questions.LabelledQuestion.source`), all and
    held out: how it does on the questions its settings were chosen on against the ones written
    blind afterwards (and real failed searches added from the console)."""
    rows = {}
    for source, values in _by_source(report):
        rows[f"{source} — all"] = values
        if source in report.get("by_source_test", {}):
            rows[f"{source} — test"] = report["by_source_test"][source]
    return _table(rows, BY_SOURCE, "question set") if rows else []


def retrieval_table(report: dict) -> Lines:
    """Every retrieval variant on the same questions and query vectors, all and held out."""
    variants = report["comparison"]["retrieval"]
    rows = {}
    for split in ("all", "test"):
        for mode, values in variants.items():
            name = RETRIEVAL_NAMES.get(mode, mode)
            rows[f"**{name}** — {split}" if mode == report["final"]["retrieval"] else f"{name} — {split}"] = values[split]
    return _table(rows, MAIN) if rows else []


def hit5_by_kind_table(report: dict) -> Lines:
    """hit@5 of every retrieval variant per kind of question (off-topic: the rejection rate)."""
    variants = report["comparison"]["retrieval"]
    if not variants:
        return []
    kinds = sorted({kind for values in variants.values() for kind in values["by_kind"]})
    lines = ["| kind | " + " | ".join(RETRIEVAL_NAMES.get(m, m) for m in variants) + " |", "|---|" + "---:|" * len(variants)]
    for kind in kinds:
        metric = "off_topic_rejection" if kind == "off_topic" else "hit@5"
        cells = [_cell(values["by_kind"].get(kind, {}).get(metric)) for values in variants.values()]
        lines.append(f"| {kind}{' (rejection)' if kind == 'off_topic' else ''} | " + " | ".join(cells) + " |")
    return lines


def off_topic_table(report: dict) -> Lines:
    """Questions we do not cover, per retrieval variant: the rejection rate at the variant's own
    fitted threshold, what that costs (questions we do cover told "geen informatie"), what the
    final configuration rejects at the same cost, and the separation at every threshold (AUC of
    the in-scope probability)."""
    variants = report["comparison"]["retrieval"]
    if not variants:
        return []
    lines = [
        "| variant | off-topic rejection | in scope, told \"geen informatie\" | final at the same cost | AUC all | AUC test |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for mode, values in variants.items():
        all_, test = values["all"], values["test"]
        name = RETRIEVAL_NAMES.get(mode, mode)
        lines.append(
            f"| {f'**{name}**' if mode == report['final']['retrieval'] else name} | {_cell(all_.get('off_topic_rejection'))} | {_cell(all_.get('off_topic_covered'))} "
            f"| {_cell(values.get('final_rejection_at_same_cost'))} | {_cell(all_.get('off_topic_auc'))} | {_cell(test.get('off_topic_auc'))} |"
        )
    return lines


def routing_table(report: dict) -> Lines:
    """Every routing variant on the final retrieval, held-out split, with its calibration error."""
    variants = report["comparison"]["routing"]
    if not variants:
        return []
    lines = [
        "| | " + " | ".join(LABELS[m] for m in ROUTING) + " | ECE | classifier weight |",
        "|---|" + "---:|" * (len(ROUTING) + 2),
    ]
    for name, values in variants.items():
        label = ROUTING_NAMES.get(name, name)
        label = f"**{label}**" if name == report["final"]["routing"] else label
        cells = [_cell(values["test"].get(m)) for m in ROUTING]
        lines.append(f"| {label} | " + " | ".join(cells) + f" | {values['calibration_error_test']:.3f} | {values['classifier_weight']:g} |")
    return lines


def by_kind_table(report: dict) -> Lines:
    """The final configuration per kind of question, all questions."""
    return _table(report["by_kind"], BY_KIND, "kind") if report["by_kind"] else []


def operating_points_table(report: dict, around: float | None = None) -> Lines:
    """The trade of the off-topic threshold: every candidate, all else as fitted (→ the fitted one).
    With `around`, only the candidates within that distance of the fitted threshold, and the ends."""
    rows = report.get("operating_points") or []
    fitted = next((row["threshold"] for row in rows if row["fitted"]), None)
    if around is not None and fitted is not None:
        rows = [row for i, row in enumerate(rows) if i in (0, len(rows) - 1) or abs(row["threshold"] - fitted) <= around + 1e-9]
    if not rows:
        return []
    lines = [
        "| threshold | off-topic rejection | in scope, \"geen informatie\" | routing acc. "
        "| off-topic rejection (test) | \"geen informatie\" (test) | routing acc. (test) |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        all_, test = row["all"], row["test"]
        threshold = f"**→ {row['threshold']:.2f}**" if row["fitted"] else f"{row['threshold']:.2f}"
        lines.append(
            f"| {threshold} | {_cell(all_['off_topic_rejection'])} | {_cell(all_['off_topic_covered'])} "
            f"| {_cell(all_['routing_accuracy'])} | {_cell(test['off_topic_rejection'])} | {_cell(test['off_topic_covered'])} "
            f"| {_cell(test['routing_accuracy'])} |"
        )
    return lines


def reliability_table(report: dict) -> Lines:
    """Confidence bins of the routing on the held-out split: said against right."""
    rows = report["reliability_test"]
    if not rows:
        return []
    lines = ["| confidence | n | mean confidence | accuracy |", "|---|---:|---:|---:|"]
    for row in rows:
        lines.append(f"| {row['bin']} | {row['n']} | {row['confidence']:.3f} | {row['accuracy']:.3f} |")
    lines += ["", f"Expected calibration error: {report['calibration_error_test']:.3f} held out"]
    if "calibration_error_all" in report:
        lines[-1] += f", {report['calibration_error_all']:.3f} over all questions"
    lines[-1] += "."
    return lines


def targets_table(report: dict) -> Lines:
    """The quality targets (`eval/targets.py`) with the 95% interval of each measured rate."""
    lines = []
    for split, rows in report.get("targets", {}).items():
        for row in rows:
            lines.append(
                f"| {split} | {row['metric']} | {row['value']:.3f} | {row['low']:.2f}–{row['high']:.2f} | {row['n']} "
                f"| ≥ {row['target']:.2f} | {'met' if row['met'] else '**not met**'} |"
            )
    return ["| split | metric | value | 95% interval | questions | target | |", "|---|---|---:|---:|---:|---:|---|", *lines] if lines else []


def targets_summary(report: dict) -> Lines:
    """Each target in one line: all questions and held out (met or not), and every question set."""
    by_split = {split: {row["metric"]: row for row in rows} for split, rows in report.get("targets", {}).items()}
    metrics = list(dict.fromkeys(metric for rows in by_split.values() for metric in rows))
    lines = []
    for metric in metrics:
        rows = {split: rows[metric] for split, rows in by_split.items() if metric in rows}
        measured = ", ".join(
            f"{row['value']:.3f} {'all' if split == 'all' else 'held out'} ({'met' if row['met'] else '**not met**'})"
            for split, row in rows.items()
        )
        sets = ", ".join(f"{source} {_cell(values.get(metric))}" for source, values in _by_source(report))
        target = next(iter(rows.values()))["target"]
        lines.append(f"- **{LABELS.get(metric, metric)} ≥ {target:.2f}**: {measured}." + (f" Per set: {sets}." if sets else ""))
    return lines


def routing_summary(report: dict) -> Lines:
    """What the router does with the questions we cover, in one paragraph."""
    overall, test = report["overall"], report["test"]
    if overall.get("accuracy_when_routed") is None:
        return []
    return _paragraph(
        f"When the router routes, it is right {_percent(overall['accuracy_when_routed'])} of the time "
        f"(held out {_percent(test['accuracy_when_routed'])}). It asks \"bedoelt u ...?\" for "
        f"{_percent(overall['ambiguous_covered'])} of the questions we cover, with the right desk among the options "
        f"for {_percent(overall['right_among_alternatives'])} of them, and tells {_percent(overall['off_topic_covered'])} "
        f"\"geen informatie\" (their results are still listed); routing accuracy counts both as misses. The right desk "
        f"is reached (routed, or offered in \"bedoelt u\") for {overall['right_desk_reached']:.3f} "
        f"(held out {test['right_desk_reached']:.3f})." + _ceiling(overall, test)
    )


def _ceiling(overall: dict, test: dict) -> str:
    """The routing accuracy no abstention policy can exceed (older reports lack it)."""
    if overall.get("top_department_right") is None or test.get("top_department_right") is None:
        return ""
    return (
        f" If the router never abstained, its most likely department would be right for "
        f"{overall['top_department_right']:.3f} (held out {test['top_department_right']:.3f}): no abstention policy "
        f"gives a higher routing accuracy; the rest is up to retrieval."
    )


def questions_summary(report: dict) -> Lines:
    """How many questions the figures stand on: covered, off-topic, held out, per set."""
    overall = report["overall"]
    sets = ", ".join(f"{source} {values['questions']:,}" for source, values in _by_source(report))
    return [
        f"**{overall['questions']:,} labelled questions** ({overall['covered']:,} we cover, {overall['off_topic']:,} we do "
        f"not); {report['test']['questions']:,} held out, {report['dev']['questions']:,} dev" + (f"; per set: {sets}." if sets else ".")
    ]


def threshold_summary(report: dict) -> Lines:
    """The off-topic threshold in use and what it gives, and the price of a held-out rejection of 0.9."""
    rows = report.get("operating_points") or []
    fitted = next((row for row in rows if row["fitted"]), None)
    if fitted is None:
        return []
    calibration = report.get("calibration", {})
    all_, test = fitted["all"], fitted["test"]
    text = (
        f"The threshold in use, {off_topic_policy(calibration.get('off_topic_rejection_target'))}, is "
        f"**{fitted['threshold']:.2f}**: off-topic rejection {_cell(all_['off_topic_rejection'])} (held out "
        f"{_cell(test['off_topic_rejection'])}), questions we cover told \"geen informatie\" "
        f"{_percent(all_['off_topic_covered'])} (held out {_percent(test['off_topic_covered'])}), routing accuracy "
        f"{_cell(all_['routing_accuracy'])} (held out {_cell(test['routing_accuracy'])})."
    )
    strict = next((row for row in rows if (row["test"]["off_topic_rejection"] or 0) >= 0.9), None)
    if strict is not None and not strict["fitted"]:
        text += (
            f" The lowest threshold that rejects 0.9 of the held-out off-topic questions is {strict['threshold']:.2f} "
            f"(held out {_cell(strict['test']['off_topic_rejection'])}), at the price of telling "
            f"{_percent(strict['all']['off_topic_covered'])} of the questions we cover \"geen informatie\" and a routing "
            f"accuracy of {_cell(strict['all']['routing_accuracy'])}."
        )
    dev = report["dev"]
    if dev.get("off_topic") is not None and dev["questions"]:
        text += f" Off-topic questions are {_percent(dev['off_topic'] / dev['questions'])} of the dev questions."
    return _paragraph(text)


def _paragraph(text: str) -> Lines:
    """A long sentence or two as lines of at most 100 characters (one Markdown paragraph)."""
    return textwrap.wrap(text, 100, break_long_words=False, break_on_hyphens=False)


def headline(report: dict) -> Lines:
    """The README's figures: how many questions, and each target with what was measured."""
    return [*questions_summary(report), "", *targets_summary(report)]


README_BLOCKS: dict[str, Callable[[dict], Lines]] = {
    "headline": headline,
    "questions": questions_summary,
    "sets": sources_table,
    "retrieval": retrieval_table,
    "hit5-by-kind": hit5_by_kind_table,
    "off-topic": off_topic_table,
    "operating-points": lambda report: operating_points_table(report, around=0.15),
    "threshold": threshold_summary,
    "routing": routing_table,
    "by-kind": by_kind_table,
    "routing-summary": routing_summary,
    "reliability": reliability_table,
    "targets": targets_table,
    "targets-summary": targets_summary,
}
"""The generated blocks of README.md and docs/quality.md: name (in `<!-- kb eval: name -->`) -> its lines."""


def off_topic_policy(target: float | None) -> str:
    """How the off-topic threshold was chosen, in words (the report and `kb eval`)."""
    if target is None:
        return "chosen by the value of the decisions on the dev questions (`eval/run.py UTILITY`)"
    return f"the lowest that rejects at least {target:.2f} of the off-topic dev questions (`KB_OFF_TOPIC_REJECTION_TARGET`)"


def in_scope_model(calibration: dict) -> str:
    """Which regularisation of the in-scope model the fit kept (`eval/run.py choose_in_scope_model`)."""
    features = "standardised" if calibration.get("in_scope_standardised") else "raw"
    return f"{features} features, L2 penalty C = {calibration.get('in_scope_c', 10.0):g}"


def _section(title: str, intro: str, body: Lines) -> Lines:
    return [f"## {title}", "", *([intro, ""] if intro else []), *body, ""] if body else []


def render_markdown(report: dict) -> str:
    final = report["final"]
    calibration = report.get("calibration", {})
    lines = [
        f"# Evaluation report {report['generated']}",
        "",
        f"Model `{report['model']}`; final configuration: retrieval `{final['retrieval']}`, routing `{final['routing']}`. "
        f"Routers are fitted on the dev split; **test** is the held-out split.",
        "",
        *_section("Final configuration", "", [*final_table(report), "", f"Routing calibration error (ECE, test split): {report['calibration_error_test']:.3f}."]),
        *_section("Against the targets", "", [*targets_table(report), "", *targets_summary(report)] if report.get("targets") else []),
        *_section("Retrieval variants (same questions, same query vectors)", f"All improvements: {IMPROVEMENTS}.", retrieval_table(report)),
        *_section("hit@5 per kind of question", "Off-topic: the rejection rate.", hit5_by_kind_table(report)),
        *_section(
            "Questions we do not cover",
            "All questions; rejection at each variant's own fitted threshold; \"final at the same cost\": the final "
            "configuration's rejection with its threshold set to tell as many questions we do cover \"geen informatie\"; "
            "AUC: how well the in-scope probability separates the two at any threshold.",
            off_topic_table(report),
        ),
        *_section("Routing variants (final retrieval, held-out split)", "", [*routing_table(report), "", *routing_summary(report)]),
        *_section(
            "Operating points: what the off-topic threshold trades",
            f"Every candidate threshold of the in-scope probability, all else as fitted. The fitted threshold (→) is "
            f"{off_topic_policy(calibration.get('off_topic_rejection_target'))}; the in-scope model kept has "
            f"{in_scope_model(calibration)} (of `eval/run.py IN_SCOPE_REGULARISATIONS`, by the one-standard-error rule). "
            "\"Geen informatie\": questions we do cover that are told we have no answer. The dev questions are the ones "
            "the in-scope model was fitted on; the held-out columns are the unbiased ones.",
            operating_points_table(report),
        ),
        *_section("Per kind of question (final)", "", by_kind_table(report)),
        *_section(
            "Per question set (final)",
            "development: the questions every setting was chosen on (November 2026); blind-1, blind-2, blind-3: written "
            "blind from the article catalogue, one after the other, in November 2026, before anything was run on them; "
            "console: failed searches added by editors.",
            sources_table(report),
        ),
        *_section("Per department (final)", "", _table(report["by_department"], MAIN, "department") if report["by_department"] else []),
        *_section("Reliability (test split)", "", reliability_table(report)),
        f"## Failures ({len(report['failures'])})",
        "",
        "| question | kind | expected | got | department | status |",
        "|---|---|---|---|---|---|",
    ]
    for failure in report["failures"]:
        question = failure["question"].replace("|", "/")
        lines.append(
            f"| {question} | {failure['kind']} | {', '.join(failure['expected']) or '–'} | {', '.join(failure['got'])} "
            f"| {failure['department'] or '–'} (expected {failure['expected_department'] or '–'}) | {failure['status']} |"
        )
    return "\n".join(lines) + "\n"
