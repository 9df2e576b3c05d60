"""The stage clock: days in the stage against its SLA, due dates of open items, and whose turn it is."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from onboarding.process import deadlines, transitions
from onboarding.process.definition import default_process

NOW = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)
SLAS = {stage.key: stage.sla_days for stage in default_process().stages}  # docking: 10 days


@dataclass
class Merchant:
    current_stage: int
    stage_entered_at: datetime
    status: str = "active"


@dataclass
class Item:
    key: str
    stage_index: int
    owner: str
    status: str


def docking_items(**statuses) -> list[Item]:
    """The docking stage's items in process order, todo unless named."""
    stage = default_process().stage("docking")
    return [Item(item.key, stage.index, item.owner, statuses.get(item.key, "todo")) for item in stage.items]


def clock_after(days: float, status: str = "active", **statuses) -> deadlines.StageClock:
    merchant = Merchant(current_stage=3, stage_entered_at=NOW - timedelta(days=days), status=status)
    return deadlines.stage_clock(merchant, docking_items(**statuses), SLAS, now=NOW)


def test_a_stage_within_its_sla_is_on_track_with_the_days_left():
    stage = clock_after(4.5)
    assert (stage.days_in_stage, stage.sla_days, stage.state) == (4, 10, "on_track")
    assert stage.due_at == NOW + timedelta(days=5.5)
    assert stage.days_left == pytest.approx(5.5)


def test_the_last_day_is_due_soon_and_after_it_the_stage_is_over():
    assert clock_after(9.5).state == "due_soon"
    late = clock_after(12)
    assert late.state == "over" and late.days_left == pytest.approx(-2)


def test_no_clock_runs_for_a_merchant_on_hold_or_live():
    paused = clock_after(30, status="on_hold")
    assert (paused.state, paused.due_at) == ("paused", None)
    live = deadlines.stage_clock(Merchant(current_stage=5, stage_entered_at=NOW), [], SLAS, now=NOW)
    assert (live.state, live.sla_days, live.due_at, live.turn) == ("live", None, None, None)


def test_the_first_open_item_of_the_stage_says_whose_turn_it_is():
    support_first = clock_after(1, website_review="done", parameters_replaced="rejected")
    assert (support_first.turn, support_first.turn_item) == ("support", "production_parameters")
    merchant_next = clock_after(1, website_review="done", production_parameters="done")
    assert (merchant_next.turn, merchant_next.turn_item) == ("merchant", "parameters_replaced")
    review_next = clock_after(1, website_review="done", production_parameters="done", parameters_replaced="submitted")
    assert (review_next.turn, review_next.turn_item) == ("support", "parameters_replaced")


def test_a_complete_stage_is_nobodys_turn():
    done = {item.key: transitions.COMPLETE[0] for item in docking_items()}
    assert clock_after(1, **done).turn is None
    assert transitions.whose_turn([]) is None


def test_open_items_of_open_stages_are_due_when_the_stage_runs_out():
    stage = clock_after(4)
    todo, approved = Item("product_link", 3, "merchant", "todo"), Item("product_link", 3, "merchant", "approved")
    assert deadlines.due_date(stage, todo, stage_open=True) == NOW + timedelta(days=6)
    assert deadlines.due_date(stage, approved, stage_open=True) is None
    assert deadlines.due_date(stage, todo, stage_open=False) is None
    assert deadlines.due_date(stage, Item("go_live", 4, "support", "todo"), stage_open=False) is None


def test_a_naive_stored_time_counts_as_utc():
    merchant = Merchant(current_stage=3, stage_entered_at=(NOW - timedelta(days=2)).replace(tzinfo=None))
    stage = deadlines.stage_clock(merchant, docking_items(), SLAS, now=NOW)
    assert stage.days_in_stage == 2 and stage.due_at == NOW + timedelta(days=8)
