"""Merchant: the stage stepper, each stage's checklist with its actions, and the history."""

import pandas as pd
import streamlit as st

from onboarding.accounts import invitations
from onboarding.core.errors import DomainError, NotFound
from onboarding.core.i18n import pick
from onboarding.notifications import reading
from onboarding.process import archive, checklist, comments, deadlines, merchants, sla
from onboarding.process.definition import default_process
from onboarding.process.history import detail_of
from onboarding.reports import exports
from ui.checklist import confirm_dialog, render_conversation, render_item, render_stepper, run_action
from ui.context import db, flash, language, require_actor, show_error, show_flash, t
from ui.pickers import merchant_links
from ui.stage_clock import render_stage_clock, stage_choice
from ui.text import inert, plain, plain_frame

actor = require_actor(staff=True)
process = default_process()
show_flash()


def _merchant_id() -> int | None:
    raw = st.query_params.get("id")
    if raw and raw.isdigit():
        return int(raw)
    return None


def _choose_merchant() -> None:
    with db() as session:
        empty = not merchants.has_merchants(session)
    if empty:
        st.info(t("merchant.none_yet"), icon=":material/storefront:")
        st.page_link("pages/new_merchant.py", label=t("nav.new_merchant"), icon=":material/add_business:")
        st.stop()
    # A search box with a few matches, each a link (never a dropdown of every merchant); typing reruns only it.
    st.fragment(merchant_links)("merchant_chooser", t("merchant.choose"))
    st.stop()


def _invite_panel(merchant) -> None:
    from onboarding.core.i18n import LANGUAGES

    with st.popover(t("invite.button"), icon=":material/person_add:", width="stretch"):
        with st.form("invite_form", border=False):
            email = st.text_input(t("invite.email"), value=merchant.contact_email)
            mail_language = st.selectbox(
                t("invite_more.language"),
                list(LANGUAGES),
                index=list(LANGUAGES).index(language()),
                format_func=LANGUAGES.get,
            )
            if st.form_submit_button(t("invite.create"), type="primary"):
                try:
                    with db() as session:
                        _, token = invitations.invite(session, actor, merchant.id, email, mail_language)
                except DomainError as error:
                    show_error(error)
                else:
                    st.success(t("invite_more.queued") if invitations.mail_is_sent() else t("invite_more.held"))
                    st.code(invitations.link_for(token), language=None)
        with db() as session:
            waiting = invitations.pending(session, actor, merchant.id)
        for invitation in waiting:
            st.caption(
                t("invite.pending", email=inert(invitation.email), date=invitation.expires_at.strftime("%Y-%m-%d"))
            )
            again, withdraw = st.columns(2)
            if again.button(t("invite_more.resend"), key=f"resend_{invitation.id}", icon=":material/forward_to_inbox:"):
                try:
                    with db() as session:
                        _, token = invitations.resend(session, actor, invitation.id, language())
                except DomainError as error:
                    show_error(error)
                else:
                    st.success(t("invite_more.resent"))
                    st.code(invitations.link_for(token), language=None)
            with withdraw.popover(t("invite_more.revoke"), icon=":material/cancel:"):
                st.write(t("invite_more.revoke_confirm", email=inert(invitation.email)))
                if st.button(t("invite_more.revoke"), key=f"revoke_{invitation.id}", type="primary"):
                    run_action(invitations.revoke, "invite_more.revoked", invitation_id=invitation.id)


def _record(merchant_id: int) -> bytes:
    """The merchant's full onboarding record, built only when the download is clicked."""
    with db() as session:
        return exports.export_merchant_record(session, actor, merchant_id)


def _merge_dialog(merchant, candidates: dict[int, str]) -> None:
    """Merge this merchant (a duplicate) into the one that is kept, after a confirmation with a reason."""

    @st.dialog(t("process.merge_title", name=inert(merchant.name)))
    def _dialog() -> None:
        st.write(t("process.merge_body"))
        into_id = st.selectbox(
            t("process.merge_into"),
            list(candidates),
            format_func=lambda i: plain(candidates[i]),
            index=None,
            placeholder=t("process.merge_into_placeholder"),
        )
        reason = st.text_area(t("process.merge_reason"), max_chars=checklist.MAX_REASON)
        if st.button(t("action.confirm_merge"), type="primary", icon=":material/merge:", disabled=into_id is None):
            try:
                with db() as session:
                    kept = archive.merge(session, actor, merchant.id, into_id, reason)
            except DomainError as error:
                show_error(error)
            else:
                flash(t("flash.merged", name=inert(kept.name)))
                st.query_params["id"] = str(kept.id)
                st.rerun()

    _dialog()


