"""The benchmark's baseline: a trivial page with the same start as every page (signed-in user, translation)."""

import streamlit as st

from ui.context import current_actor, t

current_actor()
st.title(t("nav.pipeline"))
st.write("Baseline")
