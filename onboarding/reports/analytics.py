"""Pipeline analytics: headline figures, funnel, time in stage, weekly flow, workload and rejection rates.

Every figure is aggregated in SQL with a fixed number of statements, whatever the number of merchants.
"""

import math
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import Integer, and_, case, cast, func
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from models import HistoryEvent, Merchant, StageStay, User
from onboarding.core import clock
from onboarding.core.access import Actor, require_staff
from onboarding.core.errors import ValidationError
from onboarding.core.sql_functions import days_between
from onboarding.process import merchants
from onboarding.process.definition import default_process
from onboarding.reports import attention
from onboarding.reports.cache import BriefCache

SUBMITTED = ("submitted", "resubmitted")
DEFAULT_WEEKS = 12


@dataclass(frozen=True)
class AnalyticsFilter:
    """What the Analytics page narrows by; the date range selects merchants by the day they started."""

    start: date | None = None
    end: date | None = None
    owner_ids: tuple[int, ...] = ()
    shop_platforms: tuple[str, ...] = ()
    integration_modes: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()

    def checked(self) -> "AnalyticsFilter":
        """The same filter, or ValidationError when a range or a value cannot be used."""
        if self.start and self.end and self.start > self.end:
            raise ValidationError("analytics.bad_date_range")
        if (
            not set(self.shop_platforms) <= set(merchants.SHOP_PLATFORMS)
            or not set(self.integration_modes) <= set(merchants.INTEGRATION_MODES)
            or not set(self.statuses) <= set(merchants.MERCHANT_STATUSES)
        ):
            raise ValidationError("analytics.bad_filter")
        return self


@dataclass
class Report:
    """Everything the Analytics page shows."""

    kpis: dict
    funnel: list[dict] = field(default_factory=list)
    time_in_stage: list[dict] = field(default_factory=list)
    weekly: list[dict] = field(default_factory=list)
    workload: list[dict] = field(default_factory=list)
    rejections: list[dict] = field(default_factory=list)


