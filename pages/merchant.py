"""Merchant: the stage stepper, each stage's checklist with its actions, and the history."""

import html

import pandas as pd
import streamlit as st

from onboarding import checklist, merchants
from onboarding.errors import DomainError, NotFound
from onboarding.history import detail_of
from onboarding.i18n import pick
from onboarding.process import default_process
from pages.common import current_actor, db, flash, language, show_error, show_flash, t

actor = current_actor()
process = default_process()
show_flash()

STATUS_COLOURS = {"todo": "gray", "submitted": "blue", "approved": "green", "done": "green", "passed": "green",
                  "rejected": "red", "failed": "red"}
STATUS_ICONS = {"todo": ":material/radio_button_unchecked:", "submitted": ":material/hourglass_top:",
                "approved": ":material/check_circle:", "done": ":material/check_circle:",
                "passed": ":material/check_circle:", "rejected": ":material/cancel:", "failed": ":material/cancel:"}


def _merchant_id() -> int | None:
    raw = st.query_params.get("id")
    if raw and raw.isdigit():
        return int(raw)
    return None


def _run(action, success_key: str, **kwargs) -> None:
    """Call a domain action; on success rerun with a message, on failure show why."""
    try:
        with db() as session:
            action(session, actor, **kwargs)
    except DomainError as error:
        show_error(error)
        return
    flash(t(success_key))
    st.rerun()


def _choose_merchant() -> None:
    with db() as session:
        rows = merchants.pipeline(session, actor)
    if not rows:
        st.info(t("merchant.none_yet"), icon=":material/storefront:")
        st.page_link("pages/new_merchant.py", label=t("nav.new_merchant"), icon=":material/add_business:")
        st.stop()
    names = {row["id"]: row["name"] for row in rows}
    chosen = st.selectbox(t("merchant.choose"), list(names), format_func=names.get, index=None)
    if chosen:
        st.query_params["id"] = str(chosen)
        st.rerun()
    st.stop()


def _stepper(view) -> None:
    cells = []
    for stage, state in zip(process.stages, view.derived.stages):
        if state.is_complete and state.is_open:
            css, mark = "done", "✓"
        elif state.index == view.derived.current_stage:
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
    st.html(
        "<style>.stepper{display:flex;gap:8px;margin:4px 0 12px}.step{flex:1;text-align:center;padding:10px 6px;"
        "border-radius:10px;background:#f4f6fa;border:1px solid #e3e7ef;font-family:sans-serif}"
        ".dot{width:30px;height:30px;border-radius:50%;margin:0 auto 6px;line-height:30px;font-weight:700;"
        "background:#d5dae3;color:#fff}.done .dot{background:#21a366}.current{border-color:#2f6fed;background:#eef3ff}"
        ".current .dot{background:#2f6fed}.open .dot{background:#7c9be6}.locked{opacity:.55}"
        ".label{font-size:13px;font-weight:600;color:#1f2a44}.count{font-size:12px;color:#6b7487}"
        ".ov{font-size:11px;color:#b25e00;margin-top:2px}</style>"
        f"<div class='stepper'>{''.join(cells)}</div>"
    )


