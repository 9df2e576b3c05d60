"""Unexpected errors in a page: a short apology with an incident id; the trace goes only to the log."""

import streamlit as st

from onboarding.core import incidents, storage
from ui.context import t


def on_script_error(error: Exception) -> bool:
    """Streamlit's hook for an uncaught error in a page or callback; True keeps Streamlit's own display away."""
    incident = incidents.record(error, "page")
    if storage.is_full(error):
        st.error(t("security.storage_full_page", incident=incident), icon=":material/hard_drive:")
    else:
        st.error(t("security.incident_page", incident=incident), icon=":material/sentiment_dissatisfied:")
    return True
