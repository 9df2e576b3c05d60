"""How a checklist item looks and what can be done with it, shared by the Merchant page and the portal."""

import html
from datetime import datetime, timedelta

import streamlit as st

from onboarding.core import clock
from onboarding.core.errors import DomainError
from onboarding.core.i18n import pick
from onboarding.process import checklist, comments, transitions
from onboarding.process.definition import default_process
from onboarding.review import evidence, identifiers
from ui.context import db, flash, language, show_error, t
from ui.notifications import render_mark_read
from ui.stage_clock import render_due
from ui.text import inert, show_text

STATUS_COLOURS = {
    "todo": "gray",
    "submitted": "blue",
    "approved": "green",
    "done": "green",
    "passed": "green",
    "rejected": "red",
    "failed": "red",
    "waived": "gray",
}
STATUS_ICONS = {
    "todo": "○",
    "submitted": "◔",
    "approved": "✓",
    "done": "✓",
    "passed": "✓",
    "rejected": "✕",
    "failed": "✕",
    "waived": "–",
}


def run_action(action, success_key: str, **kwargs) -> None:
    """Call a domain action; on success rerun with a message, on failure show why (nothing is lost)."""
    try:
        with db() as session:
            action(session, st.session_state["actor"], **kwargs)
    except DomainError as error:
        show_error(error)
        return
    flash(t(success_key))
    st.rerun()


def confirm_dialog(
    title: str,
    body: str,
    reason_label: str,
    button: str,
    action,
    success_key: str,
    reason_param: str = "reason",
    **kwargs,
) -> None:
    """Open a modal that asks for confirmation and a written reason, then runs the domain action with it."""

    @st.dialog(title)
    def _dialog() -> None:
        st.write(body)
        reason = st.text_area(reason_label, max_chars=checklist.MAX_REASON, key="confirm_reason")
        if st.button(button, type="primary", key="confirm_button", icon=":material/check:"):
            run_action(action, success_key, **kwargs, **{reason_param: reason})

    _dialog()


def waits_for_text(keys) -> str:
    """The titles of the items an item waits for, in the page's language."""
    process = default_process()
    return pick(checklist.waits_for_text([process.item(key) for key in keys]), language())


@st.cache_data(max_entries=64, show_spinner=False)
def _stored_bytes(sha256: str) -> bytes:
    """Evidence files never change (they are named by digest), so reruns need not read them again."""
    return evidence.read_bytes(sha256)


def _full_image(submission_id: int, name: str) -> None:
    """The full image in a dialog, decoded only when someone asks for it."""
    try:
        with db() as session:
            sha256, _, _ = evidence.describe_file(session, st.session_state["actor"], submission_id)
    except DomainError as error:
        show_error(error)
        return
    st.image(_stored_bytes(sha256), caption=inert(name))


def show_submission(submission, actor, thumbnail: int = 260) -> None:
    """A submission's evidence: image thumbnail (full size on request), PDF download, link or text."""
    if submission.file_sha256:
        try:
            with db() as session:
                sha256, content_type, name = evidence.describe_file(session, actor, submission.id)
                small = evidence.thumbnail(session, actor, submission.id) if content_type.startswith("image/") else None
        except DomainError as error:
            show_error(error)
            return
        if small:
            st.image(_stored_bytes(small), width=thumbnail, caption=inert(name))
            if st.button(t("security.full_image"), key=f"full_{submission.id}", icon=":material/zoom_in:"):
                st.dialog(t("security.full_image_title"), width="large")(_full_image)(submission.id, name)
        else:
            st.download_button(
                t("evidence.download", name=inert(name)),
                lambda: _stored_bytes(sha256),
                file_name=name,
                mime=content_type,
                key=f"download_{submission.id}",
                on_click="ignore",
                icon=":material/picture_as_pdf:",
            )
        if submission.expires_on:
            st.caption(t("evidence.expires", date=submission.expires_on.isoformat()))
    elif submission.kind == "link" and submission.value:
        st.link_button(inert(submission.value[:80]), submission.value, icon=":material/open_in_new:")
    elif submission.value:
        show_text(t(f"choice.{submission.value}") if submission.kind == "choice" else submission.value)
    if submission.note:
        st.caption(t("evidence.note", note=inert(submission.note)))


