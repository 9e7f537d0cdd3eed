"""Kwaliteit: run the evaluation, see the figures, the trend, the routing confusion, the misses;
feedback, searches that found nothing, and the search log of a period to download (CSV)."""

from __future__ import annotations

from datetime import date, timedelta

import streamlit as st

from kb.security import allows
from staff_ui import lookups
from staff_ui.api_client import ApiClient, ApiError

HEADLINE = {
    "hit@1": "Juiste artikel bovenaan",
    "hit@5": "Juiste artikel in top 5",
    "routing_accuracy": "Juiste afdeling",
    "off_topic_rejection": "Onbekende vragen herkend",
}
TABLE_METRICS = {  # metric -> column heading; shares are shown as percentages
    "questions": "vragen",
    "hit@1": "bovenaan %",
    "hit@5": "in top 5 %",
    "mrr": "MRR",
    "routing_accuracy": "juiste afdeling %",
    "right_desk_reached": "juiste afdeling of in 'bedoelt u' %",
    # the ceiling of routing accuracy: the most likely department, whatever the router decided
    "top_department_right": "afdeling met hoogste kans juist %",
    "off_topic_rejection": "onbekend herkend %",
    "ambiguous_covered": "'bedoelt u' %",
}


KINDS = {
    "colloquial": "spreektaal",
    "keyword": "zoekwoorden",
    "typo": "met typefout",
    "short": "kort, met vulwoorden",
    "formal": "formeel",
    "long_story": "lang verhaal",
    "english": "Engels",
    "other_language": "andere taal",
    "outside_body": "externe organisatie",
    "off_topic": "geen gemeentezaak",
}
OUTCOMES = {  # routing outcomes of live searches (`ApiClient.search_outcomes`)
    "routed": "naar een afdeling gestuurd",
    "ambiguous": "'bedoelt u ...?' gevraagd",
    "off_topic": "'geen informatie' gezegd",
    "no_results": "niets gevonden",
}
NO_ARTICLE = "(geen: hoort niet bij ons)"
# Where the evaluation questions come from (`kb.questions.LabelledQuestion.source`)
SOURCES = {
    "development": "ontwikkelset (hierop is alles afgesteld)",
    "blind-1": "blinde set 1 (november 2026)",
    "blind-2": "blinde set 2 (november 2026)",
    "blind-3": "blinde set 3 (november 2026)",
    "console": "toegevoegd vanuit de console (echte zoekvragen)",
}


def render(client: ApiClient, role: str = "staff") -> None:
    st.title("Kwaliteit")
    evaluation, feedback, unanswered, search_log = st.tabs(["Evaluatie", "Feedback", "Zonder resultaat", "Zoeklog"])
    try:
        with evaluation:
            _evaluation(client, role)
        with feedback:
            _feedback(client, role)
        with unanswered:
            _unanswered(client, role)
        with search_log:
            _search_log(client)
    except ApiError as exc:
        st.error(str(exc))


def _search_log(client: ApiClient) -> None:
    """The search log of a period as a CSV file (from the API: `GET /quality/searches.csv`)."""
    st.subheader("Zoeklog downloaden")
    st.caption(
        "Alle zoekvragen van de gekozen dagen, met de uitkomst, de afdeling, het eerste artikel, welke resultaten "
        "zijn geopend en de feedback. Persoonlijke gegevens zijn vervangen door [bsn], [naam] enzovoort. "
        "Er staat niet in wie er zocht."
    )
    today = date.today()
    since, until = st.columns(2)
    first = since.date_input("Van", today - timedelta(days=30), max_value=today, key="log-since", format="DD-MM-YYYY")
    last = until.date_input("Tot en met", today, max_value=today, key="log-until", format="DD-MM-YYYY")
    if first > last:
        st.warning("De begindatum ligt na de einddatum.")
        return
    if st.button("Zoeklog ophalen", key="fetch-log"):
        st.session_state["search_log_csv"] = (first, last, client.search_log_csv(first, last))
    fetched = st.session_state.get("search_log_csv")
    if fetched and fetched[:2] == (first, last):
        rows = fetched[2].count(b"\n") - 1
        st.caption(f"{rows} zoekvragen van {first:%d-%m-%Y} tot en met {last:%d-%m-%Y}.")
        st.download_button(
            "Download CSV", fetched[2], file_name=f"zoeklog-{first}-tot-en-met-{last}.csv", mime="text/csv",
            key="download-log", type="primary",
        )


def _targets(rows: list[dict]) -> list[dict]:
    """The report's targets in the staff's words."""
    return [
        {
            "meting": HEADLINE.get(row["metric"], row["metric"]),
            "waarde": f"{row['value']:.1%}",
            "marge": f"{row['low']:.0%} tot {row['high']:.0%}",
            "vragen": row["n"],
            "doel": f"{row['target']:.0%}",
            "gehaald": "ja" if row["met"] else "nee",
        }
        for row in rows
    ]


