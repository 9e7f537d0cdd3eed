"""Beheer (administrators): the state of the search service and a full re-index."""

from __future__ import annotations

import streamlit as st

from staff_ui.api_client import ApiClient, ApiError


def render(client: ApiClient) -> None:
    st.title("Beheer")
    try:
        health = client.health()
    except ApiError as exc:
        st.error(str(exc))
        return
    state = {"ok": "klaar", "degraded": "klaar, index wijkt af", "starting": "start op", "error": "fout"}[health["status"]]
    columns = st.columns(3)
    columns[0].metric("Zoekdienst", state)
    columns[1].metric("Artikelen in de index", health["articles_indexed"])
    columns[2].metric("Stukken in de index", health["chunks_indexed"])
    st.caption(f"Model: {health['model']} · opslag: {health['store']}")
    if health.get("detail"):
        st.error(health["detail"])

    st.subheader("Alles herindexeren")
    st.write(
        "Leest alle artikelen opnieuw en verwerkt wat veranderd is. Nodig na wijzigingen buiten de "
        "console (bijvoorbeeld via git). Zoeken blijft werken."
    )
    if st.button("Alles herindexeren", key="reindex_all", type="primary"):
        with st.spinner("Bezig met herindexeren ..."):
            try:
                report = client.reindex()
            except ApiError as exc:
                st.error(str(exc))
                return
        st.success(
            f"Klaar in {report['seconds']} s: {len(report['added'])} nieuw, {len(report['updated'])} gewijzigd, "
            f"{len(report['removed'])} verwijderd, {report['unchanged']} ongewijzigd."
        )
        if report["invalid_files"]:
            st.warning("Niet verwerkt (fouten): " + ", ".join(report["invalid_files"]))
