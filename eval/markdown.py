"""The evaluation report as Markdown (for the README, the console and reviewers)."""

from __future__ import annotations

RETRIEVAL_NAMES = {
    "bm25": "BM25 only (sparse)",
    "dense": "Dense only (multilingual e5)",
    "hybrid": "Hybrid (RRF)",
    "hybrid_plus": "Hybrid + all improvements",
}
IMPROVEMENTS = (
    "typo correction of Dutch questions, language centering of other languages, article vectors "
    "and best bets (see `search_api/retrieval.py` and `search_api/engine.py`)"
)
ROUTING_NAMES = {"vote": "Nearest-article vote", "classifier": "Classifier", "combined": "Vote + classifier"}
MAIN = ["hit@1", "hit@5", "mrr", "ndcg@10", "routing_accuracy", "routing_macro_f1", "off_topic_rejection"]
ROUTING = [
    "routing_accuracy", "right_desk_reached", "routing_macro_f1", "accuracy_when_routed", "ambiguous_in_domain",
    "off_topic_rejection",
]


def _cell(value) -> str:
    return "–" if value is None else f"{value:.3f}"


def _table(rows: dict[str, dict], metrics: list[str], first: str = "") -> list[str]:
    lines = [f"| {first} | n | " + " | ".join(metrics) + " |", "|---|---:|" + "---:|" * len(metrics)]
    for name, values in rows.items():
        lines.append(f"| {name} | {values['questions']} | " + " | ".join(_cell(values.get(m)) for m in metrics) + " |")
    return lines


def _sources(report: dict) -> list[str]:
    """The final configuration per question set (`eval.questions.LabelledQuestion.source`), all and
    held out: how it does on the questions its settings were chosen on against the ones written
    blind afterwards (and real failed searches added from the console)."""
    if "by_source" not in report:  # reports written before session 11
        return []
    rows = {}
    for source, values in report["by_source"].items():
        rows[f"{source} — all"] = values
        if source in report.get("by_source_test", {}):
            rows[f"{source} — test"] = report["by_source_test"][source]
    return [
        "## Per question set (final)",
        "",
        "development: the questions every earlier choice was measured on; blind-1, blind-2: written blind "
        "from the article catalogue in sessions 10 and 11; console: failed searches added by editors.",
        "",
        *_table(rows, MAIN),
        "",
    ]


def _targets(targets: dict[str, list[dict]]) -> list[str]:
    """The targets of issue 4 with the 95% interval of each measured rate."""
    if not targets:
        return []
    lines = ["## Against the targets", "", "| split | metric | value | 95% interval | questions | target | |", "|---|---|---:|---:|---:|---:|---|"]
    for split, rows in targets.items():
        for row in rows:
            lines.append(
                f"| {split} | {row['metric']} | {row['value']:.3f} | {row['low']:.2f}–{row['high']:.2f} | {row['n']} "
                f"| ≥ {row['target']:.2f} | {'met' if row['met'] else '**not met**'} |"
            )
    return lines + [""]


