"""The staff console (Streamlit). Started with `kb console`; talks to the search API.

Sign-in is by token: the call-centre token (`KB_STAFF_TOKEN`, default `data/staff-token`) opens
Zoeken, Kwaliteit and Inzicht; the editor token (`KB_EDITOR_TOKEN`, default `data/editor-token`) also
opens Artikelen; the administrator token (`KB_ADMIN_TOKEN`, default `data/admin-token`) also
opens Beheer.
Without a token typed in, the console uses the call-centre token of this machine.
"""

from __future__ import annotations

import streamlit as st

from kb.environment import apply_defaults
from kb.security import allows, role_token
from kb.settings import get_settings
from staff_ui import admin_page, articles_page, insight_page, quality_page, search_page
from staff_ui.api_client import ApiClient, ApiError

apply_defaults()  # `kb console` has applied them already; `streamlit run staff_ui/app.py` has not

ROLE_NAMES = {"staff": "medewerker klantcontact", "editor": "redacteur", "admin": "beheerder"}

st.set_page_config(page_title="Kennisbank Voorbeeldstad", page_icon="🔎", layout="wide")
settings = get_settings()
with st.sidebar:
    typed = st.text_input("Token (leeg: medewerker klantcontact)", type="password", key="token")
token = typed.strip() or role_token(settings, "staff", create=False)
client = ApiClient(settings.api_url, token)
if not token:
    st.error("Geen token gevonden. Start eerst de zoekdienst (`kb serve`) of zet KB_STAFF_TOKEN.")
    st.stop()
try:
    role = client.whoami()
except ApiError as exc:
    st.error(f"Aanmelden lukte niet: {exc}")
    st.stop()

pages = ["Zoeken", "Kwaliteit", "Inzicht"] + (["Artikelen"] if allows(role, "editor") else []) + (["Beheer"] if allows(role, "admin") else [])
with st.sidebar:
    st.caption(f"Aangemeld als {ROLE_NAMES[role]}")
    page = st.radio("Pagina", pages, key="page")
if page == "Beheer":
    admin_page.render(client)
elif page == "Artikelen":
    articles_page.render(client, settings)
elif page == "Kwaliteit":
    quality_page.render(client, role)
elif page == "Inzicht":
    insight_page.render(client, role)
else:
    search_page.render(client)
