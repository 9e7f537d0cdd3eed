"""Inzicht: what citizens asked in a chosen period, from the search log (the API's
`GET /quality/insight`): searches per day, how they ended against the period before, the
department mix, the questions grouped by meaning, the gaps (editors add a gap's questions to the
evaluation set, or start a new article with them as example questions), click-through and
feedback per article."""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
import streamlit as st

from kb.security import allows
from staff_ui import lookups
from staff_ui.api_client import ApiClient, ApiError
from staff_ui.quality_page import KINDS, NO_ARTICLE

MAX_DAYS = 31  # as the API allows (`search_api.insight.MAX_DAYS`)
OUTCOMES = {  # outcome -> what the staff read
    "routed": "naar een afdeling",
    "ambiguous": "'bedoelt u ...?'",
    "off_topic": "'geen informatie'",
    "no_results": "niets gevonden",
}
GOOD_OUTCOMES = {"routed"}  # a rise is good news; for the others it is bad news
COLOURS = {"routed": "#2e7d32", "ambiguous": "#f9a825", "off_topic": "#ef6c00", "no_results": "#c62828"}
WEEKDAYS = ("ma", "di", "wo", "do", "vr", "za", "zo")
MONTHS = ("jan", "feb", "mrt", "apr", "mei", "jun", "jul", "aug", "sep", "okt", "nov", "dec")
PROBLEMS = {  # what went wrong most in a gap
    "not_found": "geen antwoord",
    "not_helpful": "niet nuttig",
    "unsure": "afdeling onzeker",
}
EXAMPLES = 3  # phrasings shown in a table cell


def render(client: ApiClient, role: str = "staff") -> None:
    st.title("Inzicht")
    st.caption(
        "Wat inwoners en medewerkers vroegen in de gekozen periode, vergeleken met de periode ervoor die even lang is. "
        "Vragen die hetzelfde betekenen zijn samengevoegd. Dagen tellen in UTC."
    )
    today = date.today()
    since, until, refresh = st.columns([2, 2, 1], vertical_alignment="bottom")
    first = since.date_input("Van", today - timedelta(days=6), max_value=today, key="insight-since", format="DD-MM-YYYY")
    last = until.date_input("Tot en met", today, max_value=today, key="insight-until", format="DD-MM-YYYY")
    if refresh.button("Vernieuwen", key="insight-refresh"):
        st.session_state.pop("insight", None)
    if first > last:
        st.warning("De begindatum ligt na de einddatum.")
        return
    if (last - first).days + 1 > MAX_DAYS:
        st.warning(f"Kies een periode van hoogstens {MAX_DAYS} dagen.")
        return
    cached = st.session_state.get("insight")
    if not cached or cached[0] != (first, last):
        try:
            with st.spinner("Zoekvragen ophalen en groeperen ..."):
                cached = ((first, last), client.insight(first, last))
        except ApiError as exc:
            st.error(str(exc))
            return
        st.session_state["insight"] = cached
    insight = cached[1]
    _volumes(insight)
    if not insight["searches"]:
        st.info("In deze periode zijn geen zoekvragen bewaard.")
        return
    _outcomes(insight)
    _departments(insight)
    _groups(insight)
    _gaps(client, role, insight)
    _click_through(insight)
    _feedback(insight)


def _number(value: int) -> str:
    return f"{value:,}".replace(",", ".")


def _percent(value: float | None) -> str:
    return "–" if value is None else f"{value:.0%}"


def _volumes(insight: dict) -> None:
    before = insight["searches_before"]
    change = insight["searches"] - before
    total, per_day, opened = st.columns(3)
    total.metric(
        "Zoekvragen", _number(insight["searches"]),
        f"{change:+,} t.o.v. de periode ervoor".replace(",", ".") if before else None, delta_color="off",
    )
    per_day.metric("Gemiddeld per dag", _number(round(insight["searches"] / insight["days"])))
    opened.metric("Een resultaat geopend", _percent(insight["opened_share"]),
                  help="Het deel van de zoekvragen waarbij de inwoner een artikel opende.")
    if not insight["searches"]:
        return
    st.subheader("Zoekvragen per dag")
    order = sorted(OUTCOMES, key=OUTCOMES.get)  # the chart's legend is alphabetical: the colours follow it
    days = pd.DataFrame(
        {OUTCOMES[outcome]: [day[outcome] for day in insight["per_day"]] for outcome in order},
        index=[_day_label(day["day"]) for day in insight["per_day"]],
    )
    st.bar_chart(days, x_label="dag", y_label="zoekvragen", height=300, sort=False,
                 color=[COLOURS[outcome] for outcome in order])