def _off_topic(retrieval: dict[str, dict]) -> list[str]:
    """Questions we do not cover, per retrieval variant: the rejection rate at the variant's own
    fitted threshold, what that costs (questions we do cover told "geen informatie"), what the
    final configuration rejects at the same cost, and the separation at every threshold (AUC of
    the in-scope probability)."""
    lines = [
        "Questions we do not cover, all questions (rejection at each variant's own fitted threshold; "
        "\"final at the same cost\": the final configuration's rejection with its threshold set to tell as many "
        "questions we do cover \"geen informatie\"; AUC: how well the in-scope probability separates the two at any threshold):",
        "",
        "| variant | off-topic rejection | in scope, told \"geen informatie\" | final at the same cost | AUC all | AUC test |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for mode, values in retrieval.items():
        all_, test = values["all"], values["test"]
        lines.append(
            f"| {RETRIEVAL_NAMES.get(mode, mode)} | {_cell(all_.get('off_topic_rejection'))} | {_cell(all_.get('off_topic_in_domain'))} "
            f"| {_cell(values.get('final_rejection_at_same_cost'))} | {_cell(all_.get('off_topic_auc'))} | {_cell(test.get('off_topic_auc'))} |"
        )
    return lines


def off_topic_policy(target: float | None) -> str:
    """How the off-topic threshold was chosen, in words (the report and `kb eval`)."""
    if target is None:
        return "chosen by the value of the decisions on the dev questions (`eval/run.py UTILITY`)"
    return f"the lowest that rejects at least {target:.2f} of the off-topic dev questions (`KB_OFF_TOPIC_REJECTION_TARGET`)"


def in_scope_model(calibration: dict) -> str:
    """Which regularisation of the in-scope model the fit kept (`eval/run.py choose_in_scope_model`)."""
    features = "standardised" if calibration.get("in_domain_standardised") else "raw"
    return f"{features} features, L2 penalty C = {calibration.get('in_domain_c', 10.0):g}"


def _operating_points(report: dict) -> list[str]:
    """The trade of the off-topic threshold: every candidate, all else as fitted."""
    rows = report.get("operating_points")
    if not rows:
        return []
    calibration = report.get("calibration", {})
    policy = off_topic_policy(calibration.get("off_topic_rejection_target"))
    lines = [
        "## Operating points: what the off-topic threshold trades",
        "",
        f"Every candidate threshold of the in-scope probability, all else as fitted. The fitted threshold (→) is {policy}; "
        f"the in-scope model kept has {in_scope_model(calibration)} (of `eval/run.py IN_DOMAIN_REGULARISATIONS`, "
        "by the one-standard-error rule). "
        "\"Geen informatie\": questions we do cover that are told we have no answer. The dev questions are the ones the "
        "in-scope model was fitted on; the held-out columns are the unbiased ones.",
        "",
        "| threshold | off-topic rejection | in scope, told \"geen informatie\" | routing accuracy "
        "| off-topic rejection (test) | \"geen informatie\" (test) | routing accuracy (test) |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        all_, test = row["all"], row["test"]
        mark = "→ " if row["fitted"] else ""
        lines.append(
            f"| {mark}{row['threshold']:.2f} | {_cell(all_['off_topic_rejection'])} | {_cell(all_['off_topic_in_domain'])} "
            f"| {_cell(all_['routing_accuracy'])} | {_cell(test['off_topic_rejection'])} | {_cell(test['off_topic_in_domain'])} "
            f"| {_cell(test['routing_accuracy'])} |"
        )
    return lines + [""]


def render_markdown(report: dict) -> str:
    final = report["final"]
    lines = [
        f"# Evaluation report {report['generated']}",
        "",
        f"Model `{report['model']}`; final configuration: retrieval `{final['retrieval']}`, routing `{final['routing']}`. "
        f"Routers are fitted on the dev split; **test** is the held-out split.",
        "",
        "## Final configuration",
        "",
        *_table({"all": report["overall"], "dev": report["dev"], "test (held out)": report["test"]}, MAIN),
        "",
        f"Routing calibration error (ECE, test split): {report['calibration_error_test']}.",
        "",
        *_targets(report.get("targets", {})),
        "## Retrieval variants (same questions, same query vectors)",
        "",
        f"All improvements: {IMPROVEMENTS}.",
        "",
    ]
    comparison = report["comparison"]
    lines += _table({RETRIEVAL_NAMES.get(m, m) + " — all": v["all"] for m, v in comparison["retrieval"].items()}, MAIN)
    lines += ["", "Held-out test split:", ""]
    lines += _table({RETRIEVAL_NAMES.get(m, m) + " — test": v["test"] for m, v in comparison["retrieval"].items()}, MAIN)
    lines += ["", "hit@5 per kind of question:", ""]
    kinds = sorted({kind for v in comparison["retrieval"].values() for kind in v["by_kind"]})
    header = "| kind | " + " | ".join(RETRIEVAL_NAMES.get(m, m) for m in comparison["retrieval"]) + " |"
    lines += [header, "|---|" + "---:|" * len(comparison["retrieval"])]
    for kind in kinds:
        metric = "off_topic_rejection" if kind == "off_topic" else "hit@5"
        cells = [_cell(v["by_kind"].get(kind, {}).get(metric)) for v in comparison["retrieval"].values()]
        lines.append(f"| {kind}{' (rejection)' if kind == 'off_topic' else ''} | " + " | ".join(cells) + " |")
    lines += ["", *_off_topic(comparison["retrieval"]), "", "## Routing variants (final retrieval)", ""]
    rows = {ROUTING_NAMES.get(name, name) + " — test": values["test"] for name, values in comparison["routing"].items()}
    lines += _table(rows, ROUTING)
    lines += ["", "| variant | ECE (test) | classifier weight |", "|---|---:|---:|"]
    for name, values in comparison["routing"].items():
        lines.append(f"| {ROUTING_NAMES.get(name, name)} | {values['calibration_error_test']} | {values['classifier_weight']} |")
    lines += ["", *_operating_points(report), "## Per kind of question (final)", ""]
    lines += _table(report["by_kind"], MAIN)
    lines += ["", *_sources(report), "## Per department (final)", ""]
    lines += _table(report["by_department"], MAIN)
    lines += ["", "## Reliability (test split)", "", "| confidence bin | n | mean confidence | accuracy |", "|---|---:|---:|---:|"]
    for row in report["reliability_test"]:
        lines.append(f"| {row['bin']} | {row['n']} | {row['confidence']:.3f} | {row['accuracy']:.3f} |")
    lines += ["", f"## Failures ({len(report['failures'])})", "", "| question | kind | expected | got | department | status |", "|---|---|---|---|---|---|"]
    for failure in report["failures"]:
        question = failure["question"].replace("|", "/")
        lines.append(
            f"| {question} | {failure['kind']} | {', '.join(failure['expected']) or '–'} | {', '.join(failure['got'])} "
            f"| {failure['department'] or '–'} (expected {failure['expected_department'] or '–'}) | {failure['status']} |"
        )
    return "\n".join(lines) + "\n"
