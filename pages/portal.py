"""My onboarding: a merchant's own stage, what support needs next, their items, submissions and comments."""

import pandas as pd
import streamlit as st

from onboarding.core.errors import DomainError
from onboarding.core.i18n import pick
from onboarding.notifications import reading
from onboarding.process import comments, deadlines, merchants, sla, transitions
from onboarding.process.definition import default_process
from ui import observatory
from ui.checklist import render_conversation, render_item, render_stepper
from ui.context import db, language, require_actor, show_error, show_flash, t
from ui.notifications import render_new_messages, render_preferences
from ui.stage_clock import render_stage_clock
from ui.text import inert, plain_frame

actor = require_actor()
process = default_process()
show_flash()
if actor.merchant_id is None:
    st.error(t("error.not_your_merchant"))
    st.stop()
try:
    with db() as session:
        view = merchants.merchant_view(session, actor, actor.merchant_id)
        conversation = comments.comments_for(session, actor, actor.merchant_id)
        slas = sla.stage_slas(session)
        unread = reading.unread_messages(session, actor, actor.merchant_id)
except DomainError as error:
    show_error(error)
    st.stop()

merchant = view.merchant
derived = view.derived
st.title(t("portal.title", name=inert(merchant.name)))
render_new_messages(actor, merchant.id, unread)
stage_title = (
    pick(process.stages[derived.current_stage].title, language())
    if derived.current_stage < len(process.stages)
    else t("stage.completed")
)
left, right = st.columns([3, 2], vertical_alignment="bottom")
left.markdown(t("portal.current_stage", stage=stage_title))
right.progress(merchant.progress, text=t("merchant.progress", percent=round(merchant.progress * 100)))
stage_clock = deadlines.stage_clock(merchant, view.items, slas)
render_stage_clock(stage_clock, for_merchant=True)
render_stepper(derived)

open_stages = {state.index for state in derived.stages if state.is_open}
mine = [item for item in view.items if item.owner == "merchant" and item.stage_index in open_stages]
linked = st.query_params.get("item")  # the item a notification e-mail pointed at comes first
needed = sorted(
    (
        item
        for item in mine
        if (transitions.waiting_on(item.owner, item.status) == "merchant" and not item.waits_for) or item.key == linked
    ),
    key=lambda item: (item.key != linked, item.rejection_reason is None, item.stage_index),  # then rejections
)
st.subheader(t("portal.next_title"))
if not needed:
    waiting = [item for item in mine if transitions.waiting_on(item.owner, item.status) == "support"]
    if derived.current_stage >= len(process.stages):
        st.success(t("portal.all_done"), icon=":material/celebration:")
    elif waiting:
        st.info(t("portal.waiting_for_support", count=len(waiting)), icon=":material/hourglass_top:")
    else:
        st.info(t("portal.nothing_needed"), icon=":material/support_agent:")
for item in needed:
    render_item(item, actor, True, due=deadlines.due_date(stage_clock, item, True))

conversation_title = t("portal_inbox.conversation_new", count=len(unread)) if unread else t("comments.title")
tabs = st.tabs(
    [t("portal.all_items"), t("portal.submissions"), conversation_title, t("observatory.portal.tab")],
    default=t("observatory.portal.tab") if st.query_params.get("tab") == "sandbox" else None,
)
with tabs[0]:
    for stage, state in zip(process.stages, derived.stages, strict=True):
        items = [item for item in view.items if item.stage_index == stage.index]
        with st.expander(
            f"{stage.index + 1}. {pick(stage.title, language())} · {state.done}/{state.total}",
            expanded=stage.index == derived.current_stage,
        ):
            if not state.is_open:
                st.caption(t("merchant.locked_hint"))
            for item in items:
                if item.owner == "merchant" and item in needed:
                    st.caption(f"↑ {pick(process.item(item.key).title, language())}")
                else:
                    render_item(item, actor, state.is_open, due=deadlines.due_date(stage_clock, item, state.is_open))
with tabs[1]:
    rows = [
        {
            "when": submission.created_at,
            "item": pick(process.item(item.key).title, language()),
            "version": submission.number,
            "by": submission.created_by_name,
            "evidence": submission.file_name or submission.value,
            "status": t(f"item_status.{item.status}") if submission is item.submissions[0] else "",
        }
        for item in view.items
        for submission in item.submissions
    ]
    if rows:
        st.dataframe(
            plain_frame(pd.DataFrame(rows).sort_values("when", ascending=False)),
            hide_index=True,
            column_config={
                "when": st.column_config.DatetimeColumn(t("history.when"), format="YYYY-MM-DD HH:mm"),
                "item": t("history.item"),
                "version": t("portal.version"),
                "by": t("history.who"),
                "evidence": t("merchant.evidence"),
                "status": t("pipeline.status"),
            },
        )
    else:
        st.info(t("portal.no_submissions"))
with tabs[2]:
    render_conversation(conversation, merchant.id, t("comments.write_support"), unread)
with tabs[3]:
    observatory.render_accounts(actor, merchant.id, "portal_obs")
    observatory.render_coverage(actor, merchant.id, "portal_obs", own=True)
    observatory.render_request_log(actor, merchant.id, "portal_obs", own=True)
render_preferences(actor, expanded=st.query_params.get("notifications") == "settings")
