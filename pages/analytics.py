"""Analytics: headline figures and charts of where onboarding gets stuck; each chart has its table and CSV."""

import altair as alt
import pandas as pd
import streamlit as st

from onboarding.core.errors import DomainError
from onboarding.core.i18n import pick
from onboarding.process.definition import default_process
from onboarding.process.merchants import INTEGRATION_MODES, MERCHANT_STATUSES, SHOP_PLATFORMS, staff_users
from onboarding.reports import analytics, exports
from ui.context import db, language, require_actor, show_error, t
from ui.text import plain, plain_frame

actor = require_actor(staff=True)
process = default_process()
stage_names = {stage.index: f"{stage.index + 1}. {pick(stage.title, language())}" for stage in process.stages}
stage_names[len(process.stages)] = t("stage.completed")
stage_order = list(stage_names.values())

st.title(t("analytics.title"))
st.caption(t("analytics.caption"))

with db() as session:
    owners = {user.id: user.name for user in staff_users(session)}


def _days(value) -> str:
    return "—" if value is None else t("analytics.days_value", days=f"{value:g}")


@st.fragment
def section(key: str, frame: pd.DataFrame, chart: alt.Chart) -> None:
    """A chart, or its table one click away, and a CSV of exactly that table.

    Only the one shown is sent to the browser (tabs would draw every table hidden), and switching reruns only
    this section.
    """
    with st.container(border=True, height="stretch"):
        heading, switch = st.columns([3, 2], vertical_alignment="bottom")
        heading.subheader(t(f"analytics.{key}_title"))
        view = switch.segmented_control(
            t("analytics.view"),
            ("chart", "table"),
            default="chart",
            required=True,
            format_func=lambda name: t(f"analytics.tab_{name}"),
            key=f"analytics_view_{key}",
            label_visibility="collapsed",
            width="content",
        )
        st.caption(t(f"analytics.{key}_help"))
        if view == "table":
            st.dataframe(plain_frame(frame), hide_index=True, width="stretch")
        elif frame.empty:
            st.info(t("analytics.no_data"), icon=":material/bar_chart:")
        else:
            # Validating the spec on every run costs more than drawing it; the tests validate every chart.
            st.vega_lite_chart(chart.to_dict(validate=False), width="stretch")
        st.download_button(
            t("analytics.download_csv"),
            lambda: exports.table_csv(frame),  # built when clicked
            file_name=f"{key}.csv",
            mime="text/csv",
            key=f"analytics_csv_{key}",
            on_click="ignore",
            icon=":material/download:",
        )


LABELS = alt.Axis(labelLimit=240)  # stage and item names are long; never cut them short
COUNTS = alt.Axis(tickMinStep=1, format="d")  # merchants come whole


def tooltip(frame: pd.DataFrame, kinds: dict[str, str] | None = None) -> list[alt.Tooltip]:
    kinds = kinds or {}
    return [
        alt.Tooltip(
            field=column,
            type=kinds.get(column, "quantitative" if pd.api.types.is_numeric_dtype(frame[column]) else "nominal"),
        )
        for column in frame.columns
    ]


