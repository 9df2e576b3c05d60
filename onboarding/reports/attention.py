"""Stage SLAs, idleness and whose turn it is: which merchants need a nudge, most overdue first."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, case, false, func, literal, or_, true, union_all
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from models import ChecklistItem, Merchant, User
from onboarding.core import clock
from onboarding.core.access import Actor, require_staff
from onboarding.core.config import get_settings
from onboarding.core.errors import ValidationError
from onboarding.core.sql_functions import days_between
from onboarding.process.definition import default_process
from onboarding.process.sla import stage_slas
from onboarding.process.transitions import COMPLETE, MERCHANT_TURN
from onboarding.reports.cache import BriefCache

# Merchant facts an item condition reads, as SQL (mirrors process.CONDITIONS).
CONDITION_SQL = {
    "self_registered_sandbox": lambda: Merchant.sandbox_account == "self_registered",
    "non_hosted": lambda: Merchant.integration_mode == "non_hosted",
}
WAITING_LABELS = ("support", "merchant", "nobody")


@dataclass(frozen=True)
class Rules:
    """When a merchant needs attention: per-stage SLA days and the idle threshold."""

    sla_days: dict[int, int]
    idle_days: int

    def sla_for(self, stage: int) -> int | None:
        """The SLA in days of stage `stage` (None once live)."""
        return self.sla_days.get(stage)


def load_rules(session: Session) -> Rules:
    """SLAs from the stage settings (process defaults where none is stored) and the idle threshold."""
    by_key = stage_slas(session)
    return Rules({stage.index: by_key[stage.key] for stage in default_process().stages}, get_settings().idle_days)


def over_sla(rules: Rules, now: datetime):
    """SQL: an active merchant that has been in its stage longer than the stage's SLA."""
    late = [
        and_(Merchant.current_stage == index, Merchant.stage_entered_at < now - timedelta(days=days))
        for index, days in rules.sla_days.items()
    ]
    return and_(Merchant.status == "active", or_(false(), *late))


def idle(rules: Rules, now: datetime):
    """SQL: an active merchant with no activity for the idle threshold."""
    return and_(Merchant.status == "active", Merchant.last_activity_at < now - timedelta(days=rules.idle_days))


def applies():
    """SQL: the checklist item applies to its merchant (its process condition holds)."""
    by_condition: dict[str, list[str]] = {}
    for item in default_process().items:
        if item.condition:
            by_condition.setdefault(item.condition, []).append(item.key)
    conditional = [key for keys in by_condition.values() for key in keys]
    return or_(
        col(ChecklistItem.item_key).not_in(conditional),
        *(
            and_(col(ChecklistItem.item_key).in_(keys), CONDITION_SQL[condition]())
            for condition, keys in by_condition.items()
        ),
    )


def _turn_terms():
    """(open required applicable items of the current stage, first-open-item number) for the whose-turn queries.

    Position and party are one number (position * 2, plus 1 when the merchant must act), so the smallest names
    the current stage's first open item and whose turn it is, as `transitions.whose_turn` does in Python.
    """
    process = default_process()
    merchant_keys = [item.key for item in process.items if item.owner == "merchant"]
    required_keys = [item.key for item in process.items if item.required]
    position = case({item.key: index for index, item in enumerate(process.items)}, value=ChecklistItem.item_key)
    merchant_turn = and_(col(ChecklistItem.item_key).in_(merchant_keys), col(ChecklistItem.status).in_(MERCHANT_TURN))
    open_items = (
        ChecklistItem.stage_index == Merchant.current_stage,
        col(ChecklistItem.status).not_in(COMPLETE),
        col(ChecklistItem.item_key).in_(required_keys),
        applies(),
    )
    return open_items, func.min(position * 2 + case((merchant_turn, 1), else_=0))


def waiting_on(*conditions):
    """Subquery: per merchant, whose turn it is (`on_merchant` or `on_support` is 1), for merchants matching."""
    open_items, first = _turn_terms()
    return (
        select(
            ChecklistItem.merchant_id,
            case((first % 2 == 1, 1), else_=0).label("on_merchant"),
            case((first % 2 == 0, 1), else_=0).label("on_support"),
        )
        .join(Merchant, col(Merchant.id) == ChecklistItem.merchant_id)
        .where(*open_items, *conditions)
        .group_by(ChecklistItem.merchant_id)
        .subquery("waiting")
    )