def _date(iso: str) -> str:
    return date.fromisoformat(iso).strftime("%d-%m-%Y")


def _day_label(iso: str) -> str:
    day = date.fromisoformat(iso)
    return f"{WEEKDAYS[day.weekday()]} {day.day} {MONTHS[day.month - 1]}"


def _outcomes(insight: dict) -> None:
    st.subheader("Hoe de zoekvragen afliepen")
    st.caption(
        f"Het verschil in procentpunten met {_date(insight['since_before'])} tot en met {_date(insight['until_before'])}. "
        "De lijntjes tonen het deel per dag."
    )
    per_day = insight["per_day"]
    for column, share in zip(st.columns(len(OUTCOMES)), insight["outcomes"]):
        outcome = share["outcome"]
        trend = [day[outcome] / day["searches"] if day["searches"] else 0 for day in per_day]
        column.metric(
            OUTCOMES[outcome], _percent(share["share"]),
            f"{share['change_points']:+.1f} punt" if insight["searches_before"] else None,
            delta_color="normal" if outcome in GOOD_OUTCOMES else "inverse",
            chart_data=trend, chart_type="area", border=True,
        )


def _departments(insight: dict) -> None:
    st.subheader("Afdelingen")
    rows = [{"afdeling": row["name"], "zoekvragen": row["searches"], "deel %": round(100 * row["share"], 1)}
            for row in insight["departments"]]
    st.dataframe(rows, hide_index=True, width="stretch", height=min(400, 38 + 35 * len(rows)))


def _examples(group: dict) -> str:
    return " · ".join(phrasing["text"] for phrasing in group["phrasings"][1 : 1 + EXAMPLES])


def _groups(insight: dict) -> None:
    st.subheader("Meest gestelde vragen")
    st.caption(
        "Vragen met dezelfde betekenis zijn samengevoegd onder de vorm die het vaakst werd gesteld. Gegroepeerd zijn "
        f"de {_number(insight['grouped_questions'])} meest gestelde van de {_number(insight['questions'])} verschillende "
        f"vragen: samen {_percent(insight['grouped_searches'] / insight['searches'])} van de zoekvragen."
    )
    rows = []
    for group in insight["groups"]:
        outcomes = group["outcomes"]
        rows.append({
            "vraag": group["question"],
            "zoekvragen": group["searches"],
            "vormen": group["variants"],
            "ook gesteld als": _examples(group),
            "doorverwezen %": round(100 * outcomes["routed"] / group["searches"]),
            "geen antwoord %": round(100 * (outcomes["off_topic"] + outcomes["no_results"]) / group["searches"]),
            "afdeling": group["department"] or "(geen)",
        })
    st.dataframe(rows, hide_index=True, width="stretch", column_config=_widths(
        vraag=230, zoekvragen=85, vormen=65, **{"ook gesteld als": 210, "doorverwezen %": 105, "geen antwoord %": 110},
        afdeling=125,
    ))


def _widths(**pixels: int) -> dict:
    """Column widths in pixels: the tables fit the page beside the sidebar (about 930 pixels)."""
    return {column: st.column_config.Column(width=width) for column, width in pixels.items()}