@st.fragment
def analytics_view() -> None:
    """Filters, figures and charts; a filter change reruns only this part of the page."""
    ALL = t("analytics.all")  # an empty choice means no narrowing
    dates_col, owner_col, platform_col, mode_col, status_col = st.columns([1.4, 1, 1, 1, 1])
    dates = dates_col.date_input(
        t("analytics.date_range"),
        value=(),
        format="YYYY-MM-DD",
        key="analytics_dates",
        help=t("analytics.date_range_help"),
    )
    owner_ids = owner_col.multiselect(
        t("analytics.owner"),
        list(owners),
        format_func=lambda i: plain(owners[i]),
        key="analytics_owners",
        placeholder=ALL,
    )
    platforms = platform_col.multiselect(
        t("analytics.platform"),
        SHOP_PLATFORMS,
        format_func=lambda p: t(f"platform.{p}"),
        key="analytics_platforms",
        placeholder=ALL,
    )
    modes = mode_col.multiselect(
        t("analytics.mode"),
        INTEGRATION_MODES,
        format_func=lambda m: t(f"mode.{m}"),
        key="analytics_modes",
        placeholder=ALL,
    )
    statuses = status_col.multiselect(
        t("analytics.status"),
        MERCHANT_STATUSES,
        format_func=lambda s: t(f"status.{s}"),
        key="analytics_statuses",
        placeholder=ALL,
    )
    dates = tuple(dates) if isinstance(dates, (tuple, list)) else (dates,)
    filters = analytics.AnalyticsFilter(
        start=dates[0] if dates else None,
        end=dates[1] if len(dates) > 1 else None,
        owner_ids=tuple(owner_ids),
        shop_platforms=tuple(platforms),
        integration_modes=tuple(modes),
        statuses=tuple(statuses),
    )

    try:
        with db() as session:
            report = analytics.report(session, actor, filters)
    except DomainError as error:
        show_error(error)
        return

    kpis = report.kpis
    first, second = st.columns(3), st.columns(3)
    first[0].metric(t("analytics.kpi_active"), kpis["active"], border=True, height="stretch")
    first[1].metric(
        t("analytics.kpi_launched_this_month"),
        kpis["launched_this_month"],
        delta=kpis["launched_this_month"] - kpis["launched_last_month"],
        border=True,
        height="stretch",
        help=t("analytics.kpi_launched_help"),
    )
    first[2].metric(t("analytics.kpi_launched_last_month"), kpis["launched_last_month"], border=True, height="stretch")
    second[0].metric(
        t("analytics.kpi_days_to_live"),
        _days(kpis["median_days_to_live"]),
        border=True,
        height="stretch",
        delta=t("analytics.kpi_p90", days=_days(kpis["p90_days_to_live"])),
        delta_color="off",
        delta_arrow="off",
        help=t("analytics.kpi_days_to_live_help"),
    )
    second[1].metric(
        t("analytics.kpi_over_sla"),
        kpis["over_sla"],
        border=True,
        height="stretch",
        help=t("analytics.kpi_over_sla_help"),
    )
    second[2].metric(
        t("analytics.kpi_idle", days=kpis["idle_days"]),
        kpis["idle"],
        border=True,
        height="stretch",
        help=t("analytics.kpi_idle_help", days=kpis["idle_days"]),
    )

    if kpis["merchants"] == 0:
        st.info(t("analytics.no_match"), icon=":material/filter_alt_off:")
        return

    STAGE, REACHED, NOW = t("analytics.col_stage"), t("analytics.col_reached"), t("analytics.col_current")
    funnel = pd.DataFrame(
        [{STAGE: stage_names[row["stage"]], REACHED: row["reached"], NOW: row["current"]} for row in report.funnel]
    )
    funnel_chart = (
        alt.Chart(funnel)
        .mark_bar(color="#3b6fd8")
        .encode(
            x=alt.X(field=REACHED, type="quantitative", axis=COUNTS),
            y=alt.Y(field=STAGE, type="nominal", sort=stage_order, title=None, axis=LABELS),
            tooltip=tooltip(funnel),
        )
    )

    STAYS, LOW, P25, MEDIAN, P75, P90, HIGH = (
        t(f"analytics.col_{name}") for name in ("stays", "min", "p25", "median", "p75", "p90", "max")
    )
    stays = pd.DataFrame(
        [
            {
                STAGE: stage_names[row["stage"]],
                STAYS: row["stays"],
                LOW: row["min"],
                P25: row["p25"],
                MEDIAN: row["median"],
                P75: row["p75"],
                P90: row["p90"],
                HIGH: row["max"],
            }
            for row in report.time_in_stage
            if row["stays"]
        ]
    )
    if stays.empty:
        stays_chart = alt.Chart(stays).mark_bar()
    else:
        days = alt.Scale(domain=[0, float(stays[P90].max() or 1)], nice=True, clamp=True)
        base = alt.Chart(stays).encode(
            y=alt.Y(field=STAGE, type="nominal", sort=stage_order, title=None, axis=LABELS), tooltip=tooltip(stays)
        )
        stays_chart = alt.layer(
            base.mark_rule(color="#8a94a6").encode(
                x=alt.X(field=LOW, type="quantitative", scale=days, title=t("analytics.axis_days")),
                x2=alt.X2(field=P90),
            ),
            base.mark_bar(color="#f2a541", size=16).encode(
                x=alt.X(field=P25, type="quantitative"), x2=alt.X2(field=P75)
            ),
            base.mark_tick(color="#1f2a44", thickness=3, size=20).encode(x=alt.X(field=MEDIAN, type="quantitative")),
        )

    WEEK, STARTED, LAUNCHED, SERIES, COUNT = (
        t(f"analytics.col_{name}") for name in ("week", "started", "launched", "series", "merchants")
    )
    weekly = pd.DataFrame(
        [{WEEK: row["week"].isoformat(), STARTED: row["started"], LAUNCHED: row["launched"]} for row in report.weekly],
        columns=[WEEK, STARTED, LAUNCHED],
    )
    weekly_chart = (
        alt.Chart(weekly)
        .transform_fold([STARTED, LAUNCHED], as_=[SERIES, COUNT])
        .mark_bar()
        .encode(
            x=alt.X(field=WEEK, type="ordinal", title=None, axis=alt.Axis(labelAngle=-40)),
            xOffset=alt.XOffset(field=SERIES, type="nominal"),
            y=alt.Y(field=COUNT, type="quantitative", axis=COUNTS),
            color=alt.Color(
                field=SERIES,
                type="nominal",
                scale=alt.Scale(domain=[STARTED, LAUNCHED], range=["#3b6fd8", "#2bb673"]),
                legend=alt.Legend(orient="top", title=None),
            ),
            tooltip=[
                alt.Tooltip(field=WEEK, type="nominal"),
                alt.Tooltip(field=SERIES, type="nominal"),
                alt.Tooltip(field=COUNT, type="quantitative"),
            ],
        )
    )

    OWNER, ACTIVE, ON_SUPPORT, ON_MERCHANT, LATE, IDLE, WHO = (
        t(f"analytics.col_{name}")
        for name in ("owner", "active", "waiting_support", "waiting_merchant", "over_sla", "idle", "waiting_on")
    )
    workload = pd.DataFrame(
        [
            {
                OWNER: row["owner"] or t("analytics.unassigned"),
                ACTIVE: row["active"],
                ON_SUPPORT: row["waiting_on_support"],
                ON_MERCHANT: row["waiting_on_merchant"],
                LATE: row["over_sla"],
                IDLE: row["idle"],
            }
            for row in report.workload
        ],
        columns=[OWNER, ACTIVE, ON_SUPPORT, ON_MERCHANT, LATE, IDLE],
    )
    workload_chart = (
        alt.Chart(workload)
        .transform_fold([ON_SUPPORT, ON_MERCHANT], as_=[WHO, COUNT])
        .mark_bar()
        .encode(
            y=alt.Y(field=OWNER, type="nominal", sort="-x", title=None, axis=LABELS),
            x=alt.X(field=COUNT, type="quantitative", stack="zero", axis=COUNTS),
            color=alt.Color(
                field=WHO,
                type="nominal",
                scale=alt.Scale(domain=[ON_SUPPORT, ON_MERCHANT], range=["#d9534f", "#8a94a6"]),
                legend=alt.Legend(orient="top", title=None),
            ),
            tooltip=[
                alt.Tooltip(field=OWNER, type="nominal"),
                alt.Tooltip(field=WHO, type="nominal"),
                alt.Tooltip(field=COUNT, type="quantitative"),
                alt.Tooltip(field=ACTIVE, type="quantitative"),
                alt.Tooltip(field=LATE, type="quantitative"),
                alt.Tooltip(field=IDLE, type="quantitative"),
            ],
        )
    )

    ITEM, SUBMISSIONS, REJECTIONS, RATE = (
        t(f"analytics.col_{name}") for name in ("item", "submissions", "rejections", "rate")
    )
    rejections = pd.DataFrame(
        [
            {
                ITEM: pick(process.item(row["item_key"]).title, language()),
                STAGE: stage_names[row["stage"]],
                SUBMISSIONS: row["submissions"],
                REJECTIONS: row["rejections"],
                RATE: round(row["rate"] * 100, 1),
            }
            for row in report.rejections
        ],
        columns=[ITEM, STAGE, SUBMISSIONS, REJECTIONS, RATE],
    )
    rejections_chart = (
        alt.Chart(rejections)
        .mark_bar(color="#d9534f")
        .encode(
            x=alt.X(field=RATE, type="quantitative"),
            y=alt.Y(field=ITEM, type="nominal", sort="-x", title=None, axis=LABELS),
            tooltip=tooltip(rejections),
        )
    )

    left, right = st.columns(2)
    with left:
        section("funnel", funnel, funnel_chart)
    with right:
        section("time_in_stage", stays, stays_chart)
    left, right = st.columns(2)
    with left:
        section("weekly", weekly, weekly_chart)
    with right:
        section("workload", workload, workload_chart)
    section("rejections", rejections, rejections_chart)


analytics_view()