def _item_actions(item, stage_open: bool) -> None:
    key = f"{item.id}_{item.version}"
    if not stage_open:
        st.caption(t("merchant.locked_hint"))
        return
    definition = process.item(item.key)
    if item.owner == "merchant" and item.status != "approved":
        with st.popover(t("action.submit") if item.status == "todo" else t("action.resubmit"),
                        icon=":material/upload:"):
            with st.form(f"submit_{key}", border=False):
                if definition.evidence == "choice":
                    value = st.selectbox(t("merchant.value"), definition.choices,
                                         format_func=lambda c: t(f"choice.{c}"))
                else:
                    value = st.text_area(t(f"evidence.prompt.{definition.evidence}"), max_chars=4000)
                note = st.text_input(t("merchant.note"))
                if st.form_submit_button(t("action.submit"), type="primary"):
                    _run(checklist.submit, "flash.submitted", item_id=item.id, expected_version=item.version,
                         value=value, note=note)
    if item.owner == "merchant" and item.status == "submitted" and actor.is_staff:
        if st.button(t("action.approve"), key=f"approve_{key}", type="primary", icon=":material/check:"):
            _run(checklist.approve, "flash.approved", item_id=item.id, expected_version=item.version)
    if actor.is_staff and ((item.owner == "merchant" and item.status == "submitted")
                           or (item.owner == "support" and item.status in ("todo", "done"))):
        with st.popover(t("action.reject"), icon=":material/close:"):
            with st.form(f"reject_{key}", border=False):
                reason = st.text_area(t("merchant.reason"), max_chars=checklist.MAX_REASON)
                if st.form_submit_button(t("action.reject"), type="primary"):
                    _run(checklist.reject, "flash.rejected", item_id=item.id, expected_version=item.version,
                         reason=reason)
    if item.owner == "support" and item.status in ("todo", "rejected") and actor.is_staff:
        if st.button(t("action.mark_done"), key=f"done_{key}", type="primary", icon=":material/task_alt:"):
            _run(checklist.complete, "flash.done", item_id=item.id, expected_version=item.version)
    if item.status in checklist.COMPLETE and actor.is_staff:
        with st.popover(t("action.reopen"), icon=":material/undo:"):
            with st.form(f"reopen_{key}", border=False):
                reason = st.text_area(t("merchant.reason"), max_chars=checklist.MAX_REASON)
                if st.form_submit_button(t("action.reopen")):
                    _run(checklist.reopen, "flash.reopened", item_id=item.id, expected_version=item.version,
                         reason=reason)
    if item.owner == "automatic" and item.status not in ("passed",):
        st.caption(t("merchant.automatic_hint"))


def _render_item(item, stage_open: bool) -> None:
    definition = process.item(item.key)
    with st.container(border=True):
        info, actions = st.columns([3, 2], vertical_alignment="center")
        with info:
            st.markdown(f"**{pick(definition.title, language())}**")
            badges = (f":{STATUS_COLOURS[item.status]}-badge[{t(f'item_status.{item.status}')}] "
                      f":violet-badge[{t(f'owner.{item.owner}')}] :gray-badge[{t(f'evidence.{item.evidence}')}]")
            st.markdown(badges)
            if definition.help:
                st.caption(pick(definition.help, language()))
            if item.value:
                shown = t(f"choice.{item.value}") if definition.evidence == "choice" else item.value
                st.markdown(f"{t('merchant.evidence')}: `{shown}`")
            if item.status == "rejected" and item.rejection_reason:
                st.error(t("merchant.rejected_because", reason=item.rejection_reason), icon=":material/feedback:")
            if item.updated_by:
                st.caption(t("merchant.changed_by", who=item.updated_by,
                             when=item.updated_at.strftime("%Y-%m-%d %H:%M")))
            if len(item.submissions) > 1:
                with st.expander(t("merchant.versions", count=len(item.submissions))):
                    for submission in item.submissions:
                        st.markdown(f"**v{submission.number}** · {submission.created_by_name} · "
                                    f"{submission.created_at:%Y-%m-%d %H:%M} — `{submission.value}`")
        with actions:
            _item_actions(item, stage_open)


merchant_id = _merchant_id()
if merchant_id is None:
    st.title(t("nav.merchant"))
    _choose_merchant()

try:
    with db() as session:
        view = merchants.merchant_view(session, actor, merchant_id)
        owners = merchants.staff_users(session) if actor.is_staff else []
except NotFound:
    st.warning(t("error.merchant_not_found"))
    _choose_merchant()
except DomainError as error:
    show_error(error)
    st.stop()

