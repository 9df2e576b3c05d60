"""Stage SLAs, idleness and whose turn it is: which merchants need a nudge, most overdue first."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, case, false, func, or_
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from models import ChecklistItem, Merchant, User
from onboarding.core import clock
from onboarding.core.access import Actor, require_staff
from onboarding.core.config import get_settings
from onboarding.process.definition import default_process
from onboarding.process.sla import stage_slas
from onboarding.process.transitions import COMPLETE, MERCHANT_TURN

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


def _applies():
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


def waiting_on(*conditions):
    """Subquery: per merchant, whose turn it is (`on_merchant` or `on_support` is 1)."""
    # the party of the current stage's first open applicable item in process order, as `transitions.whose_turn`
    process = default_process()
    merchant_keys = [item.key for item in process.items if item.owner == "merchant"]
    required_keys = [item.key for item in process.items if item.required]
    position = case({item.key: index for index, item in enumerate(process.items)}, value=ChecklistItem.item_key)
    merchant_turn = and_(col(ChecklistItem.item_key).in_(merchant_keys), col(ChecklistItem.status).in_(MERCHANT_TURN))
    # position and party in one number, so the smallest names the first open item and whose turn it is
    first = func.min(position * 2 + case((merchant_turn, 1), else_=0))
    return (
        select(
            ChecklistItem.merchant_id,
            case((first % 2 == 1, 1), else_=0).label("on_merchant"),
            case((first % 2 == 0, 1), else_=0).label("on_support"),
        )
        .join(Merchant, col(Merchant.id) == ChecklistItem.merchant_id)
        .where(
            ChecklistItem.stage_index == Merchant.current_stage,
            col(ChecklistItem.status).not_in(COMPLETE),
            col(ChecklistItem.item_key).in_(required_keys),
            _applies(),
            *conditions,
        )
        .group_by(ChecklistItem.merchant_id)
        .subquery("waiting")
    )


def waiting_label(on_merchant, on_support) -> str:
    """merchant, support or nobody, from the flags of `waiting_on`."""
    return "merchant" if on_merchant else "support" if on_support else "nobody"


def _days(since: datetime, now: datetime) -> float:
    return (now - since).total_seconds() / 86400


def needs_attention(session: Session, actor: Actor, now: datetime | None = None) -> list[dict]:
    """Active merchants past their stage SLA or idle, most overdue first, with the reason and who must act."""
    require_staff(actor)
    now = now or clock.now()
    rules = load_rules(session)
    flagged = or_(over_sla(rules, now), idle(rules, now))
    waiting = waiting_on(flagged)
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
            waiting.c.on_merchant,
            waiting.c.on_support,
        )
        .outerjoin(owner, col(owner.id) == Merchant.owner_id)
        .outerjoin(waiting, waiting.c.merchant_id == Merchant.id)
        .where(flagged, col(Merchant.archived_at).is_(None))
    )
    rows = []
    for merchant_id, name, stage, entered, active_at, owner_id, owner_name, on_merchant, on_support in session.exec(
        query
    ):
        in_stage, quiet = _days(entered, now), _days(active_at, now)
        sla = rules.sla_for(stage)
        sla_over = in_stage - sla if sla is not None and in_stage > sla else None
        idle_over = quiet - rules.idle_days if quiet > rules.idle_days else None
        overdue = max(value for value in (sla_over, idle_over) if value is not None)
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
                "waiting_on": waiting_label(on_merchant, on_support),
                "overdue_days": round(overdue, 2),
            }
        )
    rows.sort(key=lambda row: (-row["overdue_days"], row["name"]))
    return rows


def flag_pipeline_rows(rows: list[dict], rules: Rules, now: datetime | None = None) -> list[dict]:
    """The pipeline rows with `over_sla` and `idle` set by the same rules as the Needs attention view."""
    now = now or clock.now()
    for row in rows:
        active = row["status"] == "active"
        sla = rules.sla_for(row["stage"])
        row["over_sla"] = active and sla is not None and row["days_in_stage"] >= sla  # whole days, as shown
        row["idle"] = active and _days(row["last_activity"], now) > rules.idle_days
    return rows
