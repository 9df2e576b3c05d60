"""Review queue: every submitted item across merchants, oldest first, with previews; approve or reject."""

import streamlit as st

from onboarding.core import clock
from onboarding.core.i18n import pick
from onboarding.process import checklist
from onboarding.process.definition import default_process
from onboarding.review import queue
from ui.checklist import run_action, show_submission
from ui.context import db, language, require_actor, show_flash, t
from ui.text import inert

actor = require_actor(staff=True)
process = default_process()
show_flash()
st.title(t("review.title"))
with db() as session:
    entries = queue.waiting(session, actor)
if not entries:
    st.success(t("review.empty"), icon=":material/inbox:")
    st.stop()
st.caption(t("review.count", count=len(entries)))
now = clock.now()
for entry in entries:
    definition = process.item(entry.item_key)
    waited = (now - entry.submitted_at).days if entry.submitted_at else 0
    with st.container(border=True, key=f"queue_{entry.item_id}"):
        info, preview, actions = st.columns([2, 2, 1.2])
        with info:
            st.markdown(f"**{inert(entry.merchant_name)}**")
            st.markdown(f"{pick(definition.title, language())} · :gray-badge[{t(f'evidence.{definition.evidence}')}]")
            st.caption(t("review.waiting", days=waited))
            if entry.submission:
                st.caption(t("review.by", who=inert(entry.submission.created_by_name), version=entry.submission.number))
            st.page_link(
                "pages/merchant.py",
                label=t("review.open_merchant"),
                icon=":material/storefront:",
                query_params={"id": str(entry.merchant_id)},
            )
        with preview:
            if entry.submission:
                show_submission(entry.submission, actor, thumbnail=300)
        with actions:
            key = f"{entry.item_id}_{entry.version}"
            if st.button(
                t("action.approve"),
                key=f"approve_{key}",
                type="primary",
                icon=":material/check:",
                width="stretch",
            ):
                run_action(checklist.approve, "flash.approved", item_id=entry.item_id, expected_version=entry.version)
            with st.popover(t("action.reject"), icon=":material/close:", width="stretch"):
                with st.form(f"reject_{key}", border=False):
                    reason = st.text_area(t("merchant.reason"), max_chars=checklist.MAX_REASON)
                    if st.form_submit_button(t("action.reject"), type="primary"):
                        run_action(
                            checklist.reject,
                            "flash.rejected",
                            item_id=entry.item_id,
                            expected_version=entry.version,
                            reason=reason,
                        )
