"""Pipeline: every merchant's stage, progress and owner, filterable; a row opens the merchant."""

import pandas as pd
import streamlit as st

from onboarding.core.i18n import pick
from onboarding.operations import demo
from onboarding.process.definition import default_process
from onboarding.process.merchants import (
    INTEGRATION_MODES,
    MERCHANT_STATUSES,
    SHOP_PLATFORMS,
    PipelineFilter,
    has_merchants,
    pipeline,
    staff_users,
)
from onboarding.reports import exports
from onboarding.reports.attention import flag_pipeline_rows, load_rules
from ui.context import db, flash, language, require_actor, show_flash, t
from ui.text import plain, plain_frame

actor = require_actor(staff=True)
process = default_process()
show_flash()
stage_names = {stage.index: f"{stage.index + 1}. {pick(stage.title, language())}" for stage in process.stages}
stage_names[len(process.stages)] = t("stage.completed")

st.title(t("pipeline.title"))

with db() as session:
    empty = not has_merchants(session)
    owners = staff_users(session)

if empty:
    with st.container(border=True):
        st.subheader(t("pipeline.empty_title"))
        st.write(t("pipeline.empty_body"))
        left, right, _ = st.columns([1, 1, 3])
        if actor.is_staff and left.button(t("pipeline.load_demo"), type="primary", icon=":material/dataset:"):
            with st.spinner(t("pipeline.loading_demo")):
                with db() as session:
                    count = demo.seed(session, actor)
            flash(t("pipeline.demo_loaded", count=count))
            st.rerun()
        right.page_link("pages/new_merchant.py", label=t("nav.new_merchant"), icon=":material/add_business:")
    st.stop()

search_col, stage_col, owner_col, status_col = st.columns([2, 2, 2, 2])
search = search_col.text_input(t("pipeline.search"), placeholder=t("pipeline.search_hint"), key="pipeline_search")
stages = stage_col.multiselect(
    t("pipeline.stage"), list(stage_names), format_func=stage_names.get, key="pipeline_stages", placeholder=t("ux.all")
)
owner_names = {user.id: user.name for user in owners}
owner_ids = owner_col.multiselect(
    t("pipeline.owner"),
    list(owner_names),
    format_func=lambda i: plain(owner_names[i]),
    key="pipeline_owners",
    placeholder=t("ux.all"),
)
statuses = status_col.multiselect(
    t("pipeline.status"),
    MERCHANT_STATUSES,
    format_func=lambda s: t(f"status.{s}"),
    key="pipeline_statuses",
    placeholder=t("ux.all"),
)

flag_col, archived_col = st.columns(2)
flagged_only = flag_col.toggle(
    t("pipeline_flags.only_flagged"), key="pipeline_flagged_only", help=t("pipeline_flags.only_flagged_help")
)
archived_only = archived_col.toggle(
    t("process.archived_only"), key="pipeline_archived_only", help=t("process.archived_only_help")
)

with db() as session:
    rows = pipeline(
        session, actor, PipelineFilter(tuple(stages), tuple(owner_ids), tuple(statuses), search, archived=archived_only)
    )
    rules = load_rules(session)
rows = flag_pipeline_rows(rows, rules)
if flagged_only:
    rows = [row for row in rows if row["over_sla"] or row["idle"]]

frame = pd.DataFrame(
    rows,
    columns=[
        "id",
        "name",
        "stage",
        "progress",
        "owner",
        "status",
        "days_in_stage",
        "last_activity",
        "country",
        "shop_platform",
        "integration_mode",
        "website",
        "over_sla",
        "idle",
    ],
)
metrics = st.columns(4)
metrics[0].metric(t("pipeline.shown"), len(frame))
metrics[1].metric(t("status.active"), int((frame["status"] == "active").sum()))
metrics[2].metric(t("status.launched"), int((frame["status"] == "launched").sum()))
metrics[3].metric(t("status.on_hold"), int((frame["status"] == "on_hold").sum()))

if frame.empty:
    st.info(t("pipeline.no_match"), icon=":material/filter_alt_off:")
    st.stop()

