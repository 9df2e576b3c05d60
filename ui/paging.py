"""Previous / next buttons over a list paged in the database, with where the reader is."""

from collections.abc import Callable

import streamlit as st

from ui.context import t


def pager(key: str, page: int, pages: int, total: int, per_page: int, on_change: Callable[[], None]) -> None:
    """ "Rows 51–100 of 3,884 · page 2 of 78" between previous and next buttons (page number in `key`)."""

    def go(to: int) -> None:
        st.session_state[key] = to
        on_change()

    first = (page - 1) * per_page + 1 if total else 0
    last = min(page * per_page, total)
    where_text = t(
        "scale.paging.where", first=f"{first:,}", last=f"{last:,}", total=f"{total:,}", page=page, pages=pages
    )
    if pages <= 1:
        st.caption(where_text)
        return
    back, where, forward = st.columns([1, 3, 1], vertical_alignment="center")
    back.button(
        t("scale.paging.previous"),
        key=f"{key}_previous",
        icon=":material/chevron_left:",
        disabled=page <= 1,
        on_click=go,
        args=(page - 1,),
        width="stretch",
    )
    where.caption(where_text, text_alignment="center")
    forward.button(
        t("scale.paging.next"),
        key=f"{key}_next",
        icon=":material/chevron_right:",
        disabled=page >= pages,
        on_click=go,
        args=(page + 1,),
        width="stretch",
    )
