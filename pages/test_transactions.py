"""Placeholder page, filled in by its issue."""

import streamlit as st

from pages.common import current_actor, t

current_actor()
st.title(t("nav.test_transactions"))
st.info(t("common.coming_soon"))
