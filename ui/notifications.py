"""What pages share about notifications: the My work count, e-mail settings and the admins' outbox."""

import time

import pandas as pd
import streamlit as st

from onboarding.core.access import Actor
from onboarding.core.config import get_settings
from onboarding.core.errors import DomainError
from onboarding.notifications import inbox, outbox, preferences, reading
from ui.context import db, flash, show_error, t
from ui.text import inert, plain_frame, show_text

COUNT_KEY = "my_work_count"
# The navigation reruns with every click; counting again at most this often keeps it cheap.
COUNT_SECONDS = 30


def my_work_count(actor: Actor) -> int | None:
    """How many things wait on this staff member (kept for a short while), or None when it cannot be read."""
    cached = st.session_state.get(COUNT_KEY)
    if cached and cached[0] == actor.id and time.monotonic() - cached[1] < COUNT_SECONDS:
        return cached[2]
    try:
        with db() as session:
            total = inbox.my_work_total(session, actor)
    except DomainError:
        return None
    st.session_state[COUNT_KEY] = (actor.id, time.monotonic(), total)
    return total


def forget_count() -> None:
    """Count again on the next run (something was just read or done)."""
    st.session_state.pop(COUNT_KEY, None)


def render_preferences(actor: Actor, expanded: bool = False) -> None:
    """The categories of e-mail this person receives, as checkboxes in an expander."""
    with st.expander(t("notify.settings_title"), icon=":material/mail:", expanded=expanded):
        st.caption(t("notify.settings_help"))
        try:
            with db() as session:
                enabled = preferences.enabled_categories(session, actor)
        except DomainError as error:
            show_error(error)
            return
        with st.form("notification_settings", border=False):
            chosen = {
                category
                for category in preferences.categories_for(actor)
                if st.checkbox(t(f"notify.category.{category}"), value=category in enabled, key=f"notify_{category}")
            }
            for category in preferences.SECURITY_CATEGORIES:
                st.checkbox(t(f"notify.category.{category}"), value=True, disabled=True, key=f"notify_{category}")
            if st.form_submit_button(t("notify.save"), icon=":material/save:"):
                try:
                    with db() as session:
                        preferences.set_enabled_categories(session, actor, chosen)
                except DomainError as error:
                    show_error(error)
                else:
                    flash(t("notify.saved"))
                    st.rerun()


def _status(status: str) -> str:
    return t(f"outbox.status.{status}")


def render_outbox(actor: Actor) -> None:
    """The admins' view of every e-mail: status, attempts, errors, the text, and sending a failed one again."""
    st.caption(t("outbox.caption"))
    if not get_settings().smtp_host:
        st.info(t("outbox.no_smtp"), icon=":material/unsubscribe:")
    try:
        with db() as session:
            counts = outbox.status_counts(session, actor)
    except DomainError as error:
        show_error(error)
        return
    columns = st.columns(len(outbox.STATUSES))
    for column, status in zip(columns, outbox.STATUSES, strict=True):
        column.metric(_status(status), counts.get(status, 0), border=True)
    status = st.segmented_control(
        t("outbox.filter"),
        ["", *outbox.STATUSES],
        format_func=lambda value: _status(value) if value else t("outbox.all"),
        default="",
        key="outbox_status",
    )
    with db() as session:
        rows = outbox.messages(session, actor, status or None)
    if not rows:
        st.info(t("outbox.empty"), icon=":material/inbox:")
        return
    table = pd.DataFrame(
        [
            {
                "created": row.created_at,
                "to": row.to_address,
                "subject": row.subject,
                "category": t(f"outbox.kind.{row.category}"),
                "status": _status(row.status),
                "attempts": row.attempts,
                "next": row.next_attempt_at,
                "sent": row.sent_at,
                "error": row.last_error or "",
            }
            for row in rows
        ]
    )
    selection = st.dataframe(
        plain_frame(table),
        hide_index=True,
        on_select="rerun",
        selection_mode="single-row",
        key="outbox_table",
        width="stretch",
        column_config={
            "created": st.column_config.DatetimeColumn(t("outbox.col_created"), format="YYYY-MM-DD HH:mm"),
            "to": t("outbox.col_to"),
            "subject": t("outbox.col_subject"),
            "category": t("outbox.col_category"),
            "status": t("outbox.col_status"),
            "attempts": st.column_config.NumberColumn(t("outbox.col_attempts")),
            "next": st.column_config.DatetimeColumn(t("outbox.col_next"), format="YYYY-MM-DD HH:mm"),
            "sent": st.column_config.DatetimeColumn(t("outbox.col_sent"), format="YYYY-MM-DD HH:mm"),
            "error": t("outbox.col_error"),
        },
    )
    chosen = selection.selection.rows if selection else []
    entry = rows[chosen[0]] if chosen else rows[0]
    with st.container(border=True):
        st.markdown(f"**{t('outbox.preview')}**")
        show_text(f"{entry.subject}\n{entry.to_address} · {_status(entry.status)} · {entry.created_at:%Y-%m-%d %H:%M}")
        if entry.secret:
            st.info(t("outbox.secret"), icon=":material/lock:")
        else:
            text_tab, html_tab = st.tabs([t("outbox.text_tab"), t("outbox.html_tab")])
            with text_tab:
                show_text(entry.text)
            with html_tab:
                st.html(entry.html)  # sanitised in the page: the mail's text came from people
        if entry.status in ("failed", "held") and st.button(
            t("outbox.send_again"), key=f"outbox_again_{entry.id}", icon=":material/send:"
        ):
            try:
                with db() as session:
                    outbox.send_again(session, actor, entry.id)
            except DomainError as error:
                show_error(error)
            else:
                flash(t("outbox.queued_again"))
                st.rerun()


def _mark_read(actor: Actor, merchant_id: int) -> None:
    try:
        with db() as session:
            reading.mark_read(session, actor, merchant_id)
    except DomainError as error:
        show_error(error)
        return
    forget_count()
    st.rerun()


def render_new_messages(actor: Actor, merchant_id: int, unread: list) -> None:
    """The other party's messages not read yet, above everything else, with a button to mark them read."""
    if not unread:
        return
    with st.container(border=True, key="new_messages"):
        st.subheader(t("portal_inbox.new_title", count=len(unread)), anchor="new-messages")
        st.caption(t("portal_inbox.new_caption"))
        for message in unread:
            with st.chat_message("assistant", avatar=":material/support_agent:"):
                st.caption(f"{inert(message.author_name)} · {message.created_at:%Y-%m-%d %H:%M}")
                show_text(message.body)
        if st.button(t("portal_inbox.mark_read"), key="mark_new_read", icon=":material/done_all:"):
            _mark_read(actor, merchant_id)


def render_mark_read(actor: Actor, merchant_id: int, unread: list) -> None:
    """A button under a conversation with new messages that marks them read."""
    if unread and st.button(t("conversation.mark_read"), key=f"mark_read_{merchant_id}", icon=":material/done_all:"):
        _mark_read(actor, merchant_id)
