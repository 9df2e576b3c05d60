"""Needs attention: merchants past their stage SLA or idle, most overdue first, with who must act; paged in SQL."""

import pandas as pd
import streamlit as st

from onboarding.core.errors import DomainError
from onboarding.core.i18n import pick
from onboarding.process.definition import default_process
from onboarding.process.merchants import staff_users
from onboarding.reports import exports
from onboarding.reports.attention import WAITING_LABELS, AttentionFilter, needs_attention
from ui.context import db, language, require_actor, show_error, t
from ui.paging import pager
from ui.pickers import merchant_choice
from ui.text import plain, plain_frame
from ui.url_state import UrlParam, restore, store

PER_PAGE = 50

actor = require_actor(staff=True)
process = default_process()
stage_names = {stage.index: f"{stage.index + 1}. {pick(stage.title, language())}" for stage in process.stages}

st.title(t("attention.title"))
st.caption(t("attention.caption"))

with db() as session:
    owners = {user.id: user.name for user in staff_users(session)}
owner_choices = {**owners, None: t("analytics.unassigned")}

PARAMS = (
    UrlParam("attention_owners", "owner", "many", tuple(owner_choices)),
    UrlParam("attention_waiting", "waiting", "many", WAITING_LABELS),
    UrlParam("attention_page", "page", "page"),
)


def _changed() -> None:
    store(PARAMS, reset_page="attention_page")


def _moved() -> None:
    store(PARAMS)


def reason(row: dict) -> str:
    """Why the merchant is listed, in one line."""
    parts = []
    if row["over_sla"]:
        parts.append(
            t("attention.reason_sla", days=row["days_in_stage"], sla=row["sla_days"], over=f"{row['days_over_sla']:g}")
        )
    if row["idle"]:
        parts.append(t("attention.reason_idle", days=row["days_idle"]))
    return "; ".join(parts)


def _table(rows: list[dict]) -> pd.DataFrame:
    """The rows as shown: translated stage, reason and who must act, under translated headers."""
    return pd.DataFrame(
        {
            t("attention.col_merchant"): [row["name"] for row in rows],
            t("attention.col_stage"): [stage_names.get(row["stage"], "") for row in rows],
            t("attention.col_reason"): [reason(row) for row in rows],
            t("attention.col_waiting_on"): [t(f"attention.who_{row['waiting_on']}") for row in rows],
            t("attention.col_days_in_stage"): [row["days_in_stage"] for row in rows],
            t("attention.col_sla"): [row["sla_days"] for row in rows],
            t("attention.col_days_idle"): [row["days_idle"] for row in rows],
            t("attention.col_owner"): [row["owner"] or t("analytics.unassigned") for row in rows],
        }
    )


def _every_matching_row(filters: AttentionFilter) -> pd.DataFrame:
    """Every flagged merchant the filters match (all pages), built only when the download is clicked."""
    with db() as session:
        return _table(needs_attention(session, actor, filters, per_page=None).rows)


@st.fragment
def attention_view() -> None:
    """Filters, figures and one page of merchants; a change here reruns only this part of the page."""
    restore(PARAMS)
    state = st.session_state
    owner_col, who_col = st.columns(2)
    owner_col.multiselect(
        t("attention.owner"),
        list(owner_choices),
        format_func=lambda i: plain(owner_choices[i]),
        key="attention_owners",
        placeholder=t("analytics.all"),
        on_change=_changed,
    )
    who_col.multiselect(
        t("attention.waiting_on"),
        WAITING_LABELS,
        format_func=lambda who: t(f"attention.who_{who}"),
        key="attention_waiting",
        placeholder=t("analytics.all"),
        on_change=_changed,
    )
    filters = AttentionFilter(tuple(state["attention_owners"]), tuple(state["attention_waiting"]))
    try:
        with db() as session:
            result = needs_attention(session, actor, filters, page=state["attention_page"], per_page=PER_PAGE)
    except DomainError as error:
        show_error(error)
        return
    metrics = st.columns(4)
    metrics[0].metric(t("attention.count"), f"{result.flagged:,}", border=True)
    metrics[1].metric(t("attention.over_sla"), f"{result.over_sla:,}", border=True)
    metrics[2].metric(t("attention.waiting_support"), f"{result.waiting_support:,}", border=True)
    metrics[3].metric(t("attention.waiting_merchant"), f"{result.waiting_merchant:,}", border=True)
    if result.flagged == 0:
        st.success(t("attention.none"), icon=":material/task_alt:")
        return
    if not result.rows:
        st.info(t("scale.attention.no_match"), icon=":material/filter_alt_off:")
        return
    view = _table(result.rows)
    selection = st.dataframe(
        plain_frame(view),
        hide_index=True,
        on_select="rerun",
        selection_mode=["single-row", "single-cell"],
        key=f"attention_table_{hash(tuple(row['id'] for row in result.rows))}",
        height=min(35 * len(view) + 38, 640),
        width="stretch",
    )
    picked = [*selection.selection.rows, *(row for row, _column in selection.selection.cells)] if selection else []
    if picked:
        # Opening a merchant reruns only this fragment before the Merchant page opens.
        st.switch_page("pages/merchant.py", query_params={"id": str(result.rows[picked[0]]["id"])})
    st.caption(t("scale.attention.click_hint"))
    pager("attention_page", result.page, result.pages, result.total, PER_PAGE, _moved)
    st.download_button(
        t("scale.attention.download_csv", count=f"{result.total:,}"),
        lambda: exports.table_csv(_every_matching_row(filters)),
        file_name="needs_attention.csv",
        mime="text/csv",
        key="attention_csv",
        on_click="ignore",
        icon=":material/download:",
    )


@st.fragment
def record_export() -> None:
    """Search a merchant (any merchant, not only those listed) and download its full record."""
    st.caption(t("attention.export_help"))
    merchant_id = merchant_choice("attention_export", t("attention.export_choose"))

    def record() -> bytes:
        with db() as session:
            return exports.export_merchant_record(session, actor, int(merchant_id))

    if merchant_id is not None:
        st.download_button(
            t("attention.export_button"),
            record,
            file_name=f"merchant-{merchant_id}-record.xlsx",
            mime=exports.XLSX_MIME,
            key="attention_export",
            on_click="ignore",
            icon=":material/download:",
        )


attention_view()
with st.expander(t("attention.export_title"), icon=":material/inventory_2:"):
    record_export()
