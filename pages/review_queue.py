"""Review queue: submitted items grouped by merchant, oldest first, filtered and paged; approve, reject, in bulk."""

import streamlit as st

from onboarding.core import clock
from onboarding.core.errors import DomainError
from onboarding.core.i18n import pick
from onboarding.process import checklist
from onboarding.process.definition import default_process
from onboarding.review import queue
from ui.checklist import show_submission
from ui.context import db, flash, language, require_actor, show_error, show_flash, t
from ui.paging import pager
from ui.text import inert
from ui.url_state import UrlParam, restore, store

actor = require_actor(staff=True)
process = default_process()
show_flash()
stage_names = {stage.index: f"{stage.index + 1}. {pick(stage.title, language())}" for stage in process.stages}
stage_names[len(process.stages)] = t("stage.completed")
item_titles = {key: pick(process.item(key).title, language()) for key in queue.reviewable_items()}

st.title(t("review.title"))

PARAMS = (
    UrlParam("queue_mine", "mine", "flag"),
    UrlParam("queue_merchant", "merchant", "text"),
    UrlParam("queue_items", "item", "many", tuple(item_titles)),
    UrlParam("queue_age", "age", "one", queue.AGES, 0),
    UrlParam("queue_page", "page", "page"),
)


def _changed() -> None:
    """A filter changed: back to page 1, and the new view into the URL (a history entry)."""
    store(PARAMS, reset_page="queue_page")


def _moved() -> None:
    store(PARAMS)


def _filters() -> queue.QueueFilter:
    state = st.session_state
    return queue.QueueFilter(
        mine=state["queue_mine"],
        merchant=state["queue_merchant"],
        item_keys=tuple(state["queue_items"]),
        min_days=state["queue_age"],
    )


def _filter_bar() -> None:
    mine_col, merchant_col, item_col, age_col = st.columns([1.3, 2, 2, 1.4], vertical_alignment="bottom")
    mine_col.toggle(t("scale.queue.mine"), key="queue_mine", on_change=_changed, help=t("scale.queue.mine_help"))
    merchant_col.text_input(
        t("scale.queue.merchant"),
        key="queue_merchant",
        on_change=_changed,
        max_chars=200,
        placeholder=t("scale.queue.merchant_hint"),
        icon=":material/search:",
    )
    item_col.multiselect(
        t("scale.queue.item"),
        list(item_titles),
        format_func=item_titles.get,
        key="queue_items",
        on_change=_changed,
        placeholder=t("analytics.all"),
    )
    age_col.selectbox(
        t("scale.queue.age"),
        queue.AGES,
        format_func=lambda days: t("scale.queue.age_any") if days == 0 else t("scale.queue.age_days", days=days),
        key="queue_age",
        on_change=_changed,
    )


def _decide(action, merchant_id: int, success_key: str, **kwargs) -> None:
    """Approve from a card (a callback); only that merchant's card is drawn again."""
    try:
        with db() as session:
            action(session, actor, **kwargs)
    except DomainError as error:
        st.session_state[f"queue_error_{merchant_id}"] = error
    else:
        st.toast(t(success_key), icon=":material/check_circle:")
    st.session_state[f"queue_stale_{merchant_id}"] = True


def _pick_key(entry) -> str:
    return f"queue_pick_{entry.item_id}_{entry.version}"


def _card(entry, now) -> None:
    """One submitted item: what it is, how long it waits, its evidence, and approve / reject."""
    definition = process.item(entry.item_key)
    waited = (now - entry.submitted_at).days if entry.submitted_at else 0
    key = f"{entry.item_id}_{entry.version}"
    with st.container(border=True, key=f"review_item_{entry.item_id}"):
        pick_col, info, preview, actions = st.columns([0.3, 2, 2, 1.2])
        pick_col.checkbox(
            t("scale.queue.select_item", item=item_titles[entry.item_key]),
            key=_pick_key(entry),
            label_visibility="collapsed",
        )
        with info:
            st.markdown(f"**{item_titles[entry.item_key]}** :gray-badge[{t(f'evidence.{definition.evidence}')}]")
            st.caption(t("review.waiting", days=waited))
            if entry.submission:
                st.caption(t("review.by", who=inert(entry.submission.created_by_name), version=entry.submission.number))
        with preview:
            if entry.submission:
                show_submission(entry.submission, actor, thumbnail=260)
        with actions:
            st.button(
                t("action.approve"),
                key=f"approve_{key}",
                type="primary",
                icon=":material/check:",
                width="stretch",
                on_click=_decide,
                args=(checklist.approve, entry.merchant_id, "flash.approved"),
                kwargs={"item_id": entry.item_id, "expected_version": entry.version},
            )
            st.button(
                t("scale.queue.reject"),
                key=f"reject_{key}",
                icon=":material/close:",
                width="stretch",
                on_click=_ask_reason,
                args=(entry,),
            )


def _ask_reason(entry) -> None:
    st.session_state["queue_reject"] = entry


def _forget_reason() -> None:
    st.session_state.pop("queue_reject", None)