def _gaps(client: ApiClient, role: str, insight: dict) -> None:
    st.subheader("Waar informatie ontbreekt")
    gaps = insight["gaps"]
    if not gaps:
        st.caption("Geen: bij elke groep vragen ging het meestal goed.")
        return
    st.caption(
        "Groepen vragen waarbij het meestal misging: niets gevonden of 'geen informatie', een antwoord dat niet nuttig "
        "was, of twijfel over de afdeling. Meeste zoekvragen eerst."
    )
    rows = [
        {
            "vraag": gap["question"],
            "zoekvragen": gap["searches"],
            "vooral": PROBLEMS[gap["problem"]],
            "geen antwoord": gap["outcomes"]["off_topic"] + gap["outcomes"]["no_results"],
            "niet nuttig": gap["not_helpful"],
            "onzeker": gap["unsure"],
            "ook gesteld als": _examples(gap),
        }
        for gap in gaps
    ]
    st.dataframe(rows, hide_index=True, width="stretch", column_config=_widths(
        vraag=250, zoekvragen=85, vooral=130, **{"geen antwoord": 105, "niet nuttig": 85}, onzeker=75,
        **{"ook gesteld als": 200},
    ))
    index = st.selectbox("Kies een onderwerp", range(len(gaps)), key="insight-gap",
                         format_func=lambda i: f"{gaps[i]['question']} ({gaps[i]['searches']} keer)")
    gap = gaps[index]
    phrasings = [phrasing["text"] for phrasing in gap["phrasings"]]
    st.markdown("**Zo vroegen inwoners het:** " + " · ".join(f"“{text}”" for text in phrasings))
    if not allows(role, "editor"):
        st.caption("Alleen redacteuren kunnen vragen aan de evaluatieset toevoegen of een artikel maken.")
        return
    with st.container(border=True):
        st.markdown("**Toevoegen aan de evaluatieset**")
        columns = st.columns([3, 2, 2], vertical_alignment="bottom")
        articles = lookups.article_ids(client.base_url)
        article = columns[0].selectbox("Juiste artikel", [NO_ARTICLE, *articles], key="insight-gap-article")
        kind = columns[1].selectbox("Soort vraag", list(KINDS), key="insight-gap-kind", format_func=KINDS.get,
                                    index=list(KINDS).index("colloquial"))
        if columns[2].button("Toevoegen aan evaluatieset", key="insight-gap-add", type="primary"):
            _add_to_eval_set(client, phrasings, [] if article == NO_ARTICLE else [article], kind)
    st.button(
        "Nieuw artikel met deze vragen", key="insight-gap-article-new", on_click=_new_article, args=(phrasings,),
        help="Opent Artikelen met een nieuw artikel; de vragen staan al bij de voorbeeldvragen.",
    )


def _add_to_eval_set(client: ApiClient, questions: list[str], expected: list[str], kind: str) -> None:
    added, present = [], []
    for question in questions:
        try:
            client.add_eval_question(question, expected, "off_topic" if not expected else kind)
        except ApiError as exc:
            if exc.status == 409:
                present.append(question)
                continue
            st.error(str(exc))
            return
        added.append(question)
    message = f"{len(added)} vragen toegevoegd aan de evaluatieset."
    if present:
        message += f" {len(present)} stonden er al in."
    st.success(message)


def _new_article(questions: list[str]) -> None:
    """Open Artikelen with a new article whose example questions are the gap's (a callback: runs
    before the page is drawn)."""
    st.session_state["page"] = "Artikelen"
    st.session_state["new_questions"] = "\n".join(questions)
    st.session_state["new_article_open"] = True


def _click_through(insight: dict) -> None:
    st.subheader("Doorklikken per artikel")
    st.caption(
        "Als eerste getoond: hoe vaak het artikel bovenaan stond. Resultaat geopend: het deel van die zoekvragen waarbij "
        "een resultaat werd geopend. Positie 0 is de link onder het antwoord, 1 het eerste resultaat."
    )
    rows = [
        {
            "artikel": row["title"],
            "als eerste getoond": row["shown_first"],
            "resultaat geopend %": None if row["opened_share"] is None else round(100 * row["opened_share"]),
            "zelf geopend": row["opened"],
            "gemiddelde positie": row["mean_position"],
        }
        for row in insight["click_through"]
    ]
    st.dataframe(rows, hide_index=True, width="stretch")
    if insight["click_positions"]:
        positions = pd.DataFrame(
            {"geopend": [row["clicks"] for row in insight["click_positions"]]},
            index=[("antwoord" if row["position"] == 0 else f"{row['position']}") for row in insight["click_positions"]],
        )
        st.markdown("**Op welke plek werd geklikt**")
        st.bar_chart(positions, x_label="plek", y_label="keer geopend", height=220, sort=False)


def _feedback(insight: dict) -> None:
    st.subheader("Feedback per artikel")
    if not insight["feedback"]:
        st.caption("Geen feedback in deze periode.")
        return
    st.dataframe(
        [{"artikel": row["title"], "nuttig": row["helpful"], "niet nuttig": row["not_helpful"]} for row in insight["feedback"]],
        hide_index=True,
        width="stretch",
    )
    comments = [
        {
            "artikel": row["title"],
            "tijd": comment["time"].replace("T", " ")[:16],
            "oordeel": "nuttig" if comment["helpful"] else "niet nuttig",
            "vraag": comment["question"],
            "opmerking": comment["comment"],
        }
        for row in insight["feedback"]
        for comment in row["comments"]
    ]
    if comments:
        st.markdown("**Opmerkingen** (de nieuwste vijf per artikel)")
        st.dataframe(comments, hide_index=True, width="stretch", column_config=_widths(
            artikel=190, tijd=130, oordeel=90, vraag=220, opmerking=300,
        ))
