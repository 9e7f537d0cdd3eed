"""Kwaliteit: run the evaluation, see the figures, the trend, the routing confusion, the misses."""

from __future__ import annotations

import streamlit as st

from staff_ui.api_client import ApiClient, ApiError

HEADLINE = {
    "hit@1": "Juiste artikel bovenaan",
    "hit@5": "Juiste artikel in top 5",
    "routing_accuracy": "Juiste afdeling",
    "off_topic_rejection": "Onbekende vragen herkend",
}
TABLE_METRICS = ["questions", "hit@1", "hit@5", "mrr", "routing_accuracy", "off_topic_rejection", "ambiguous_in_domain"]


def render(client: ApiClient) -> None:
    st.title("Kwaliteit")
    try:
        status = client.evaluation_status()
        reports = client.reports()
    except ApiError as exc:
        st.error(str(exc))
        return

    start, refresh = st.columns([1, 1])
    if start.button("Evaluatie starten", type="primary", key="start_eval", disabled=status["running"]):
        status = client.start_evaluation()
    refresh.button("Vernieuwen", key="refresh_eval")
    if status["running"]:
        st.info("De evaluatie loopt (ongeveer een halve minuut). Klik daarna op Vernieuwen.")
    if status.get("error"):
        st.error(f"De laatste evaluatie mislukte: {status['error']}")
    if not reports:
        st.caption("Nog geen evaluaties. Start er een.")
        return

    latest, previous = reports[-1], (reports[-2] if len(reports) > 1 else None)
    st.caption(f"Laatste evaluatie: {latest['generated']} ({latest['overall']['questions']} vragen)")
    columns = st.columns(len(HEADLINE))
    for column, (metric, label) in zip(columns, HEADLINE.items()):
        value = latest["overall"].get(metric)
        delta = None
        if previous and value is not None and previous["overall"].get(metric) is not None:
            delta = f"{(value - previous['overall'][metric]) * 100:+.1f} punt"
        column.metric(label, "–" if value is None else f"{value:.1%}", delta)

    if len(reports) > 1:
        st.subheader("Verloop")
        trend = {metric: [r["overall"].get(metric) for r in reports] for metric in ("hit@1", "hit@5", "routing_accuracy")}
        st.line_chart(trend)

    report = client.report(latest["name"])
    st.subheader("Per soort vraag")
    st.dataframe(_table(report["by_kind"]), use_container_width=True)
    st.subheader("Per afdeling")
    st.dataframe(_table(report["by_department"]), use_container_width=True)
    st.subheader("Routering: verwacht (rij) tegen gekozen (kolom)")
    st.dataframe(_confusion(report.get("confusion", {})), use_container_width=True)
    st.subheader(f"Gemiste vragen ({len(report['failures'])})")
    st.dataframe(
        [
            {
                "vraag": f["question"],
                "soort": f["kind"],
                "verwacht": ", ".join(f["expected"]) or "(geen)",
                "gevonden": ", ".join(f["got"]),
                "afdeling verwacht": f["expected_department"] or "(geen)",
                "afdeling gekozen": f["department"] or f"({f['status']})",
            }
            for f in report["failures"]
        ],
        hide_index=True,
        use_container_width=True,
    )


def _table(groups: dict[str, dict]) -> dict[str, list]:
    rows = {"groep": list(groups)}
    for metric in TABLE_METRICS:
        rows[metric] = [values.get(metric) for values in groups.values()]
    return rows


def _confusion(matrix: dict[str, dict[str, int]]) -> dict[str, list]:
    columns = sorted({got for row in matrix.values() for got in row})
    table: dict[str, list] = {"verwacht": list(matrix)}
    for column in columns:
        table[column] = [matrix[expected].get(column, 0) for expected in matrix]
    return table