merchant = view.merchant
head, side = st.columns([4, 2], vertical_alignment="bottom")
with head:
    st.title(merchant.name)
    st.markdown(
        f":{'green' if merchant.status == 'launched' else 'blue' if merchant.status == 'active' else 'orange'}"
        f"-badge[{t(f'status.{merchant.status}')}] :gray-badge[{t(f'mode.{merchant.integration_mode}')}] "
        f":gray-badge[{t(f'platform.{merchant.shop_platform}')}] :gray-badge[{merchant.country}]"
    )
    st.caption(f"{merchant.website} · {merchant.contact_name} <{merchant.contact_email}> · "
               f"{t('pipeline.col_owner')}: {view.owner_name or '—'}")
with side:
    st.progress(merchant.progress, text=t("merchant.progress", percent=round(merchant.progress * 100)))
    if actor.is_staff:
        with st.popover(t("merchant.manage"), icon=":material/settings:", use_container_width=True):
            with st.form("status_form", border=False):
                status = st.selectbox(t("pipeline.status"), merchants.STATUSES,
                                      index=merchants.STATUSES.index(merchant.status),
                                      format_func=lambda s: t(f"status.{s}"))
                reason = st.text_input(t("merchant.reason_optional"))
                if st.form_submit_button(t("action.save_status")):
                    _run(merchants.change_status, "flash.status_changed", merchant_id=merchant.id, status=status,
                         reason=reason)
            owner_names = {user.id: user.name for user in owners}
            with st.form("owner_form", border=False):
                owner_id = st.selectbox(t("pipeline.owner"), list(owner_names), format_func=owner_names.get,
                                        index=list(owner_names).index(merchant.owner_id)
                                        if merchant.owner_id in owner_names else None)
                if st.form_submit_button(t("action.save_owner")):
                    _run(merchants.change_owner, "flash.owner_changed", merchant_id=merchant.id, owner_id=owner_id)

_stepper(view)

tab_labels = [f"{stage.index + 1}. {pick(stage.title, language())}" for stage in process.stages]
current = view.derived.current_stage
tabs = st.tabs(tab_labels + [t("merchant.history")], default=tab_labels[min(current, len(tab_labels) - 1)])
for stage, state, tab in zip(process.stages, view.derived.stages, tabs):
    with tab:
        if not state.is_open:
            st.info(t("merchant.stage_locked"), icon=":material/lock:")
            if actor.is_admin and view.derived.stages[stage.index - 1].is_open:
                with st.expander(t("merchant.override_title"), icon=":material/lock_open:"):
                    with st.form(f"override_{stage.index}", border=False):
                        reason = st.text_area(t("merchant.override_reason"), max_chars=checklist.MAX_REASON)
                        if st.form_submit_button(t("action.override"), type="primary"):
                            _run(checklist.override_gate, "flash.overridden", merchant_id=merchant.id,
                                 stage_index=stage.index, reason=reason)
        for override in view.overrides:
            if override.stage_index == stage.index:
                st.warning(t("merchant.override_note", reason=override.reason,
                             when=override.created_at.strftime("%Y-%m-%d")), icon=":material/gavel:")
        for item in view.items:
            if item.stage_index == stage.index:
                _render_item(item, state.is_open)

with tabs[-1]:
    if not view.events:
        st.info(t("merchant.no_history"))
    else:
        item_titles = {item.key: pick(item.title, language()) for item in process.items}
        timeline = pd.DataFrame([
            {
                "when": event.created_at,
                "who": event.actor_name,
                "what": t(f"event.{event.action}"),
                "item": item_titles.get(event.item_key, ""),
                "detail": ", ".join(f"{k}: {v}" for k, v in detail_of(event).items() if v not in (None, "")),
            }
            for event in view.events
        ])
        st.dataframe(timeline, hide_index=True, column_config={
            "when": st.column_config.DatetimeColumn(t("history.when"), format="YYYY-MM-DD HH:mm"),
            "who": t("history.who"), "what": t("history.what"), "item": t("history.item"),
            "detail": t("history.detail"),
        })