def _operating_points(rows: list[dict]) -> list[dict]:
    """What each threshold for "geen informatie" would give, in the staff's words (all questions)."""
    return [
        {
            "drempel": f"{row['threshold']:.2f}" + (" (in gebruik)" if row["fitted"] else ""),
            "onbekende vragen herkend": _percent(row["all"]["off_topic_rejection"]),
            "bekende vragen 'geen informatie'": _percent(row["all"].get("off_topic_covered")),  # absent in reports of before December 2026
            "juiste afdeling": _percent(row["all"]["routing_accuracy"]),
        }
        for row in rows
    ]


def _percent(value: float | None) -> str:
    return "–" if value is None else f"{value:.1%}"


def _evaluation(client: ApiClient, role: str) -> None:
    status = client.evaluation_status()
    reports = client.reports()

    start, refresh = st.columns([1, 1])
    if start.button("Evaluatie starten", type="primary", key="start_eval", disabled=status["running"]):
        try:
            status = client.start_evaluation()
        except ApiError as exc:  # one runs already (started from another console)
            st.warning(str(exc))
            status = client.evaluation_status()
    refresh.button("Vernieuwen", key="refresh_eval")
    if status["running"]:
        st.info("De evaluatie loopt (ongeveer anderhalve minuut). Klik daarna op Vernieuwen.")
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
        column.metric(label, _percent(value), delta)

    report = client.report(latest["name"])
    targets = report.get("targets", {}).get("all", [])
    if targets:
        st.subheader("Doelen")
        st.caption("Met de marge: bij weinig vragen ligt de echte waarde ergens in dat gebied (95% zeker).")
        st.dataframe(_targets(targets), width="stretch", hide_index=True)
    points = report.get("operating_points", [])
    if points:
        st.subheader("Afweging: wanneer zeggen we 'geen informatie'?")
        st.caption(
            "Hoe hoger de drempel, hoe vaker we een vraag die niet bij de gemeente hoort herkennen. "
            "Maar dan krijgen ook meer gewone vragen 'geen informatie', en gaan er minder naar de juiste afdeling. "
            "De beheerder kiest de drempel met KB_OFF_TOPIC_REJECTION_TARGET (zie docs/quality.md)."
        )
        st.dataframe(_operating_points(points), width="stretch", hide_index=True)

    if len(reports) > 1:
        st.subheader("Verloop")
        trend = {metric: [r["overall"].get(metric) for r in reports] for metric in ("hit@1", "hit@5", "routing_accuracy")}
        st.line_chart(trend)

    st.subheader("Per soort vraag")
    st.dataframe(_table(report["by_kind"], KINDS), width="stretch", hide_index=True)
    if report.get("by_source"):
        st.subheader("Per vragenset")
        st.caption(
            "Op de ontwikkelset is alles afgesteld. De blinde sets zijn later geschreven zonder de artikelen "
            "te zien: daar ziet u hoe het product het doet bij nieuwe vragen."
        )
        st.dataframe(_table(report["by_source"], SOURCES), width="stretch", hide_index=True)
    st.subheader("Per afdeling")
    names = {"(none)": "(geen: buiten ons aanbod)", **lookups.department_names(client.base_url)}
    st.dataframe(_table(report["by_department"], names), width="stretch", hide_index=True)
    st.subheader("Routering: verwacht (rij) tegen gekozen (kolom)")
    st.dataframe(_confusion(report.get("confusion", {})), width="stretch")
    failures = report["failures"]
    st.subheader(f"Gemiste vragen ({len(failures)})")
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
            for f in failures
        ],
        hide_index=True,
        width="stretch",
    )
    if failures:
        _failure_detail(client, role, failures)


def _failure_detail(client: ApiClient, role: str, failures: list[dict]) -> None:
    """One missed question: what was expected and what came back, each article one click away."""
    index = st.selectbox(
        "Bekijk een gemiste vraag", range(len(failures)), key="failure", format_func=lambda i: failures[i]["question"]
    )
    failure = failures[index]
    expected, got = st.columns(2)
    expected.markdown("**Verwacht**")
    got.markdown("**Gevonden**")
    for column, ids, side in ((expected, failure["expected"], "expected"), (got, failure["got"], "got")):
        if not ids:
            column.caption("(geen artikel: vraag hoort niet bij de gemeente)")
        for article_id in ids:
            column.button(article_id, key=f"open-{side}-{article_id}", on_click=_open_article, args=(article_id,))
    _article_view(client, role)


def _open_article(article_id: str) -> None:
    st.session_state["opened_article"] = article_id


def _edit_article(article_id: str) -> None:
    """Jump to the editor with this article open (a callback: runs before the page is drawn)."""
    st.session_state["page"] = "Artikelen"
    st.session_state["edit_id"] = article_id


