"""The stage clock both sides see: days in the stage against its SLA, when open items are due, whose turn it is."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from onboarding.core import clock
from onboarding.process import transitions
from onboarding.process.definition import default_process

DUE_SOON_DAYS = 1  # less than this left: the stage is about to run over


@dataclass(frozen=True)
class StageClock:
    """How far one merchant's current stage is into its SLA, and who must act next."""

    stage: int
    days_in_stage: int
    sla_days: int | None
    due_at: datetime | None  # None when live or paused (on hold, withdrawn): no clock runs
    days_left: float | None  # negative once over the SLA
    turn: str | None  # "merchant", "support" or None when nothing is open
    turn_item: str | None  # the first open item, which decides the turn

    @property
    def state(self) -> str:
        """live, paused, over, due_soon or on_track."""
        if self.sla_days is None:
            return "live"
        if self.due_at is None:
            return "paused"
        if self.days_left < 0:
            return "over"
        return "due_soon" if self.days_left < DUE_SOON_DAYS else "on_track"


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def stage_clock(merchant, items, sla_days: dict[str, int], now: datetime | None = None) -> StageClock:
    """The clock of `merchant`'s current stage, from its applicable items in process order and SLA days by stage."""
    process = default_process()
    now = _utc(now or clock.now())
    stage = merchant.current_stage
    entered = _utc(merchant.stage_entered_at)
    in_stage = (now - entered).total_seconds() / 86400
    live = stage >= len(process.stages)
    sla = None if live else sla_days[process.stages[stage].key]
    running = sla is not None and merchant.status == "active"
    due_at = entered + timedelta(days=sla) if running else None
    current = [item for item in items if item.stage_index == stage and process.item(item.key).required]
    first = next((item for item in current if transitions.waiting_on(item.owner, item.status) is not None), None)
    return StageClock(
        stage=stage,
        days_in_stage=int(in_stage),
        sla_days=sla,
        due_at=due_at,
        days_left=(due_at - now).total_seconds() / 86400 if due_at is not None else None,
        turn=transitions.whose_turn((item.owner, item.status) for item in current),
        turn_item=first.key if first is not None else None,
    )


def due_date(stage: StageClock, item, stage_open: bool) -> datetime | None:
    """When an open item of an open stage is due: when the merchant's current stage runs out of SLA."""
    if not stage_open or item.stage_index > stage.stage or transitions.is_complete(item.status):
        return None
    return stage.due_at
