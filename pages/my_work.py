"""My work: what waits on the signed-in support person, their merchants that slipped, and unread messages."""

import html

import pandas as pd
import streamlit as st

from onboarding.core.errors import DomainError
from onboarding.core.i18n import pick
from onboarding.notifications import inbox, reading
from onboarding.process.definition import default_process
from ui.context import db, flash, language, require_actor, show_error, show_flash, t
from ui.notifications import forget_count, render_preferences
from ui.text import plain, plain_frame

actor = require_actor(staff=True)
process = default_process()
show_flash()

try:
    with db() as session:
        work = inbox.my_work(session, actor)
except DomainError as error:
    show_error(error)
    st.stop()

st.title(t("my_work.title"))
st.caption(t("my_work.caption") + (" " + t("my_work.caption_admin") if actor.is_admin else ""))
metrics = st.columns(3)
metrics[0].metric(t("my_work.metric_waiting"), len(work.waiting), border=True)
metrics[1].metric(t("my_work.metric_flagged"), len(work.flagged), border=True)
metrics[2].metric(t("my_work.metric_unread"), work.unread_messages, border=True)
if not work.total:
    st.success(t("my_work.all_clear"), icon=":material/task_alt:")


def _open(merchant_id: int) -> None:
    st.switch_page("pages/merchant.py", query_params={"id": str(merchant_id)})


def _what(entry: inbox.WaitingItem) -> str:
    if entry.status == "submitted":
        return t("my_work.do_review")
    return t("my_work.do_check") if entry.owner == "automatic" else t("my_work.do_step")


def _table(frame: pd.DataFrame, key: str, ids: list[int], column_config: dict) -> None:
    """A sortable table; selecting a row opens its merchant."""
    selection = st.dataframe(
        plain_frame(frame),
        hide_index=True,
        on_select="rerun",
        selection_mode="single-row",
        key=key,
        width="stretch",
        column_config=column_config,
    )
    chosen = selection.selection.rows if selection else []
    if chosen:
        _open(ids[chosen[0]])


st.subheader(t("my_work.unread_title"), anchor="unread")
if not work.unread:
    st.caption(t("my_work.none_unread"))
for thread in work.unread:
    with st.container(border=True, key=f"unread_{thread.merchant_id}"):
        text, open_button, read_button = st.columns([6, 1, 1.4], vertical_alignment="center")
        with text:
            st.html(
                f"<div><b>{html.escape(plain(thread.merchant_name))}</b> · "
                f"<span style='color:#2f6fed'>{html.escape(t('my_work.thread_count', count=thread.count))}</span> · "
                f"<span style='color:#6b7487'>{html.escape(plain(thread.newest_author))}, "
                f"{thread.newest_at:%Y-%m-%d %H:%M}</span><div style='color:#31333f;margin-top:4px'>"
                f"{html.escape(plain(thread.newest_preview))}</div></div>"
            )
        if open_button.button(t("my_work.open_merchant"), key=f"open_{thread.merchant_id}", icon=":material/forum:"):
            _open(thread.merchant_id)
        if read_button.button(t("my_work.mark_read"), key=f"read_{thread.merchant_id}", icon=":material/done_all:"):
            try:
                with db() as session:
                    reading.mark_read(session, actor, thread.merchant_id)
            except DomainError as error:
                show_error(error)
            else:
                forget_count()
                flash(t("my_work.marked_read"))
                st.rerun()

st.subheader(t("my_work.waiting_title"))
if work.waiting:
    _table(
        pd.DataFrame(
            {
                "merchant": [entry.merchant_name for entry in work.waiting],
                "item": [pick(process.item(entry.item_key).title, language()) for entry in work.waiting],
                "what": [_what(entry) for entry in work.waiting],
                "since": [entry.since for entry in work.waiting],
            }
        ),
        "my_work_waiting",
        [entry.merchant_id for entry in work.waiting],
        {
            "merchant": t("my_work.col_merchant"),
            "item": t("my_work.col_item"),
            "what": t("my_work.col_what"),
            "since": st.column_config.DatetimeColumn(t("my_work.col_since"), format="YYYY-MM-DD HH:mm"),
        },
    )
    st.caption(t("my_work.select_hint"))
else:
    st.caption(t("my_work.none_waiting"))

st.subheader(t("my_work.flagged_title"))
if work.flagged:
    _table(
        pd.DataFrame(
            {
                "merchant": [row["name"] for row in work.flagged],
                "stage": [
                    f"{row['stage'] + 1}. {pick(process.stages[row['stage']].title, language())}"
                    if row["stage"] < len(process.stages)
                    else t("stage.completed")
                    for row in work.flagged
                ],
                "reason": [inbox.flag_reason(row, language()) for row in work.flagged],
                "waiting": [t(f"attention.who_{row['waiting_on']}") for row in work.flagged],
            }
        ),
        "my_work_flagged",
        [row["id"] for row in work.flagged],
        {
            "merchant": t("my_work.col_merchant"),
            "stage": t("attention.col_stage"),
            "reason": t("my_work.col_reason"),
            "waiting": t("my_work.col_waiting_on"),
        },
    )
    st.caption(t("my_work.select_hint"))
else:
    st.caption(t("my_work.none_flagged"))

st.divider()
render_preferences(actor, expanded=st.query_params.get("notifications") == "settings")
