"""Pipeline: every merchant's stage, progress and owner, paged and filtered in the database; a table or a board."""

import pandas as pd
import streamlit as st

from onboarding.core.errors import DomainError
from onboarding.core.i18n import pick
from onboarding.operations import demo
from onboarding.process import bulk
from onboarding.process.definition import default_process
from onboarding.process.merchants import (
    CHOSEN_STATUSES,
    DEFAULT_PER_PAGE,
    INTEGRATION_MODES,
    MERCHANT_STATUSES,
    PIPELINE_SORTS,
    SHOP_PLATFORMS,
    PipelineFilter,
    board,
    has_merchants,
    pipeline,
    staff_users,
)
from onboarding.reports import exports
from ui.context import db, flash, language, require_actor, show_error, show_flash, t
from ui.paging import pager
from ui.text import inert, plain, plain_frame
from ui.url_state import UrlParam, restore, store

actor = require_actor(staff=True)
process = default_process()
show_flash()
stage_names = {stage.index: f"{stage.index + 1}. {pick(stage.title, language())}" for stage in process.stages}
stage_names[len(process.stages)] = t("stage.completed")

st.title(t("pipeline.title"))

with db() as session:
    empty = not has_merchants(session)
    owners = {user.id: user.name for user in staff_users(session)}

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

# Every filter lives in the URL: a view can be shared, and Back brings it back.
PARAMS = (
    UrlParam("pipeline_view", "view", "one", ("table", "board"), "table"),
    UrlParam("pipeline_search", "q", "text"),
    UrlParam("pipeline_stages", "stage", "many", tuple(stage_names)),
    UrlParam("pipeline_owners", "owner", "many", tuple(owners)),
    UrlParam("pipeline_statuses", "status", "many", MERCHANT_STATUSES),
    UrlParam("pipeline_flagged_only", "flagged", "flag"),
    UrlParam("pipeline_archived_only", "archived", "flag"),
    UrlParam("pipeline_sort", "sort", "one", PIPELINE_SORTS, "last_activity"),
    UrlParam("pipeline_ascending", "asc", "flag"),
    UrlParam("pipeline_page", "page", "page"),
)
SORT_LABELS = {
    "last_activity": t("pipeline.col_last_activity"),
    "name": t("pipeline.col_name"),
    "stage": t("pipeline.col_stage"),
    "progress": t("pipeline.col_progress"),
    "days_in_stage": t("pipeline.col_days"),
    "status": t("pipeline.col_status"),
    "created": t("scale.pipeline.sort_created"),
}
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


def _changed() -> None:
    """A filter changed: back to page 1, and the new view into the URL (a history entry)."""
    store(PARAMS, reset_page="pipeline_page")


def _moved() -> None:
    store(PARAMS)


def _filters() -> PipelineFilter:
    state = st.session_state
    return PipelineFilter(
        stages=tuple(state["pipeline_stages"]),
        owner_ids=tuple(state["pipeline_owners"]),
        statuses=tuple(state["pipeline_statuses"]),
        search=state["pipeline_search"],
        flagged_only=state["pipeline_flagged_only"],
        archived=state["pipeline_archived_only"],
    )


def _filter_bar() -> None:
    search_col, stage_col, owner_col, status_col = st.columns([2, 2, 2, 2])
    search_col.text_input(
        t("pipeline.search"),
        placeholder=t("pipeline.search_hint"),
        key="pipeline_search",
        on_change=_changed,
        max_chars=200,
        icon=":material/search:",
    )
    stage_col.multiselect(
        t("pipeline.stage"),
        list(stage_names),
        format_func=stage_names.get,
        key="pipeline_stages",
        on_change=_changed,
        placeholder=t("analytics.all"),
    )
    owner_col.multiselect(
        t("pipeline.owner"),
        list(owners),
        format_func=lambda i: plain(owners[i]),
        key="pipeline_owners",
        on_change=_changed,
        placeholder=t("analytics.all"),
    )
    status_col.multiselect(
        t("pipeline.status"),
        MERCHANT_STATUSES,
        format_func=lambda s: t(f"status.{s}"),
        key="pipeline_statuses",
        on_change=_changed,
        placeholder=t("analytics.all"),
    )


