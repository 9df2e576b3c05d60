"""Needs attention: late or idle active merchants, most overdue first, with the reason and who must act."""

from datetime import timedelta

import pytest
from sqlmodel import select
from streamlit.testing.v1 import AppTest

from models import ChecklistItem
from onboarding.core import clock
from onboarding.core.access import AccessDenied, Actor
from onboarding.operations import demo
from onboarding.process import deadlines
from onboarding.process.definition import CONDITIONS
from onboarding.process.merchants import merchant_view, pipeline
from onboarding.process.sla import stage_slas
from onboarding.reports import attention
from tests import analytics_data
from tests.analytics_data import NOW
from tests.conftest import ROOT


@pytest.fixture
def dataset(session):
    return analytics_data.build(session)


def test_late_and_idle_active_merchants_are_listed_most_overdue_first(session, admin, dataset):
    rows = attention.needs_attention(session, admin, now=NOW).rows
    assert [row["name"] for row in rows] == ["Alpha", "Bravo"]
    alpha, bravo = rows
    assert (alpha["over_sla"], alpha["stage"], alpha["days_in_stage"], alpha["sla_days"], alpha["days_over_sla"]) == (
        True,
        0,
        10,
        5,
        5,
    )
    assert (bravo["over_sla"], bravo["idle"], bravo["days_idle"]) == (False, True, 9)


def test_waiting_on_follows_the_owners_of_open_applicable_items(session, admin, dataset):
    rows = {row["name"]: row["waiting_on"] for row in attention.needs_attention(session, admin, now=NOW).rows}
    # Alpha's only open applicable item is the merchant's; its self-registered-only items do not count.
    assert rows == {"Alpha": "merchant", "Bravo": "support"}


def test_a_merchant_with_open_items_on_both_sides_waits_on_the_party_of_its_first_open_item(session, admin, dataset):
    later = NOW + timedelta(days=30)  # Charlie is now late in docking too
    rows = {row["name"]: row["waiting_on"] for row in attention.needs_attention(session, admin, now=later).rows}
    # support must issue the production parameters before the merchant's rejected replacement can go on
    assert rows["Charlie"] == "support"
    assert "Golf" not in rows and "Delta" not in rows  # on hold and launched merchants are never flagged


def test_the_first_open_item_decides_whose_turn_it_is(session, admin, dataset):
    later = NOW + timedelta(days=30)
    charlie = dataset["Charlie"]
    production_parameters = session.exec(
        select(ChecklistItem).where(
            ChecklistItem.merchant_id == charlie.id, ChecklistItem.item_key == "production_parameters"
        )
    ).one()
    production_parameters.status = "done"
    session.add(production_parameters)
    session.commit()
    rows = {row["name"]: row["waiting_on"] for row in attention.needs_attention(session, admin, now=later).rows}
    assert rows["Charlie"] == "merchant"  # now the rejected replacement comes first


def test_the_list_and_the_merchant_page_agree_on_whose_turn_it_is(session, admin):
    demo.seed(session)
    later = clock.now() + timedelta(days=60)  # every active merchant is late by then
    listed = {row["id"]: row["waiting_on"] for row in attention.needs_attention(session, admin, now=later).rows}
    slas = stage_slas(session)
    assert len(listed) > 10
    for merchant_id, waiting in listed.items():
        view = merchant_view(session, admin, merchant_id)
        turn = deadlines.stage_clock(view.merchant, view.items, slas, now=later).turn
        assert (turn or "nobody") == waiting, view.merchant.name
    assert set(listed.values()) <= {"merchant", "support", "nobody"}


def test_every_item_condition_of_the_process_has_its_sql():
    assert set(attention.CONDITION_SQL) == set(CONDITIONS)


def test_a_turn_number_names_who_must_act():
    # position * 2, plus 1 when the merchant acts; -1 when no item is open
    assert [attention.turn_label(turn) for turn in (0, 1, 6, 37, -1)] == [
        "support",
        "merchant",
        "support",
        "merchant",
        "nobody",
    ]


def test_pipeline_rows_are_flagged_by_the_same_rules(session, admin, dataset):
    with clock.frozen_at(NOW):
        rows = pipeline(session, admin).rows
    marks = {row["name"]: (row["over_sla"], row["idle"]) for row in rows}
    assert marks == {
        "Alpha": (True, False),
        "Bravo": (False, True),
        "Charlie": (False, False),
        "Delta": (False, False),
        "Echo": (False, False),
        "Foxtrot": (False, False),
        "Golf": (False, False),
    }


def test_merchant_users_cannot_see_the_attention_list(session, dataset):
    with pytest.raises(AccessDenied):
        attention.needs_attention(session, Actor(id=None, name="Emily", role="merchant", merchant_id=1))


def open_page(path: str, actor: Actor) -> AppTest:
    at = AppTest.from_file(str(ROOT / path), default_timeout=60)
    at.session_state["actor"] = actor
    at.session_state["language"] = "en"
    return at.run()


def test_attention_page_lists_the_merchants_with_reason_and_who_must_act(session, admin):
    analytics_data.build(session, now=clock.now())
    at = open_page("pages/attention.py", admin)
    assert not at.exception
    assert at.title[0].value == "Needs attention"
    table = at.dataframe[0].value
    assert list(table["Merchant"]) == ["Alpha", "Bravo"]
    assert list(table["Waiting on"]) == ["Merchant", "Support (PingPong)"]
    assert "SLA 5 days" in table["Reason"][0] and "no activity for 9 days" in table["Reason"][1]
    labels = [button.proto.label for button in at.get("download_button")]
    assert labels == ["Download CSV (all 2)"]


def test_attention_page_filters_by_who_must_act(session, admin):
    analytics_data.build(session, now=clock.now())
    at = open_page("pages/attention.py", admin)
    at.multiselect(key="attention_waiting").select("support").run()
    assert not at.exception
    assert list(at.dataframe[0].value["Merchant"]) == ["Bravo"]


def test_attention_page_speaks_chinese(session, admin):
    analytics_data.build(session, now=clock.now())
    at = AppTest.from_file(str(ROOT / "pages/attention.py"), default_timeout=60)
    at.session_state["actor"] = admin
    at.session_state["language"] = "zh"
    at.run()
    assert not at.exception
    assert at.title[0].value == "待处理"


def test_attention_page_tells_a_merchant_user_it_is_for_support(session):
    at = open_page("pages/attention.py", Actor(id=None, name="Emily", role="merchant", merchant_id=1))
    assert not at.exception
    assert at.error and not at.dataframe