def _archived_banner(merchant) -> None:
    """An archived merchant says so, why, and offers to bring it back (a merged one points at the kept one)."""
    when = merchant.archived_at.strftime("%Y-%m-%d")
    if merchant.merged_into_id is not None:
        st.warning(
            t("process.merged_banner", when=when, reason=inert(merchant.archived_reason)), icon=":material/merge:"
        )
        st.page_link(
            "pages/merchant.py",
            label=t("process.open_kept"),
            icon=":material/storefront:",
            query_params={"id": str(merchant.merged_into_id)},
        )
        return
    st.warning(
        t("process.archived_banner", when=when, reason=inert(merchant.archived_reason)), icon=":material/archive:"
    )
    if st.button(t("action.restore"), icon=":material/unarchive:"):
        run_action(archive.restore, "flash.restored", merchant_id=merchant.id)


def _comments(merchant) -> None:
    with db() as session:
        messages = comments.comments_for(session, actor, merchant.id)
    render_conversation(messages, merchant.id, t("comments.write"), unread)


merchant_id = _merchant_id()
if merchant_id is None:
    st.title(t("nav.merchant"))
    _choose_merchant()

try:
    with db() as session:
        view = merchants.merchant_view(session, actor, merchant_id)
        owners = merchants.staff_users(session) if actor.is_staff else []
        slas = sla.stage_slas(session)
        unread = reading.unread_messages(session, actor, merchant_id)
except NotFound:
    st.warning(t("error.merchant_not_found"))
    _choose_merchant()
except DomainError as error:
    show_error(error)
    st.stop()

merchant = view.merchant
dialog = None  # a confirmation opened from the Manage popover, shown outside it
head, side = st.columns([4, 2], vertical_alignment="bottom")
with head:
    st.title(inert(merchant.name))
    st.markdown(
        f":{'green' if merchant.status == 'launched' else 'blue' if merchant.status == 'active' else 'orange'}"
        f"-badge[{t(f'status.{merchant.status}')}] :gray-badge[{t(f'mode.{merchant.integration_mode}')}] "
        f":gray-badge[{t(f'platform.{merchant.shop_platform}')}] :gray-badge[{inert(merchant.country)}]"
    )
    st.caption(
        f"{inert(merchant.website)} · {inert(merchant.contact_name)} {inert(f'<{merchant.contact_email}>')} · "
        f"{t('pipeline.col_owner')}: {inert(view.owner_name or '—')}"
    )
with side:
    st.progress(merchant.progress, text=t("merchant.progress", percent=round(merchant.progress * 100)))
    if actor.is_staff:
        with st.popover(t("merchant.manage"), icon=":material/settings:", width="stretch"):
            with st.form("status_form", border=False):
                # launching is the go-live sign-off's, so "launched" is offered only to keep it
                choices = [
                    s for s in merchants.MERCHANT_STATUSES if s in merchants.CHOSEN_STATUSES or s == merchant.status
                ]
                status = st.selectbox(
                    t("pipeline.status"),
                    choices,
                    index=choices.index(merchant.status),
                    format_func=lambda s: t(f"status.{s}"),
                )
                reason = st.text_input(t("merchant.reason_optional"))
                if st.form_submit_button(t("action.save_status")):
                    if status == "withdrawn" and merchant.status != "withdrawn":
                        dialog = "withdraw"
                    else:
                        run_action(
                            merchants.change_status,
                            "flash.status_changed",
                            merchant_id=merchant.id,
                            status=status,
                            reason=reason,
                        )
            owner_names = {user.id: user.name for user in owners}
            with st.form("owner_form", border=False):
                owner_id = st.selectbox(
                    t("pipeline.owner"),
                    list(owner_names),
                    format_func=lambda i: plain(owner_names[i]),
                    index=list(owner_names).index(merchant.owner_id) if merchant.owner_id in owner_names else None,
                )
                if st.form_submit_button(t("action.save_owner")):
                    run_action(
                        merchants.change_owner, "flash.owner_changed", merchant_id=merchant.id, owner_id=owner_id
                    )
            if merchant.archived_at is None:
                if st.button(t("action.archive"), icon=":material/archive:", width="stretch"):
                    dialog = "archive"
                if st.button(t("action.merge"), icon=":material/merge:", width="stretch"):
                    dialog = "merge"
        _invite_panel(merchant)
        st.download_button(
            t("attention.export_button"),
            data=lambda: _record(merchant.id),
            file_name=f"merchant-{merchant.id}-record.xlsx",
            mime=exports.XLSX_MIME,
            on_click="ignore",
            icon=":material/download:",
            width="stretch",
        )