def _start_of_day(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def merchant_conditions(filters: AnalyticsFilter) -> list:
    """SQL conditions on Merchant for `filters`."""
    conditions = []
    if filters.start:
        conditions.append(Merchant.created_at >= _start_of_day(filters.start))
    if filters.end:
        conditions.append(Merchant.created_at < _start_of_day(filters.end + timedelta(days=1)))
    if filters.owner_ids:
        conditions.append(col(Merchant.owner_id).in_(filters.owner_ids))
    if filters.shop_platforms:
        conditions.append(col(Merchant.shop_platform).in_(filters.shop_platforms))
    if filters.integration_modes:
        conditions.append(col(Merchant.integration_mode).in_(filters.integration_modes))
    if filters.statuses:
        conditions.append(col(Merchant.status).in_(filters.statuses))
    return conditions


def percentile(histogram: list[tuple[float, int]], q: float) -> float | None:
    """The q-th quantile (linear interpolation) of values given as sorted (value, count) pairs."""
    total = sum(count for _, count in histogram)
    if total == 0:
        return None
    position = q * (total - 1)
    low, high = math.floor(position), math.ceil(position)

    def value_at(rank: int) -> float:
        seen = 0
        for value, count in histogram:
            seen += count
            if rank < seen:
                return value
        return histogram[-1][0]

    low_value, high_value = value_at(low), value_at(high)
    return low_value + (high_value - low_value) * (position - low)


def _tenths(expression):
    """Group durations by tenths of a day, so percentiles come from a small histogram."""
    return cast(expression * 10, Integer)


def _histogram(rows) -> list[tuple[float, int]]:
    return sorted((bucket / 10, int(count)) for bucket, count in rows if bucket is not None)


def _month_starts(now: datetime) -> tuple[datetime, datetime]:
    this_month = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    last_month = (this_month - timedelta(days=1)).replace(day=1)
    return this_month, last_month


def kpis(session: Session, conditions: list, rules: attention.Rules, now: datetime) -> dict:
    """Headline figures: active, launched this and last month, days to go-live, over SLA, idle."""
    this_month, last_month = _month_starts(now)

    def count(condition):
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    row = session.exec(
        select(
            func.count(),
            count(Merchant.status == "active"),
            count(Merchant.launched_at >= this_month),
            count(and_(Merchant.launched_at >= last_month, Merchant.launched_at < this_month)),
            count(attention.over_sla(rules, now)),
            count(attention.idle(rules, now)),
        )
        .select_from(Merchant)
        .where(*conditions)
    ).one()
    bucket = _tenths(days_between(Merchant.created_at, Merchant.launched_at))
    histogram = _histogram(
        session.exec(
            select(bucket, func.count()).where(col(Merchant.launched_at).is_not(None), *conditions).group_by(bucket)
        )
    )
    median, p90 = percentile(histogram, 0.5), percentile(histogram, 0.9)
    return {
        "merchants": row[0],
        "active": row[1],
        "launched_this_month": row[2],
        "launched_last_month": row[3],
        "over_sla": row[4],
        "idle": row[5],
        "idle_days": rules.idle_days,
        "median_days_to_live": None if median is None else round(median, 1),
        "p90_days_to_live": None if p90 is None else round(p90, 1),
    }


def funnel(session: Session, conditions: list) -> list[dict]:
    """Per stage: merchants there now, and merchants that reached it (there now or further)."""
    counts = dict(
        session.exec(
            select(Merchant.current_stage, func.count()).where(*conditions).group_by(Merchant.current_stage)
        ).all()
    )
    stages = len(default_process().stages)
    rows, reached = [], 0
    for index in range(stages, -1, -1):
        reached += counts.get(index, 0)
        rows.append({"stage": index, "current": counts.get(index, 0), "reached": reached})
    return rows[::-1]


def _of_filtered_merchants(query, conditions: list, column=HistoryEvent.merchant_id):
    """Rows of the merchants `conditions` select (no join at all when nothing is filtered)."""
    if not conditions:
        return query
    return query.join(Merchant, col(Merchant.id) == column).where(*conditions)


def time_in_stage(session: Session, conditions: list) -> list[dict]:
    """Per stage, the distribution of days merchants spent in it (completed stays, recorded as stages change)."""
    bucket = _tenths(StageStay.days)
    query = select(StageStay.stage_index, bucket, func.count())
    query = _of_filtered_merchants(query, conditions, StageStay.merchant_id).group_by(StageStay.stage_index, bucket)
    per_stage: dict[int, list] = {}
    for stage, tenth, count in session.exec(query):
        per_stage.setdefault(stage, []).append((tenth, count))
    rows = []
    for stage in default_process().stages:
        histogram = _histogram(per_stage.get(stage.index, []))
        figures = {
            name: percentile(histogram, q)
            for name, q in (("min", 0), ("p25", 0.25), ("median", 0.5), ("p75", 0.75), ("p90", 0.9), ("max", 1))
        }
        rows.append(
            {
                "stage": stage.index,
                "stays": sum(count for _, count in histogram),
                **{name: None if value is None else round(value, 1) for name, value in figures.items()},
            }
        )
    return rows


def _week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _daily(session: Session, column, since: datetime, until: datetime, conditions: list) -> dict[date, int]:
    day = func.date(column)
    rows = session.exec(select(day, func.count()).where(column >= since, column < until, *conditions).group_by(day))
    return {date.fromisoformat(str(value)[:10]): count for value, count in rows if value is not None}


def weekly(session: Session, conditions: list, filters: AnalyticsFilter, now: datetime) -> list[dict]:
    """Merchants started and launched per week (Monday), over the date range or the last twelve weeks."""
    last_day = min(filters.end, now.date()) if filters.end else now.date()
    first_day = filters.start or _week_start(last_day) - timedelta(weeks=DEFAULT_WEEKS - 1)
    since, until = _start_of_day(_week_start(first_day)), _start_of_day(last_day + timedelta(days=1))
    started = _daily(session, Merchant.created_at, since, until, conditions)
    launched = _daily(session, Merchant.launched_at, since, until, conditions)
    weeks: dict[date, dict] = {}
    week = _week_start(first_day)
    while week <= last_day:
        weeks[week] = {"week": week, "started": 0, "launched": 0}
        week += timedelta(weeks=1)
    for counts, name in ((started, "started"), (launched, "launched")):
        for day, count in counts.items():
            if _week_start(day) in weeks:
                weeks[_week_start(day)][name] += count
    return list(weeks.values())


def workload(session: Session, conditions: list, rules: attention.Rules, now: datetime) -> list[dict]:
    """Per support owner: active merchants, who holds the ball for them, and how many are late or idle.

    Grouped by owner and by the turn number, so whose turn is asked once per merchant (an expression naming
    the correlated subquery twice would run it twice), then named with `attention.turn_label` and added up.
    """
    active = [Merchant.status == "active", *conditions]
    turn = attention.waiting_turn().label("turn")
    owner = aliased(User)

    def count(condition):
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    query = (
        select(
            Merchant.owner_id,
            owner.name,
            turn,
            func.count(),
            count(attention.over_sla(rules, now)),
            count(attention.idle(rules, now)),
        )
        .select_from(Merchant)
        .outerjoin(owner, col(owner.id) == Merchant.owner_id)
        .where(*active)
        .group_by(Merchant.owner_id, owner.name, turn)
    )
    by_owner: dict[int | None, dict] = {}
    for owner_id, name, number, total, late, quiet in session.exec(query):
        row = by_owner.setdefault(
            owner_id,
            {
                "owner_id": owner_id,
                "owner": name,
                "active": 0,
                "waiting_on_support": 0,
                "waiting_on_merchant": 0,
                "over_sla": 0,
                "idle": 0,
            },
        )
        row["active"] += total
        row["over_sla"] += late
        row["idle"] += quiet
        who = attention.turn_label(number)
        if who != "nobody":
            row[f"waiting_on_{who}"] += total
    return sorted(by_owner.values(), key=lambda row: (-row["active"], row["owner"] or ""))


def rejections(session: Session, conditions: list) -> list[dict]:
    """Per merchant checklist item: submissions, rejections and the share rejected, worst first."""
    # Grouped by (action, item) the rows come in the order of the (action, item) index: no sorting at all.
    query = select(HistoryEvent.action, HistoryEvent.item_key, func.count()).where(
        col(HistoryEvent.action).in_((*SUBMITTED, "rejected")), col(HistoryEvent.item_key).is_not(None)
    )
    query = _of_filtered_merchants(query, conditions).group_by(HistoryEvent.action, HistoryEvent.item_key)
    sent: dict[str, int] = {}
    refused: dict[str, int] = {}
    for action, key, count in session.exec(query):
        tally = refused if action == "rejected" else sent
        tally[key] = tally.get(key, 0) + count
    process = default_process()
    known = {item.key: item for item in process.items if item.owner == "merchant"}
    rows = [
        {
            "item_key": key,
            "stage": known[key].stage_index,
            "submissions": count,
            "rejections": refused.get(key, 0),
            "rate": round(refused.get(key, 0) / count, 4),
        }
        for key, count in sent.items()
        if key in known and count
    ]
    return sorted(rows, key=lambda row: (-row["rate"], -row["rejections"], row["item_key"]))


CACHE_SECONDS = 60.0  # figures may be this old; every filter choice has its own entry
_reports = BriefCache(CACHE_SECONDS)


def _build(session: Session, filters: AnalyticsFilter, now: datetime) -> Report:
    rules = attention.load_rules(session)
    conditions = merchant_conditions(filters)
    return Report(
        kpis=kpis(session, conditions, rules, now),
        funnel=funnel(session, conditions),
        time_in_stage=time_in_stage(session, conditions),
        weekly=weekly(session, conditions, filters, now),
        workload=workload(session, conditions, rules, now),
        rejections=rejections(session, conditions),
    )


def report(
    session: Session, actor: Actor, filters: AnalyticsFilter | None = None, now: datetime | None = None
) -> Report:
    """Every figure of the Analytics page for `filters`, in a fixed number of queries.

    Without an explicit `now`, a report is kept for CACHE_SECONDS per database and filter, so people
    switching filters back and forth do not recompute it.
    """
    require_staff(actor)
    filters = (filters or AnalyticsFilter()).checked()
    if now is not None:
        return _build(session, filters, now)
    key = (str(session.get_bind().url), filters)
    return _reports.get_or_build(key, lambda: _build(session, filters, clock.now()))