@st.dialog(t("scale.queue.reject_dialog"), on_dismiss=_forget_reason)
def reject_dialog(entry) -> None:
    """One form for the reason, opened for the card whose Reject was clicked (not one hidden form per card)."""
    st.markdown(f"**{inert(entry.merchant_name)} · {item_titles[entry.item_key]}**")
    with st.form("queue_reject_form", border=False):
        reason = st.text_area(t("merchant.reason"), max_chars=checklist.MAX_REASON)
        sent = st.form_submit_button(t("action.reject"), type="primary")
    if sent:
        try:
            with db() as session:
                checklist.reject(session, actor, entry.item_id, entry.version, reason)
        except DomainError as error:
            show_error(error)
            return
        _forget_reason()
        flash(t("flash.rejected"))
        st.rerun()


@st.fragment
def merchant_group(group: queue.MerchantGroup, filters: queue.QueueFilter) -> None:
    """A merchant's waiting items; approving or rejecting one redraws only this card."""
    entries = group.entries
    if st.session_state.pop(f"queue_stale_{group.merchant_id}", False):
        with db() as session:
            entries = queue.merchant_entries(session, actor, group.merchant_id, filters)
    with st.container(border=True, key=f"group_{group.merchant_id}"):
        head, side = st.columns([3, 2], vertical_alignment="center")
        with head:
            st.page_link(
                "pages/merchant.py",
                label=inert(group.merchant_name),
                icon=":material/storefront:",
                query_params={"id": str(group.merchant_id)},
            )
        side.caption(
            " · ".join(
                [
                    t("scale.queue.items_waiting", count=len(entries)),
                    stage_names.get(group.stage, ""),
                    t(
                        "scale.queue.owner",
                        owner=inert(group.owner_name) if group.owner_name else t("analytics.unassigned"),
                    ),
                ]
            ),
            text_alignment="right",
        )
        error = st.session_state.pop(f"queue_error_{group.merchant_id}", None)
        if error is not None:
            show_error(error)
        if not entries:
            st.success(t("scale.queue.group_done"), icon=":material/task_alt:")
        now = clock.now()
        for entry in entries:
            _card(entry, now)
    asked = st.session_state.get("queue_reject")
    if asked is not None and asked.merchant_id == group.merchant_id:
        reject_dialog(asked)


def _forget_confirmation() -> None:
    st.session_state.pop("queue_confirm", None)


@st.dialog(t("scale.queue.confirm_dialog"), width="large", on_dismiss=_forget_confirmation)
def confirm_bulk(chosen: list) -> None:
    """Say exactly what will be approved, then do it (the list stays open until approved, cancelled or closed)."""
    st.markdown(f"**{t('scale.queue.confirm_title', count=len(chosen))}**")
    st.caption(t("scale.queue.confirm_help"))
    for entry in chosen:
        st.markdown(f"- {inert(entry.merchant_name)} · {item_titles[entry.item_key]}")
    go, cancel, _ = st.columns([1.4, 1, 2])
    if go.button(t("scale.queue.confirm_button", count=len(chosen)), type="primary", icon=":material/done_all:"):
        _forget_confirmation()
        with db() as session:
            outcome = queue.approve_many(session, actor, [(entry.item_id, entry.version) for entry in chosen])
        for entry in chosen:
            st.session_state.pop(_pick_key(entry), None)
        message = t("scale.queue.bulk_done", count=outcome.approved)
        if outcome.refused:
            message += " " + t("scale.queue.bulk_refused", count=len(outcome.refused))
        flash(message)
        st.rerun()
    if cancel.button(t("scale.queue.cancel")):
        _forget_confirmation()
        st.rerun()


@st.fragment
def queue_view() -> None:
    """Filters, the bulk bar and one page of merchants; a change here reruns only this part of the page."""
    restore(PARAMS)
    _filter_bar()
    filters = _filters()
    try:
        with db() as session:
            result = queue.waiting_page(session, actor, filters, page=st.session_state["queue_page"])
    except DomainError as error:
        show_error(error)
        return
    if result.items == 0:
        filtered = filters != queue.QueueFilter()
        if filtered:
            st.info(t("scale.queue.no_match"), icon=":material/filter_alt_off:")
        else:
            st.success(t("review.empty"), icon=":material/inbox:")
        return
    st.caption(t("scale.queue.count", items=f"{result.items:,}", merchants=f"{result.merchants:,}"))
    shown = [entry for group in result.groups for entry in group.entries]
    bulk_col, all_col, _ = st.columns([1.4, 1.4, 3], vertical_alignment="center")
    if all_col.button(t("scale.queue.select_page"), icon=":material/select_all:", key="queue_select_page"):
        for entry in shown:
            st.session_state[_pick_key(entry)] = True
    chosen = [entry for entry in shown if st.session_state.get(_pick_key(entry))]
    if bulk_col.button(
        t("scale.queue.approve_selected"),
        type="primary",
        icon=":material/done_all:",
        key="queue_bulk",
        help=t("scale.queue.approve_selected_help"),
    ):
        if chosen:
            st.session_state["queue_confirm"] = chosen
        else:
            st.warning(t("scale.queue.nothing_selected"), icon=":material/check_box_outline_blank:")
    if st.session_state.get("queue_confirm"):
        confirm_bulk(st.session_state["queue_confirm"])
    for group in result.groups:
        merchant_group(group, filters)
    pager("queue_page", result.page, result.pages, result.merchants, result.per_page, _moved)


queue_view()