def _article_view(client: ApiClient, role: str) -> None:
    article_id = st.session_state.get("opened_article")
    if not article_id:
        return
    try:
        article = client.article(article_id)
    except ApiError as exc:
        st.warning(str(exc))
        return
    with st.container(border=True):
        st.markdown(f"### {article['title']}")
        st.caption(f"`{article['id']}` · {article['department_id']} · voorbeeldvragen: {len(article['questions'])}")
        if allows(role, "editor"):
            st.button("Bewerken", key="edit-opened", on_click=_edit_article, args=(article_id,))
        for section in article["sections"]:
            st.markdown(f"**{section['heading']}**")
            st.markdown(section["markdown"])


def _feedback(client: ApiClient, role: str) -> None:
    overview = client.feedback_overview()
    if not overview["recent"]:
        st.caption("Nog geen feedback. Medewerkers geven die bij Zoeken, inwoners op de website.")
        return
    st.subheader("Per artikel")
    st.dataframe(
        [{"artikel": row["article_id"] or "(geen)", "nuttig": row["helpful"], "niet nuttig": row["not_helpful"]}
         for row in overview["per_article"]],
        hide_index=True,
        width="stretch",
    )
    st.subheader("Laatste feedback")
    st.dataframe(
        [
            {
                "tijd": row["time"],
                "vraag": row["query"],
                "artikel": row["article_id"],
                "oordeel": "nuttig" if row["helpful"] else "niet nuttig",
                "kanaal": row["channel"],
                "opmerking": row["comment"] or "",
            }
            for row in overview["recent"]
        ],
        hide_index=True,
        width="stretch",
    )
    failed = list(dict.fromkeys(row["query"] for row in overview["recent"] if not row["helpful"]))
    if failed:
        _add_to_eval_set(client, role, failed, "feedback")


def _unanswered(client: ApiClient, role: str) -> None:
    _live_outcomes(client)
    searches = client.unanswered()
    if not searches:
        st.caption("Geen zoekvragen zonder resultaat.")
        return
    st.subheader(f"Zoekvragen zonder resultaat ({len(searches)})")
    st.dataframe(
        [
            {
                "vraag": row["query"],
                "aantal": row["count"],
                "laatst": row["last_seen"],
                "taal": row["language"] or "?",
                "beste gok": row["top_article"] or "",
            }
            for row in searches
        ],
        hide_index=True,
        width="stretch",
    )
    _add_to_eval_set(client, role, [row["query"] for row in searches], "unanswered")


def _live_outcomes(client: ApiClient) -> None:
    """How real searches end since the search service started (the evaluation shows the same for
    the labelled questions)."""
    counts = client.search_outcomes()
    total = sum(counts.values())
    st.subheader("Echte zoekvragen sinds de start van de zoekdienst")
    if not total:
        st.caption("Nog geen zoekvragen sinds de start.")
        return
    st.dataframe(
        [{"uitkomst": label, "aantal": counts[outcome], "deel %": round(100 * counts[outcome] / total, 1)}
         for outcome, label in OUTCOMES.items()],
        hide_index=True,
        width="stretch",
    )
    st.caption(f"{total} zoekvragen van de website en van medewerkers. De tellers beginnen opnieuw als de zoekdienst herstart.")


def _add_to_eval_set(client: ApiClient, role: str, questions: list[str], key: str) -> None:
    """Label a failed search and add it to the evaluation set (editors)."""
    st.markdown("**Toevoegen aan de evaluatieset**")
    if not allows(role, "editor"):
        st.caption("Alleen redacteuren kunnen vragen aan de evaluatieset toevoegen.")
        return
    articles = lookups.article_ids(client.base_url)
    question = st.selectbox("Vraag", questions, key=f"add-{key}-question")
    columns = st.columns([3, 2, 1])
    article = columns[0].selectbox("Juiste artikel", [NO_ARTICLE, *articles], key=f"add-{key}-article")
    kind = columns[1].selectbox(
        "Soort vraag", list(KINDS), key=f"add-{key}-kind", format_func=KINDS.get,
        index=list(KINDS).index("colloquial"),
    )
    if columns[2].button("Toevoegen", key=f"add-{key}", type="primary"):
        expected = [] if article == NO_ARTICLE else [article]
        try:
            added = client.add_eval_question(question, expected, "off_topic" if not expected else kind)
        except ApiError as exc:
            st.error(str(exc))
            return
        split = "testset (alleen voor rapportage)" if added["split"] == "test" else "ontwikkelset"
        st.success(f"Toegevoegd aan de evaluatieset ({split}): “{added['q']}”.")


def _table(groups: dict[str, dict], names: dict[str, str] | None = None) -> dict[str, list]:
    rows: dict[str, list] = {"groep": [(names or {}).get(group, group) for group in groups]}
    for metric, heading in TABLE_METRICS.items():
        values = [group.get(metric) for group in groups.values()]
        if heading.endswith("%"):
            values = [None if value is None else round(value * 100, 1) for value in values]
        rows[heading] = values
    return rows


def _confusion(matrix: dict[str, dict[str, int]]) -> dict[str, list]:
    columns = sorted({got for row in matrix.values() for got in row})
    table: dict[str, list] = {"verwacht": list(matrix)}
    for column in columns:
        table[column] = [matrix[expected].get(column, 0) for expected in matrix]
    return table
