"""Zoeken: the call-centre page. Type, Enter, read: answer, department to transfer to, articles."""

from __future__ import annotations

import streamlit as st

from staff_ui import lookups
from staff_ui.api_client import ApiClient, ApiError


def confidence_label(confidence: float) -> str:
    if confidence >= 0.8:
        return "zeker"
    if confidence >= 0.5:
        return "waarschijnlijk"
    return "onzeker"


def in_scope_label(routing: dict) -> str:
    """How sure the service is that the knowledge base covers the question, against the line
    below which it says it does not know."""
    return (
        f"Kans dat de kennisbank over deze vraag gaat: {routing['in_scope']:.0%} "
        f"(onder {routing['in_scope_threshold']:.0%} zeggen we dat we het niet weten)."
    )


def render(client: ApiClient) -> None:
    st.title("Zoeken")
    with st.form("search", border=False):
        question = st.text_input(
            "Vraag van de inwoner", placeholder="Bijvoorbeeld: mijn paspoort is verlopen, wat nu?", key="question"
        )
        st.form_submit_button("Zoeken", type="primary")
    if not question.strip():
        st.caption("Typ de vraag en druk op Enter.")
        return
    try:
        result = client.search(question.strip())
    except ApiError as exc:
        st.error(str(exc))
        return

    department = result["department"]
    routing = result["routing"]
    if department:
        contact = department["contact"]
        label = "Externe organisatie" if department["external"] else "Afdeling"
        st.success(
            f"**{label}: {department['name']}** ({confidence_label(department['confidence'])}, "
            f"{department['confidence']:.0%})"
        )
        lines = [f"{key}: {contact[field]}" for key, field in
                 (("Telefoon", "phone"), ("E-mail", "email"), ("Website", "web"), ("Open", "hours")) if contact.get(field)]
        st.markdown("  \n".join(lines))
    else:
        st.warning(routing["reason"])
        if routing["alternatives"]:
            st.markdown("Mogelijke afdelingen: " + ", ".join(
                f"{alt['name']} ({alt['probability']:.0%})" for alt in routing["alternatives"]))
        st.caption(in_scope_label(routing))

    if result["answer"]:
        answer = result["answer"]
        st.subheader("Antwoord")
        st.info(f"{answer['text']}\n\n— {answer['section']}, artikel `{answer['article_id']}`")

    st.subheader("Artikelen")
    for position, item in enumerate(result["results"]):
        with st.expander(f"{item['title']} · {item['section']}", expanded=position == 0):
            st.caption(f"{_department_name(client, item['department_id'])} · score {item['score']:.3f}")
            st.write(item["snippet"])
            if item.get("staff_notes"):
                st.markdown("**Voor medewerkers**")
                st.markdown(item["staff_notes"])
            _feedback_buttons(client, result, item["article_id"])
    st.caption(f"{result['took_ms']:.0f} ms")


def _department_name(client: ApiClient, department_id: str) -> str:
    try:
        return lookups.department_names(client.base_url).get(department_id, department_id)
    except ApiError:
        return department_id


def _feedback_buttons(client: ApiClient, result: dict, article_id: str) -> None:
    """"Nuttig / niet nuttig" for one article of this search; the editors see it on Kwaliteit."""
    given: dict = st.session_state.setdefault("feedback_given", {})
    key = (result["query"], article_id)
    if key in given:
        st.caption(f"Feedback doorgegeven: {'nuttig' if given[key] else 'niet nuttig'}. Dank u wel.")
        return
    up, down, _ = st.columns([1, 1, 4])
    for column, helpful, label in ((up, True, "👍 Nuttig"), (down, False, "👎 Niet nuttig")):
        if column.button(label, key=f"feedback-{'up' if helpful else 'down'}-{article_id}"):
            department = result["department"]["id"] if result["department"] else None
            try:
                client.feedback(result["query"], helpful=helpful, article_id=article_id, department_id=department)
            except ApiError as exc:
                st.error(str(exc))
                return
            given[key] = helpful
            st.rerun()