def _submit_form(item, definition, key: str) -> None:
    """The form a merchant (or support on their behalf) hands evidence in with."""
    kind = definition.evidence
    with st.form(f"submit_{key}", border=False, clear_on_submit=False):
        upload = expires = None
        value = ""
        if kind == "choice":
            value = st.selectbox(t("merchant.value"), definition.choices, format_func=lambda c: t(f"choice.{c}"))
        elif kind == "image":
            upload = st.file_uploader(t("evidence.upload_image"), type=["png", "jpg", "jpeg", "webp"])
        elif kind == "document":
            upload = st.file_uploader(t("evidence.upload_document"), type=["pdf"])
            expires = st.date_input(t("evidence.expiry_date"), value=clock.now().date() + timedelta(days=365))
        elif kind == "link":
            value = st.text_input(t("evidence.prompt.link"), max_chars=2048, placeholder="https://")
        elif kind == "identifier":
            left, right = st.columns(2)
            client_id = left.text_input("clientId", max_chars=64)
            acc_id = right.text_input("accId", max_chars=64)
            salt = st.text_input(t("evidence.key"), type="password", max_chars=128, help=t("evidence.key_help"))
        else:
            value = st.text_area(t(f"evidence.prompt.{kind}"), max_chars=4000)
        note = st.text_input(t("merchant.note"), max_chars=2000)
        if not st.form_submit_button(t("action.submit"), type="primary"):
            return
    if kind == "identifier":
        run_action(
            identifiers.submit_credentials,
            "flash.submitted",
            item_id=item.id,
            expected_version=item.version,
            client_id=client_id,
            acc_id=acc_id,
            salt=salt,
            note=note,
        )
    elif kind in ("image", "document"):
        if upload is None:
            st.error(t("error.file_required"))
            return
        run_action(
            evidence.submit_file,
            "flash.submitted",
            item_id=item.id,
            expected_version=item.version,
            data=upload.getvalue(),
            file_name=upload.name,
            note=note,
            expires_on=expires,
        )
    else:
        run_action(
            checklist.submit, "flash.submitted", item_id=item.id, expected_version=item.version, value=value, note=note
        )


def _reason_form(action, form_key: str, label: str, icon: str, success_key: str, item, primary: bool) -> None:
    """A popover with a required reason, for the actions that need one (reject, reopen)."""
    with st.popover(label, icon=icon, width="stretch"):
        with st.form(form_key, border=False):
            reason = st.text_area(t("merchant.reason"), max_chars=checklist.MAX_REASON)
            if st.form_submit_button(label, type="primary" if primary else "secondary"):
                run_action(action, success_key, item_id=item.id, expected_version=item.version, reason=reason)


def _actions(item, actor, stage_open: bool) -> None:
    """The buttons of the actions the transition table allows this actor on this item, in a fixed order."""
    key = f"{item.id}_{item.version}"
    if not stage_open:
        st.caption(t("merchant.locked_hint"))
        return
    definition = default_process().item(item.key)
    allowed = transitions.allowed_actions(definition, item.status, actor, waiting=bool(item.waits_for))
    if transitions.SUBMIT in allowed:
        label = t("action.submit") if item.status == "todo" else t("action.resubmit")
        with st.popover(label, icon=":material/upload:", width="stretch"):
            _submit_form(item, definition, key)
    if transitions.APPROVE in allowed and st.button(
        t("action.approve"), key=f"approve_{key}", type="primary", icon=":material/check:", width="stretch"
    ):
        run_action(checklist.approve, "flash.approved", item_id=item.id, expected_version=item.version)
    if transitions.REJECT in allowed:
        _reason_form(
            checklist.reject, f"reject_{key}", t("action.reject"), ":material/close:", "flash.rejected", item, True
        )
    if transitions.COMPLETE_STEP in allowed and st.button(
        t("action.mark_done"), key=f"done_{key}", type="primary", icon=":material/task_alt:", width="stretch"
    ):
        if definition.confirm:
            confirm_dialog(
                t("process.confirm_title", item=pick(definition.title, language())),
                t("process.confirm_body"),
                t("process.confirm_reason"),
                t("action.confirm_done"),
                checklist.complete,
                "flash.done",
                reason_param="note",
                item_id=item.id,
                expected_version=item.version,
            )
        else:
            run_action(checklist.complete, "flash.done", item_id=item.id, expected_version=item.version)
    if transitions.OVERRIDE in allowed and st.button(
        t("action.override_item"), key=f"override_{key}", icon=":material/gavel:", width="stretch"
    ):
        confirm_dialog(
            t("process.override_title", item=pick(definition.title, language())),
            t("process.override_body"),
            t("process.override_reason"),
            t("action.confirm_override"),
            checklist.override_item,
            "flash.item_overridden",
            item_id=item.id,
            expected_version=item.version,
        )
    if transitions.REOPEN in allowed:
        _reason_form(
            checklist.reopen, f"reopen_{key}", t("action.reopen"), ":material/undo:", "flash.reopened", item, False
        )
    if item.owner == "automatic" and not transitions.is_complete(item.status):
        st.caption(t("merchant.automatic_hint"))
    if transitions.proven_by_query(definition) and not transitions.is_complete(item.status) and actor.is_staff:
        st.caption(t("process.verify_hint"))
        st.page_link("pages/test_transactions.py", label=t("process.open_test_transactions"), icon=":material/bolt:")