if dialog == "withdraw":
    confirm_dialog(
        t("process.withdraw_title", name=inert(merchant.name)),
        t("process.withdraw_body"),
        t("process.withdraw_reason"),
        t("action.confirm_withdraw"),
        merchants.change_status,
        "flash.status_changed",
        merchant_id=merchant.id,
        status="withdrawn",
    )
elif dialog == "archive":
    confirm_dialog(
        t("process.archive_title", name=inert(merchant.name)),
        t("process.archive_body"),
        t("process.archive_reason"),
        t("action.confirm_archive"),
        archive.archive,
        "flash.archived",
        merchant_id=merchant.id,
    )
elif dialog == "merge":
    with db() as session:
        everyone = merchants.pipeline(session, actor, per_page=None, sort="name", descending=False).rows
        others = {row["id"]: row["name"] for row in everyone if row["id"] != merchant.id}
    _merge_dialog(merchant, others)
if merchant.archived_at is not None:
    _archived_banner(merchant)

stage_clock = deadlines.stage_clock(merchant, view.items, slas)
render_stage_clock(stage_clock)
render_stepper(view.derived)

# Three tabs fit any width; the stage is chosen inside the checklist (five stage tabs overflowed at 1440 px).
conversation_title = t("portal_inbox.conversation_new", count=len(unread)) if unread else t("comments.title")
tabs = st.tabs([t("ux.checklist"), conversation_title, t("merchant.history")])
with tabs[0]:
    shown_stage = stage_choice(view.derived, key=f"merchant_stage_{merchant.id}")
for stage, state in zip(process.stages, view.derived.stages, strict=True):
    if stage.index != shown_stage:
        continue
    with tabs[0]:
        if not state.is_open:
            st.info(t("merchant.stage_locked"), icon=":material/lock:")
            if actor.is_admin and view.derived.stages[stage.index - 1].is_open:
                if st.button(t("merchant.override_title"), icon=":material/lock_open:", key=f"override_{stage.index}"):
                    confirm_dialog(
                        t("process.gate_title", stage=f"{stage.index + 1}. {pick(stage.title, language())}"),
                        t("process.gate_body"),
                        t("merchant.override_reason"),
                        t("action.override"),
                        checklist.override_gate,
                        "flash.overridden",
                        merchant_id=merchant.id,
                        stage_index=stage.index,
                    )
        for override in view.overrides:
            if override.stage_index == stage.index:
                st.warning(
                    t(
                        "merchant.override_note",
                        reason=inert(override.reason),
                        when=override.created_at.strftime("%Y-%m-%d"),
                    ),
                    icon=":material/gavel:",
                )
        for item in view.items:
            if item.stage_index == stage.index:
                render_item(item, actor, state.is_open, due=deadlines.due_date(stage_clock, item, state.is_open))

with tabs[1]:
    _comments(merchant)

with tabs[2]:
    if not view.events:
        st.info(t("merchant.no_history"))
    else:
        item_titles = {item.key: pick(item.title, language()) for item in process.items}
        timeline = pd.DataFrame(
            [
                {
                    "when": event.created_at,
                    "who": event.actor_name,
                    "what": t(f"event.{event.action}"),
                    "item": item_titles.get(event.item_key, event.item_key or ""),  # retired items keep their key
                    "detail": ", ".join(f"{k}: {v}" for k, v in detail_of(event).items() if v not in (None, "")),
                }
                for event in view.events
            ]
        )
        st.dataframe(
            plain_frame(timeline),
            hide_index=True,
            column_config={
                "when": st.column_config.DatetimeColumn(t("history.when"), format="YYYY-MM-DD HH:mm"),
                "who": t("history.who"),
                "what": t("history.what"),
                "item": t("history.item"),
                "detail": t("history.detail"),
            },
        )