def _flag_text(row: dict) -> str:
    return " · ".join(t(f"pipeline_flags.{flag}") for flag in ("over_sla", "idle") if row[flag])


def _view(rows: list[dict]) -> pd.DataFrame:
    """The rows as the table shows them: translated values, progress in percent."""
    frame = pd.DataFrame(rows, columns=["id", *COLUMNS[:2], *COLUMNS[3:], "over_sla", "idle"])
    return frame.assign(
        stage=frame["stage"].map(stage_names),
        # Translate each distinct value once, not once per row.
        status=frame["status"].map({s: t(f"status.{s}") for s in MERCHANT_STATUSES}),
        owner=frame["owner"].fillna("—"),
        integration_mode=frame["integration_mode"].map({m: t(f"mode.{m}") for m in INTEGRATION_MODES}),
        shop_platform=frame["shop_platform"].map({p: t(f"platform.{p}") for p in SHOP_PLATFORMS}),
        last_activity=pd.to_datetime(frame["last_activity"], utc=True),
        progress=(frame["progress"] * 100).round(),
        flags=[_flag_text(row) for row in rows],
    )


def _headers() -> dict[str, str]:
    return {
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


def _every_matching_row(filters: PipelineFilter, sort: str, descending: bool) -> pd.DataFrame:
    """Every merchant the filters match (all pages), with the shown headers; built only when a download is clicked."""
    with db() as session:
        rows = pipeline(session, actor, filters, per_page=None, sort=sort, descending=descending).rows
    return _view(rows)[["id", *COLUMNS]].rename(columns=_headers())


def _bulk_apply(action, ids: list[int], value_key: str, reason_key: str, success: str) -> None:
    """Run a bulk change from its form (a callback, so the selection can be cleared before the table is drawn)."""
    try:
        with db() as session:
            changed = action(session, actor, ids, st.session_state[value_key], st.session_state[reason_key])
    except DomainError as error:
        st.session_state["pipeline_bulk_error"] = error
        return
    st.session_state["pipeline_generation"] = st.session_state.get("pipeline_generation", 0) + 1
    st.toast(t(success, count=changed), icon=":material/check_circle:")


def _bulk_bar(ids: list[int]) -> None:
    """What can be done with the selected rows: change their owner or status, each with a reason."""
    with st.container(border=True, key="pipeline_bulk"):
        st.markdown(f"**{t('scale.bulk.selected', count=len(ids))}**")
        error = st.session_state.pop("pipeline_bulk_error", None)
        if error is not None:
            show_error(error)
        owner_col, status_col, _ = st.columns([1, 1, 2])
        with owner_col.popover(t("scale.bulk.change_owner"), icon=":material/person:", width="stretch"):
            with st.form("pipeline_bulk_owner", border=False):
                choices = [None, *owners]
                st.selectbox(
                    t("pipeline.owner"),
                    choices,
                    format_func=lambda owner_id: plain(owners.get(owner_id, t("analytics.unassigned"))),
                    key="pipeline_bulk_owner_value",
                )
                st.text_input(t("scale.bulk.reason"), key="pipeline_bulk_owner_reason", max_chars=2000)
                st.form_submit_button(
                    t("scale.bulk.apply", count=len(ids)),
                    type="primary",
                    on_click=_bulk_apply,
                    args=(
                        bulk.change_owners,
                        ids,
                        "pipeline_bulk_owner_value",
                        "pipeline_bulk_owner_reason",
                        "scale.bulk.owners_changed",
                    ),
                )
        with status_col.popover(t("scale.bulk.change_status"), icon=":material/flag:", width="stretch"):
            with st.form("pipeline_bulk_status", border=False):
                st.selectbox(
                    t("pipeline.status"),
                    CHOSEN_STATUSES,
                    format_func=lambda s: t(f"status.{s}"),
                    key="pipeline_bulk_status_value",
                )
                st.text_input(t("scale.bulk.reason"), key="pipeline_bulk_status_reason", max_chars=2000)
                st.form_submit_button(
                    t("scale.bulk.apply", count=len(ids)),
                    type="primary",
                    on_click=_bulk_apply,
                    args=(
                        bulk.change_statuses,
                        ids,
                        "pipeline_bulk_status_value",
                        "pipeline_bulk_status_reason",
                        "scale.bulk.statuses_changed",
                    ),
                )


def _table(filters: PipelineFilter) -> None:
    state = st.session_state
    sort, descending = state["pipeline_sort"], not state["pipeline_ascending"]
    with db() as session:
        result = pipeline(session, actor, filters, page=state["pipeline_page"], sort=sort, descending=descending)
    _metrics(result.total, result.by_status)
    if not result.rows:
        st.info(t("pipeline.no_match"), icon=":material/filter_alt_off:")
        return
    view = _view(result.rows)
    # A new key whenever the rows change, so a selection never carries over to other merchants.
    key = f"pipeline_table_{state.get('pipeline_generation', 0)}_{hash(tuple(view['id']))}"
    selection = st.dataframe(
        plain_frame(view),
        hide_index=True,
        on_select="rerun",
        selection_mode=["multi-row", "single-cell"],
        key=key,
        height=min(35 * len(view) + 38, 640),
        column_order=COLUMNS,
        column_config={
            "name": st.column_config.TextColumn(t("pipeline.col_name"), pinned=True),
            "stage": st.column_config.TextColumn(t("pipeline.col_stage")),
            "flags": st.column_config.TextColumn(
                t("pipeline_flags.col_flags"), help=t("pipeline_flags.col_flags_help")
            ),
            "progress": st.column_config.ProgressColumn(
                t("pipeline.col_progress"), format="%d%%", min_value=0, max_value=100
            ),
            "owner": st.column_config.TextColumn(t("pipeline.col_owner")),
            "status": st.column_config.TextColumn(t("pipeline.col_status")),
            "days_in_stage": st.column_config.NumberColumn(t("pipeline.col_days"), format=f"%d {t('ux.days_unit')}"),
            # a date, not "3 hours ago": Streamlit words relative times in English only
            "last_activity": st.column_config.DatetimeColumn(
                t("pipeline.col_last_activity"), format="YYYY-MM-DD HH:mm"
            ),
            "country": st.column_config.TextColumn(t("pipeline.col_country")),
            "shop_platform": st.column_config.TextColumn(t("pipeline.col_platform")),
            "integration_mode": st.column_config.TextColumn(t("pipeline.col_mode")),
        },
    )
    cells = selection.selection.cells if selection else []
    if cells:
        # Clicking a merchant opens it: only this fragment ran, not the whole page.
        st.switch_page("pages/merchant.py", query_params={"id": str(int(view.iloc[cells[0][0]]["id"]))})
    st.caption(t("scale.pipeline.click_hint"))
    pager("pipeline_page", result.page, result.pages, result.total, DEFAULT_PER_PAGE, _moved)
    chosen = selection.selection.rows if selection else []
    if chosen:
        _bulk_bar([int(view.iloc[index]["id"]) for index in chosen])
    csv_col, xlsx_col, _ = st.columns([1, 1, 3])
    csv_col.download_button(
        t("scale.pipeline.download_csv", count=f"{result.total:,}"),
        lambda: exports.table_csv(_every_matching_row(filters, sort, descending)),
        file_name="onboarding-pipeline.csv",
        mime="text/csv",
        key="pipeline_csv",
        on_click="ignore",
        icon=":material/download:",
    )
    xlsx_col.download_button(
        t("scale.pipeline.download_xlsx", count=f"{result.total:,}"),
        lambda: exports.table_xlsx(_every_matching_row(filters, sort, descending)),
        file_name="onboarding-pipeline.xlsx",
        mime=exports.XLSX_MIME,
        key="pipeline_xlsx",
        on_click="ignore",
        icon=":material/table_view:",
    )


def _metrics(total: int, by_status: dict[str, int]) -> None:
    metrics = st.columns(4)
    metrics[0].metric(t("scale.pipeline.matching"), f"{total:,}")
    for column, status in zip(metrics[1:], ("active", "launched", "on_hold"), strict=True):
        column.metric(t(f"status.{status}"), f"{by_status.get(status, 0):,}")


def _show_stage(stage: int) -> None:
    """The board's "more" link: the table, narrowed to that stage."""
    st.session_state["pipeline_view"] = "table"
    st.session_state["pipeline_stages"] = [stage]
    store(PARAMS, reset_page="pipeline_page")


def _board(filters: PipelineFilter) -> None:
    with db() as session:
        columns = board(session, actor, filters)
    total = sum(column.total for column in columns)
    st.caption(t("scale.board.caption", total=f"{total:,}"))
    if total == 0:
        st.info(t("pipeline.no_match"), icon=":material/filter_alt_off:")
        return
    # Card titles wrap instead of being cut short in narrow columns.
    st.html(
        "<style>[class*='st-key-card_'] [data-testid='stPageLink-NavLink'] p"
        "{white-space:normal;overflow:visible;text-overflow:clip;font-weight:600}</style>"
    )
    for column, place in zip(columns, st.columns(len(columns)), strict=True):
        with place:
            st.markdown(f"**{stage_names[column.stage]}**")
            st.caption(t("scale.board.in_stage", count=f"{column.total:,}"))
            for card in column.cards:
                with st.container(border=True, key=f"card_{card['id']}"):
                    st.page_link(
                        "pages/merchant.py",
                        label=inert(card["name"]),
                        query_params={"id": str(card["id"])},
                        width="stretch",
                    )
                    days = t("scale.board.days", days=card["days_in_stage"])
                    st.caption(f"{inert(card['owner']) if card['owner'] else t('analytics.unassigned')} · {days}")
                    badges = []
                    if card["over_sla"]:
                        badges.append(f":red-badge[:material/timer_off: {t('pipeline_flags.over_sla')}]")
                    if card["idle"]:
                        badges.append(f":orange-badge[{t('pipeline_flags.idle')}]")
                    if card["status"] not in ("active", "launched"):
                        badges.append(f":gray-badge[{t('status.' + card['status'])}]")
                    if badges:
                        st.markdown(" ".join(badges))
            if column.total > len(column.cards):
                st.button(
                    t("scale.board.more", count=f"{column.total - len(column.cards):,}"),
                    key=f"board_more_{column.stage}",
                    on_click=_show_stage,
                    args=(column.stage,),
                    type="tertiary",
                )


@st.fragment
def pipeline_view() -> None:
    """Filters and the table or board; a change here reruns only this part of the page."""
    restore(PARAMS)
    table = st.session_state["pipeline_view"] == "table"
    widths = [1.3, 1.7, 1, 2.2] if table else [1.3, 2.2]
    view_col, *sort_cols, flag_col = st.columns(widths, vertical_alignment="bottom")
    view_col.segmented_control(
        t("scale.pipeline.view"),
        ("table", "board"),
        format_func=lambda view: t(f"scale.pipeline.view_{view}"),
        key="pipeline_view",
        on_change=_changed,
        required=True,
    )
    if table:
        sort_col, order_col = sort_cols
        sort_col.selectbox(
            t("scale.pipeline.sort"),
            PIPELINE_SORTS,
            format_func=SORT_LABELS.get,
            key="pipeline_sort",
            on_change=_changed,
        )
        order_col.toggle(t("scale.pipeline.ascending"), key="pipeline_ascending", on_change=_changed)
    flag_col.toggle(
        t("pipeline_flags.only_flagged"),
        key="pipeline_flagged_only",
        help=t("pipeline_flags.only_flagged_help"),
        on_change=_changed,
    )
    flag_col.toggle(
        t("process.archived_only"),
        key="pipeline_archived_only",
        help=t("process.archived_only_help"),
        on_change=_changed,
    )
    _filter_bar()
    filters = _filters()
    if st.session_state["pipeline_view"] == "board":
        _board(filters)
    else:
        _table(filters)


pipeline_view()
