"""Merchant pickers: a search box and at most a page of matches, never a dropdown of every merchant."""

import pandas as pd
import streamlit as st

from onboarding.process.merchants import find_merchants
from ui.context import db, require_actor, t
from ui.text import plain, plain_frame

MATCHES = 20


def _matches(key: str, label: str) -> tuple[list[dict], int]:
    """The search box and the first MATCHES merchants (by name) whose name, site or contact holds its text."""
    actor = require_actor(staff=True)
    text = st.text_input(
        label,
        key=f"{key}_search",
        placeholder=t("scale.picker.hint"),
        max_chars=200,
        icon=":material/search:",
        live="300ms",
    )
    with db() as session:
        found = find_merchants(session, actor, text or "", limit=MATCHES)
    if found.total > len(found.rows):
        st.caption(t("scale.picker.more", shown=len(found.rows), total=f"{found.total:,}"))
    elif not found.rows:
        st.caption(t("scale.picker.none"))
    return found.rows, found.total


def merchant_links(key: str, label: str) -> None:
    """Search, then open a merchant by clicking it (the Merchant page's chooser)."""
    rows, _total = _matches(key, label)
    if not rows:
        return
    table = pd.DataFrame(
        {
            t("pipeline.col_name"): [row["name"] for row in rows],
            t("pipeline.col_status"): [t(f"status.{row['status']}") for row in rows],
            t("pipeline.col_owner"): [row["owner"] or "—" for row in rows],
            t("pipeline.col_country"): [row["country"] for row in rows],
        }
    )
    selection = st.dataframe(
        plain_frame(table),
        hide_index=True,
        on_select="rerun",
        selection_mode=["single-row", "single-cell"],
        key=f"{key}_table_{hash(tuple(row['id'] for row in rows))}",
        height=35 * len(rows) + 38,
    )
    picked = [*selection.selection.rows, *(row for row, _column in selection.selection.cells)]
    if picked:
        st.switch_page("pages/merchant.py", query_params={"id": str(rows[picked[0]]["id"])})
    st.caption(t("scale.attention.click_hint"))


def merchant_choice(key: str, label: str) -> int | None:
    """Search, then choose one of the matches; the chosen merchant's id (or None)."""
    rows, _total = _matches(key, label)
    names = {row["id"]: row["name"] for row in rows}
    return st.selectbox(
        t("scale.picker.choose"),
        list(names),
        format_func=lambda i: plain(names[i]),
        index=None,
        key=f"{key}_choice",
        placeholder=t("scale.picker.choose_hint"),
        disabled=not names,
    )