def waiting_turn():
    """SQL, per Merchant row: the first open item's number from `_turn_terms` (odd: the merchant acts), or -1.

    A correlated subquery on the (merchant, stage) index: a few index probes per merchant asked about, so a
    page or an aggregate costs the same whatever the size of the checklist table.
    """
    open_items, first = _turn_terms()
    return func.coalesce(
        select(first).where(ChecklistItem.merchant_id == Merchant.id, *open_items).scalar_subquery(), -1
    )


def waiting_flags():
    """SQL, per Merchant row: (the merchant must act, support must act), whose turn as in `waiting_on`."""
    turn = waiting_turn()
    return turn % 2 == 1, turn % 2 == 0


def turn_label(turn: int) -> str:
    """merchant, support or nobody, from a value of `waiting_turn`."""
    return "nobody" if turn < 0 else "merchant" if turn % 2 == 1 else "support"


def _days(since: datetime, now: datetime) -> float:
    return (now - since).total_seconds() / 86400


@dataclass(frozen=True)
class AttentionFilter:
    """What Needs attention narrows by: owners (None = unassigned) and who must act."""

    owner_ids: tuple[int | None, ...] = ()
    waiting: tuple[str, ...] = ()


@dataclass
class AttentionPage:
    """One page of flagged merchants, the true totals, and headline counts over every flagged merchant."""

    rows: list[dict]
    total: int
    flagged: int
    over_sla: int
    waiting_support: int
    waiting_merchant: int
    page: int
    per_page: int | None

    @property
    def pages(self) -> int:
        """How many pages the matching merchants fill (at least one)."""
        return max(1, -(-self.total // self.per_page)) if self.per_page else 1


def _later(first, second):
    """SQL: the larger of two numbers (NULL counts as smaller), on SQLite and PostgreSQL alike."""
    return case((first > second, first), else_=second)


def overdue_days(rules: Rules, now: datetime):
    """SQL: days past the SLA or past the idle threshold, whichever is more (what "most overdue" sorts by)."""
    moment = literal(now, type_=Merchant.__table__.c.stage_entered_at.type)
    sla = case(rules.sla_days, value=Merchant.current_stage, else_=None)
    late = days_between(Merchant.stage_entered_at, moment) - sla
    quiet = days_between(Merchant.last_activity_at, moment) - rules.idle_days
    return _later(late, quiet)


def _waiting_condition(on_merchant, on_support, labels: tuple[str, ...]):
    by_label = {
        "merchant": and_(on_merchant, ~on_support),
        "support": and_(on_support, ~on_merchant),
        "nobody": and_(~on_merchant, ~on_support),
    }
    return or_(false(), *(by_label[label] for label in labels))


def _flagged(rules: Rules, now: datetime):
    """SQL: over SLA or idle, and in the work lists (archived merchants are left out)."""
    return and_(or_(over_sla(rules, now), idle(rules, now)), col(Merchant.archived_at).is_(None))


def _candidates(rules: Rules, now: datetime, chosen: list, reach: int):
    """SQL: merchants that can be among the `reach` most overdue; a few index walks instead of sorting them all.

    A flagged merchant's overdue days are those of the reason that flags it (the larger when both do). So the
    `reach` most overdue are among the `reach` longest over SLA in each stage (earliest entered first) and the
    `reach` longest idle (earliest activity first), each walk ordered, ties included, as the page is.
    """
    listed = (Merchant.status == "active", col(Merchant.archived_at).is_(None), *chosen)
    walks = [
        select(Merchant.id)
        .where(*listed, Merchant.current_stage == index, Merchant.stage_entered_at < now - timedelta(days=days))
        .order_by(Merchant.stage_entered_at, Merchant.name, Merchant.id)
        .limit(reach)
        for index, days in rules.sla_days.items()
    ]
    walks.append(
        select(Merchant.id)
        .where(*listed, Merchant.last_activity_at < now - timedelta(days=rules.idle_days))
        .order_by(Merchant.last_activity_at, Merchant.name, Merchant.id)
        .limit(reach)
    )
    return union_all(*(select(walk.subquery().c.id) for walk in walks))


COUNTS_CACHE_SECONDS = 60.0
_counts = BriefCache(COUNTS_CACHE_SECONDS)


def _headline(session: Session, rules: Rules, now: datetime, chosen: list) -> tuple[int, int, int, int, int]:
    """(matching the filters, flagged, over SLA, support must act, merchant must act), in one statement."""
    on_merchant, on_support = waiting_flags()

    def count(condition):
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    row = session.exec(
        select(
            count(and_(true(), *chosen)),
            func.count(),
            count(over_sla(rules, now)),
            count(on_support),
            count(on_merchant),
        )
        .select_from(Merchant)
        .where(_flagged(rules, now))
    ).one()
    return tuple(int(value) for value in row)


def needs_attention(
    session: Session,
    actor: Actor,
    filters: AttentionFilter | None = None,
    page: int = 1,
    per_page: int | None = 50,
    now: datetime | None = None,
) -> AttentionPage:
    """Active merchants past their stage SLA or idle, most overdue first, with the reason and who must act.

    Sorted, filtered and paged in SQL in three statements at any size (SLAs, counts, the page). Without an
    explicit `now` the counts are kept for COUNTS_CACHE_SECONDS per database and filter; the rows are always fresh.
    """
    require_staff(actor)
    filters = filters or AttentionFilter()
    if not set(filters.waiting) <= set(WAITING_LABELS):
        raise ValidationError("error.bad_choice_field", field="waiting_on")
    explicit = now is not None
    now = now or clock.now()
    rules = load_rules(session)
    flagged = _flagged(rules, now)
    on_merchant, on_support = waiting_flags()
    chosen = []
    owners = [owner_id for owner_id in filters.owner_ids if owner_id is not None]
    if filters.owner_ids:
        chosen.append(
            or_(
                col(Merchant.owner_id).in_(owners),
                *([col(Merchant.owner_id).is_(None)] if None in filters.owner_ids else []),
            )
        )
    if filters.waiting:
        chosen.append(_waiting_condition(on_merchant, on_support, filters.waiting))
    if explicit:
        counts = _headline(session, rules, now, chosen)
    else:
        key = (str(session.get_bind().url), filters)
        counts = _counts.get_or_build(key, lambda: _headline(session, rules, now, chosen))
    total, flagged_count, late, support_count, merchant_count = counts
    page = max(1, int(page))
    # The page is chosen first, so who must act is worked out for its rows only.
    overdue = overdue_days(rules, now).label("overdue")
    chosen_page = select(Merchant.id, overdue).order_by(overdue.desc(), Merchant.name, Merchant.id)
    if per_page is None:
        chosen_page = chosen_page.where(flagged, *chosen)
    else:
        reach = page * per_page
        chosen_page = (
            chosen_page.where(col(Merchant.id).in_(_candidates(rules, now, chosen, reach)))
            .limit(per_page)
            .offset(reach - per_page)
        )
    chosen_page = chosen_page.subquery("chosen")
    owner = aliased(User)
    query = (
        select(
            Merchant.id,
            Merchant.name,
            Merchant.current_stage,
            Merchant.stage_entered_at,
            Merchant.last_activity_at,
            Merchant.owner_id,
            owner.name,
            waiting_turn(),
        )
        .join(chosen_page, chosen_page.c.id == Merchant.id)
        .outerjoin(owner, col(owner.id) == Merchant.owner_id)
        .order_by(chosen_page.c.overdue.desc(), Merchant.name, Merchant.id)
    )
    rows = []
    for merchant_id, name, stage, entered, active_at, owner_id, owner_name, turn in session.exec(query):
        in_stage, quiet = _days(entered, now), _days(active_at, now)
        sla = rules.sla_for(stage)
        sla_over = in_stage - sla if sla is not None and in_stage > sla else None
        idle_over = quiet - rules.idle_days if quiet > rules.idle_days else None
        overdue_value = max((value for value in (sla_over, idle_over) if value is not None), default=0)
        rows.append(
            {
                "id": merchant_id,
                "name": name,
                "stage": stage,
                "owner": owner_name,
                "owner_id": owner_id,
                "days_in_stage": int(in_stage),
                "sla_days": sla,
                "over_sla": sla_over is not None,
                "days_over_sla": round(sla_over, 1) if sla_over is not None else 0,
                "days_idle": int(quiet),
                "idle": idle_over is not None,
                "waiting_on": turn_label(turn),
                "overdue_days": round(overdue_value, 2),
            }
        )
    return AttentionPage(rows, total, flagged_count, late, support_count, merchant_count, page, per_page)


def flag_pipeline_rows(rows: list[dict], rules: Rules, now: datetime | None = None) -> list[dict]:
    """The pipeline rows with `over_sla` and `idle` set by the same rules as the Needs attention view."""
    now = now or clock.now()
    for row in rows:
        active = row["status"] == "active"
        sla = rules.sla_for(row["stage"])
        row["over_sla"] = active and sla is not None and row["days_in_stage"] >= sla  # whole days, as shown
        row["idle"] = active and _days(row["last_activity"], now) > rules.idle_days
    return rows
