"""The staff console (Streamlit). Started with `kb console`; talks only to the search API."""

from __future__ import annotations

import streamlit as st

from kb.settings import get_settings
from staff_ui import search_page
from staff_ui.api_client import ApiClient

st.set_page_config(page_title="Kennisbank Voorbeeldstad", page_icon="🔎", layout="wide")
client = ApiClient.from_settings(get_settings())
if not client.token:
    st.error("Geen medewerkerstoken gevonden. Start eerst de zoekdienst (`kb serve`) of zet KB_STAFF_TOKEN.")
    st.stop()
search_page.render(client)
