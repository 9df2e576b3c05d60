"""Needs attention: merchants past their stage SLA or idle, most overdue first, with who must act."""

import pandas as pd
import streamlit as st

from onboarding.core.errors import DomainError
from onboarding.core.i18n import pick
from onboarding.process.definition import default_process
from onboarding.reports import exports
from onboarding.reports.attention import WAITING_LABELS, needs_attention
from ui.context import db, language, require_actor, show_error, t
from ui.text import plain, plain_frame

actor = require_actor(staff=True)
process = default_process()
stage_names = {stage.index: f"{stage.index + 1}. {pick(stage.title, language())}" for stage in process.stages}

st.title(t("attention.title"))

try:
    with db() as session:
        rows = needs_attention(session, actor)
except DomainError as error:
    show_error(error)
    st.stop()


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


frame = pd.DataFrame(
    rows,
    columns=[
        "id",
        "name",
        "stage",
        "owner",
        "days_in_stage",
        "sla_days",
        "days_over_sla",
        "days_idle",
        "waiting_on",
        "over_sla",
        "idle",
        "overdue_days",
    ],
)
st.caption(t("attention.caption"))
metrics = st.columns(4)
metrics[0].metric(t("attention.count"), len(frame), border=True)
metrics[1].metric(t("attention.over_sla"), int(frame["over_sla"].sum()), border=True)
metrics[2].metric(t("attention.waiting_support"), int(frame["waiting_on"].isin(["support", "both"]).sum()), border=True)
metrics[3].metric(
    t("attention.waiting_merchant"), int(frame["waiting_on"].isin(["merchant", "both"]).sum()), border=True
)

if frame.empty:
    st.success(t("attention.none"), icon=":material/task_alt:")
    st.stop()

owner_col, who_col = st.columns(2)
owner_names = sorted({name or t("analytics.unassigned") for name in frame["owner"]})
chosen_owners = owner_col.multiselect(
    t("attention.owner"), owner_names, format_func=plain, key="attention_owners", placeholder=t("analytics.all")
)
chosen_waiting = who_col.multiselect(
    t("attention.waiting_on"),
    WAITING_LABELS,
    format_func=lambda who: t(f"attention.who_{who}"),
    key="attention_waiting",
    placeholder=t("analytics.all"),
)
shown = frame.assign(owner=frame["owner"].fillna(t("analytics.unassigned")))
if chosen_owners:
    shown = shown[shown["owner"].isin(chosen_owners)]
if chosen_waiting:
    shown = shown[shown["waiting_on"].isin(chosen_waiting)]
shown = shown.reset_index(drop=True)

view = pd.DataFrame(
    {
        t("attention.col_merchant"): shown["name"],
        t("attention.col_stage"): shown["stage"].map(stage_names),
        t("attention.col_reason"): [reason(row) for row in shown.to_dict("records")],
        t("attention.col_waiting_on"): shown["waiting_on"].map(lambda who: t(f"attention.who_{who}")),
        t("attention.col_days_in_stage"): shown["days_in_stage"],
        t("attention.col_sla"): shown["sla_days"],
        t("attention.col_days_idle"): shown["days_idle"],
        t("attention.col_owner"): shown["owner"],
    }
)
selection = st.dataframe(
    plain_frame(view),
    hide_index=True,
    on_select="rerun",
    selection_mode="single-row",
    key="attention_table",
    height=min(36 * len(view) + 40, 640),
    width="stretch",
)
st.caption(t("attention.click_hint"))
st.download_button(
    t("analytics.download_csv"),
    exports.table_csv(view),
    file_name="needs_attention.csv",
    mime="text/csv",
    key="attention_csv",
    on_click="ignore",
    icon=":material/download:",
)
chosen = selection.selection.rows if selection else []
if chosen:
    st.switch_page("pages/merchant.py", query_params={"id": str(int(shown.iloc[chosen[0]]["id"]))})

with st.expander(t("attention.export_title"), icon=":material/inventory_2:"):
    st.caption(t("attention.export_help"))
    names = dict(zip(shown["id"].astype(int), shown["name"], strict=True))
    merchant_id = st.selectbox(
        t("attention.export_choose"),
        list(names),
        format_func=lambda i: plain(names[i]),
        key="attention_export_merchant",
    )

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