# Text colours keep 4.5:1 on their cards (WCAG AA); on a phone only the current stage keeps its name.
STEPPER_STYLE = (
    "<style>.stepper{display:flex;gap:8px;margin:4px 0 12px}.step{flex:1;min-width:0;text-align:center;"
    "padding:10px 6px;border-radius:10px;background:#f4f6fa;border:1px solid #e3e7ef;font-family:sans-serif}"
    ".dot{width:30px;height:30px;border-radius:50%;margin:0 auto 6px;line-height:30px;font-weight:700;"
    "background:#5d6678;color:#fff}.done .dot{background:#13804a}.current{border-color:#1f5ed6;background:#eef3ff}"
    ".current .dot{background:#1f5ed6}.open .dot{background:#3a5fb0}.locked{background:#f9fafc;border-style:dashed}"
    ".locked .dot{background:#e3e7ef;color:#4a5468}.label{font-size:13px;font-weight:600;color:#1f2a44;"
    "overflow-wrap:anywhere}.count{font-size:12px;color:#4a5468}.locked .label{color:#4a5468}"
    ".ov{font-size:11px;color:#8a4b00;margin-top:2px}"
    "@media (max-width:640px){.stepper{gap:4px}.step{padding:6px 2px}.step .label{display:none}"
    ".step.current{flex:2.6}.step.current .label{display:block;font-size:12px}.dot{width:26px;height:26px;"
    "line-height:26px;margin-bottom:4px}.ov{display:none}}</style>"
)


def render_stepper(derived) -> None:
    """Five stage cards: done, current, open or locked, with item counts."""
    process = default_process()
    cells = []
    for stage, state in zip(process.stages, derived.stages, strict=True):
        if state.is_complete and state.is_open:
            css, mark = "done", "✓"
        elif state.index == derived.current_stage:
            css, mark = "current", str(stage.index + 1)
        elif state.is_open:
            css, mark = "open", str(stage.index + 1)
        else:
            css, mark = "locked", str(stage.index + 1)
        extra = f"<div class='ov'>{html.escape(t('merchant.overridden'))}</div>" if state.overridden else ""
        cells.append(
            f"<div class='step {css}'><div class='dot'>{mark}</div>"
            f"<div class='label'>{html.escape(pick(stage.title, language()))}</div>"
            f"<div class='count'>{state.done}/{state.total}</div>{extra}</div>"
        )
    st.html(STEPPER_STYLE + f"<div class='stepper'>{''.join(cells)}</div>")


def render_item(item, actor, stage_open: bool, due: datetime | None = None) -> None:
    """One checklist item: title, badges, due date, evidence, rejection reason, who/when, versions and actions."""
    definition = default_process().item(item.key)
    with st.container(border=True, key=f"item_{item.key}"):
        info, actions = st.columns([4, 1.4], vertical_alignment="top")
        with info:
            st.markdown(
                f"**{STATUS_ICONS[item.status]} {pick(definition.title, language())}** &nbsp; "
                f":{STATUS_COLOURS[item.status]}-badge[{t(f'item_status.{item.status}')}] "
                f":violet-badge[{t(f'owner.{item.owner}')}] :gray-badge[{t(f'evidence.{item.evidence}')}]"
            )
            if due is not None:
                render_due(due)
            if definition.help:
                st.caption(pick(definition.help, language()))
            if item.waits_for and not transitions.is_complete(item.status):
                st.caption(":material/hourglass_top: " + t("process.waits_for", items=waits_for_text(item.waits_for)))
            if transitions.is_waived(item.status):
                st.caption(":material/event_busy: " + t("process.waived_note"))
            if item.status == "rejected" and item.rejection_reason:
                st.error(
                    t("merchant.rejected_because", reason=inert(item.rejection_reason)), icon=":material/feedback:"
                )
            if item.submissions:
                show_submission(item.submissions[0], actor)
            elif item.value:
                st.caption(t("merchant.evidence"))
                show_text(item.value)
            if item.updated_by:
                st.caption(
                    t(
                        "merchant.changed_by",
                        who=inert(item.updated_by),
                        when=item.updated_at.strftime("%Y-%m-%d %H:%M"),
                    )
                )
            if len(item.submissions) > 1:
                with st.expander(t("merchant.versions", count=len(item.submissions))):
                    for submission in item.submissions[1:]:
                        st.markdown(
                            f"**v{submission.number}** · {inert(submission.created_by_name)} · "
                            f"{submission.created_at:%Y-%m-%d %H:%M}"
                        )
                        show_submission(submission, actor, thumbnail=160)
        with actions:
            _actions(item, actor, stage_open)


def render_conversation(messages, merchant_id: int, prompt: str, unread=()) -> None:
    """The merchant–support conversation (messages not read yet marked new) and a box to add to it."""
    if not messages:
        st.info(t("comments.empty"))
    new = {message.id for message in unread}
    for message in messages:
        from_merchant = message.author_role == "merchant"
        with st.chat_message(
            "user" if from_merchant else "assistant",
            avatar=":material/storefront:" if from_merchant else ":material/support_agent:",
        ):
            marker = f" :blue-badge[{t('conversation.new_marker')}]" if message.id in new else ""
            st.caption(f"{inert(message.author_name)} · {message.created_at:%Y-%m-%d %H:%M}{marker}")
            show_text(message.body)
    render_mark_read(st.session_state["actor"], merchant_id, unread)
    with st.form(f"comment_{merchant_id}", clear_on_submit=True, border=False):
        body = st.text_area(prompt, max_chars=comments.MAX_COMMENT)
        if st.form_submit_button(t("comments.send"), icon=":material/send:"):
            run_action(comments.add_comment, "flash.comment_sent", merchant_id=merchant_id, body=body)
