"""Public lists the pages need on every rerun, fetched from the API once a minute at most."""

from __future__ import annotations

import streamlit as st

from staff_ui.api_client import ApiClient


@st.cache_data(ttl=60, show_spinner=False)
def department_names(api_url: str) -> dict[str, str]:
    """Department id -> name; raises ApiError (not cached) when the API cannot be reached."""
    return ApiClient(api_url, None).department_names()


@st.cache_data(ttl=60, show_spinner=False)
def article_ids(api_url: str) -> list[str]:
    return [article["id"] for article in ApiClient(api_url, None).articles()]