FLAG_TEXT = {
    (late, quiet): " · ".join(t(f"pipeline_flags.{flag}") for flag, on in (("over_sla", late), ("idle", quiet)) if on)
    for late in (False, True)
    for quiet in (False, True)
}
view = frame.assign(
    stage=frame["stage"].map(stage_names),
    # Translate each distinct value once, not once per row.
    status=frame["status"].map({s: t(f"status.{s}") for s in MERCHANT_STATUSES}),
    owner=frame["owner"].fillna("—"),
    integration_mode=frame["integration_mode"].map({m: t(f"mode.{m}") for m in INTEGRATION_MODES}),
    shop_platform=frame["shop_platform"].map({p: t(f"platform.{p}") for p in SHOP_PLATFORMS}),
    last_activity=pd.to_datetime(frame["last_activity"], utc=True),
    progress=(frame["progress"] * 100).round(),
    flags=[FLAG_TEXT[(row["over_sla"], row["idle"])] for row in rows],
)
COLUMNS = [
    "name",
    "stage",
    "flags",
    "progress",
    "owner",
    "status",
    "days_in_stage",
    "last_activity",
    "country",
    "shop_platform",
    "integration_mode",
]
selection = st.dataframe(
    plain_frame(view),
    hide_index=True,
    on_select="rerun",
    selection_mode="single-row",
    key="pipeline_table",
    height=min(36 * len(view) + 40, 640),
    column_order=COLUMNS,
    column_config={
        "name": st.column_config.TextColumn(t("pipeline.col_name"), pinned=True),
        "stage": st.column_config.TextColumn(t("pipeline.col_stage")),
        "flags": st.column_config.TextColumn(t("pipeline_flags.col_flags"), help=t("pipeline_flags.col_flags_help")),
        "progress": st.column_config.ProgressColumn(
            t("pipeline.col_progress"), format="%d%%", min_value=0, max_value=100
        ),
        "owner": st.column_config.TextColumn(t("pipeline.col_owner")),
        "status": st.column_config.TextColumn(t("pipeline.col_status")),
        "days_in_stage": st.column_config.NumberColumn(t("pipeline.col_days"), format=f"%d {t('ux.days_unit')}"),
        # a date, not "3 hours ago": Streamlit words relative times in English only
        "last_activity": st.column_config.DatetimeColumn(t("pipeline.col_last_activity"), format="YYYY-MM-DD HH:mm"),
        "country": st.column_config.TextColumn(t("pipeline.col_country")),
        "shop_platform": st.column_config.TextColumn(t("pipeline.col_platform")),
        "integration_mode": st.column_config.TextColumn(t("pipeline.col_mode")),
    },
)
st.caption(t("pipeline.click_hint"))


def shown_table():
    """Exactly the rows and columns the table shows, with the shown headers (and the merchant id)."""
    headers = {
        "id": "ID",
        "name": t("pipeline.col_name"),
        "stage": t("pipeline.col_stage"),
        "flags": t("pipeline_flags.col_flags"),
        "progress": t("pipeline.col_progress"),
        "owner": t("pipeline.col_owner"),
        "status": t("pipeline.col_status"),
        "days_in_stage": t("pipeline.col_days"),
        "last_activity": t("pipeline.col_last_activity"),
        "country": t("pipeline.col_country"),
        "shop_platform": t("pipeline.col_platform"),
        "integration_mode": t("pipeline.col_mode"),
    }
    return view[["id", *COLUMNS]].rename(columns=headers)


# The files are built only when clicked, so a large pipeline renders as fast as a small one.
csv_col, xlsx_col, _ = st.columns([1, 1, 4])
csv_col.download_button(
    t("pipeline_flags.download_csv"),
    lambda: exports.table_csv(shown_table()),
    file_name="onboarding-pipeline.csv",
    mime="text/csv",
    key="pipeline_csv",
    on_click="ignore",
    icon=":material/download:",
)
xlsx_col.download_button(
    t("pipeline_flags.download_xlsx"),
    lambda: exports.table_xlsx(shown_table()),
    file_name="onboarding-pipeline.xlsx",
    mime=exports.XLSX_MIME,
    key="pipeline_xlsx",
    on_click="ignore",
    icon=":material/table_view:",
)
chosen = selection.selection.rows if selection else []
if chosen:
    st.switch_page("pages/merchant.py", query_params={"id": str(int(frame.iloc[chosen[0]]["id"]))})
