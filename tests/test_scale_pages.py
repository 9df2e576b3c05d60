"""Pipeline, board, review queue and Needs attention pages at scale, driven with AppTest."""

import dataclasses
from datetime import timedelta

import pytest
from sqlmodel import select
from streamlit.testing.v1 import AppTest

from models import ChecklistItem, HistoryEvent, Merchant
from onboarding.accounts.users import create_user
from onboarding.core import clock
from onboarding.core.access import Actor
from onboarding.operations import demo
from onboarding.process import checklist
from onboarding.process.merchants import create_merchant
from tests import analytics_data
from tests.test_pages import open_page
from tools import bench_data


def button(at: AppTest, label: str):
    return next(b for b in at.button if b.label == label)


def captions(at: AppTest) -> list[str]:
    return [caption.value for caption in at.caption]


@pytest.mark.sqlite_only
def test_the_pipeline_pages_through_many_merchants_and_counts_them_all(session, admin):
    bench_data.seed(session, 120)
    at = open_page(admin)
    assert not at.exception
    assert len(at.dataframe[0].value) == 50
    assert next(metric.value for metric in at.metric if metric.label == "Matching merchants") == "120"
    assert "1–50 of 120 · page 1 of 3" in captions(at)
    first_page = set(at.dataframe[0].value["id"])
    button(at, "Next").click().run()
    assert at.query_params["page"] == "2"
    assert "51–100 of 120 · page 2 of 3" in captions(at)
    assert not first_page & set(at.dataframe[0].value["id"])


def test_pipeline_filters_go_into_the_url_and_a_shared_link_restores_them(session, admin):
    demo.seed(session)
    at = open_page(admin)
    at.text_input(key="pipeline_search").input("kyoto").run()
    assert at.query_params == {"q": "kyoto"}
    assert list(at.dataframe[0].value["name"]) == ["Kyoto Tea House"]
    shared = open_page(admin, stage="4", status="launched,active", sort="name", asc="1")
    assert not shared.exception
    assert shared.multiselect(key="pipeline_stages").value == [4]
    assert shared.multiselect(key="pipeline_statuses").value == ["launched", "active"]
    names = list(shared.dataframe[0].value["name"])
    assert names == sorted(names) and set(shared.dataframe[0].value["stage"]) == {"5. Production verification"}
    tampered = open_page(admin, stage="99,x", sort="drop table")
    assert not tampered.exception and tampered.multiselect(key="pipeline_stages").value == []


def test_selected_rows_change_owner_in_bulk_with_a_reason(session, admin):
    demo.seed(session)
    li = session.exec(select(Merchant.owner_id).where(Merchant.name == "Aurora Outdoor Gear")).one()
    at = open_page(admin, sort="name", asc="1")
    frame = at.dataframe[0].value
    key = f"pipeline_table_0_{hash(tuple(frame['id']))}"  # the table's key changes with the rows it shows
    at.session_state[key] = {"selection": {"rows": [0, 1], "columns": [], "cells": []}}
    at.run()
    chosen = list(frame["name"][:2])
    assert any(markdown.value == "**2 selected**" for markdown in at.markdown)
    button(at, "Apply to 2 merchants").click().run()
    assert any("Write a reason" in error.value for error in at.error)  # nothing changes without a reason
    at.selectbox(key="pipeline_bulk_owner_value").set_value(li)
    at.text_input(key="pipeline_bulk_owner_reason").input("Li takes over Europe")
    button(at, "Apply to 2 merchants").click().run()
    assert not at.exception
    owners = session.exec(select(Merchant.owner_id).where(Merchant.name.in_(chosen))).all()
    assert set(owners) == {li}
    reasons = session.exec(select(HistoryEvent.detail).where(HistoryEvent.action == "owner_changed")).all()
    assert any("Li takes over Europe" in detail for detail in reasons)
    assert not any(markdown.value == "**2 selected**" for markdown in at.markdown)  # the selection is cleared


def test_the_board_has_a_column_per_stage_and_marks_late_merchants(session, admin):
    analytics_data.build(session, now=clock.now())
    at = open_page(admin, view="board")
    assert not at.exception
    links = [link.proto.label for link in at.get("page_link")]
    assert {"Alpha", "Bravo", "Charlie", "Delta"} <= set(links) and "Golf" not in links
    assert any("Over SLA" in markdown.value for markdown in at.markdown)
    assert any(markdown.value == "**6. Live**" for markdown in at.markdown)
    assert at.query_params == {"view": "board"}


@pytest.fixture
def queue_data(session, admin, merchant_input):
    """Two merchants with items waiting for review: Aurora for ten days (two items), Berlin for two."""
    li = create_user(
        session, admin, email="li@support.example.com", name="Li Wei", role="support", password="a support password"
    )
    made = {}
    for name, owner, sandbox in (("Aurora", admin.id, "self_registered"), ("Berlin", li.id, "public")):
        made[name] = create_merchant(
            session,
            admin,
            dataclasses.replace(merchant_input, name=name, owner_id=owner, sandbox_account=sandbox),
            allow_duplicate=True,
        )
    submissions = (
        ("Aurora", "sandbox_account_type", "self_registered", 10),
        ("Aurora", "sandbox_ids", "2024051500012345 / 2024051500012345001", 9),
        ("Berlin", "sandbox_account_type", "public", 2),
    )
    for name, key, value, days in submissions:
        merchant = made[name]
        row = session.exec(
            select(ChecklistItem).where(ChecklistItem.merchant_id == merchant.id, ChecklistItem.item_key == key)
        ).one()
        with clock.frozen_at(clock.now() - timedelta(days=days)):
            checklist.submit(
                session,
                Actor(id=None, name="Contact", role="merchant", merchant_id=merchant.id),
                row.id,
                row.version,
                value,
            )
    return made


def _status(session, merchant, key: str) -> str:
    row = session.exec(
        select(ChecklistItem.status).where(ChecklistItem.merchant_id == merchant.id, ChecklistItem.item_key == key)
    ).one()
    return row


def test_the_review_queue_groups_by_merchant_and_approves_one_card(session, admin, queue_data):
    at = open_page(admin, "pages/review_queue.py")
    assert not at.exception
    assert "3 submissions from 2 merchants wait for review, oldest first." in captions(at)
    assert [link.proto.label for link in at.get("page_link")] == ["Aurora", "Berlin"]
    at.button(key=next(b.key for b in at.button if b.key and b.key.startswith("approve_"))).click().run()
    assert not at.exception
    session.expire_all()
    assert _status(session, queue_data["Aurora"], "sandbox_account_type") == "approved"


def test_the_review_queue_approves_ticked_items_after_a_confirmation(session, admin, queue_data):
    at = open_page(admin, "pages/review_queue.py")
    button(at, "Approve selected…").click().run()
    assert any("Tick at least one item" in warning.value for warning in at.warning)
    button(at, "Select all on this page").click().run()
    assert all(box.value for box in at.checkbox if box.key.startswith("queue_pick_"))
    button(at, "Approve selected…").click().run()
    assert any(markdown.value == "**Approve these 3 items?**" for markdown in at.markdown)
    session.expire_all()
    assert _status(session, queue_data["Berlin"], "sandbox_account_type") == "submitted"  # not before confirming
    button(at, "Approve 3 items").click().run()
    assert not at.exception
    session.expire_all()
    for name, key in (
        ("Aurora", "sandbox_account_type"),
        ("Aurora", "sandbox_ids"),
        ("Berlin", "sandbox_account_type"),
    ):
        assert _status(session, queue_data[name], key) == "approved"
    assert any("Nothing waits for review" in success.value for success in at.success)


def test_review_queue_filters_go_into_the_url(session, admin, queue_data):
    at = open_page(admin, "pages/review_queue.py")
    at.toggle(key="queue_mine").set_value(True).run()
    assert at.query_params == {"mine": "1"}
    assert [link.proto.label for link in at.get("page_link")] == ["Aurora"]
    shared = open_page(admin, "pages/review_queue.py", age="7", item="sandbox_ids")
    assert shared.selectbox(key="queue_age").value == 7
    assert "1 submissions from 1 merchants wait for review, oldest first." in captions(shared)


def test_needs_attention_shows_a_page_with_the_true_total(session, admin):
    analytics_data.build(session, now=clock.now())
    at = open_page(admin, "pages/attention.py")
    assert not at.exception
    assert "1–2 of 2 · page 1 of 1" in captions(at)
    at.multiselect(key="attention_waiting").select("support").run()
    assert at.query_params == {"waiting": "support"}
    assert list(at.dataframe[0].value["Merchant"]) == ["Bravo"]


def test_a_card_is_rejected_with_a_reason_asked_in_one_dialog(session, admin, queue_data):
    at = open_page(admin, "pages/review_queue.py")
    assert not any(area.label.startswith("Reason") for area in at.text_area)  # no hidden form per card
    at.button(key=next(b.key for b in at.button if b.key and b.key.startswith("reject_"))).click().run()
    button(at, "Reject").click().run()
    assert any("Write a reason" in error.value for error in at.error)
    next(area for area in at.text_area if area.label.startswith("Reason")).input("Use the public account")
    button(at, "Reject").click().run()
    assert not at.exception
    session.expire_all()
    assert _status(session, queue_data["Aurora"], "sandbox_account_type") == "rejected"


def test_the_record_export_finds_a_merchant_by_search_not_in_a_full_dropdown(session, admin):
    demo.seed(session)
    at = open_page(admin, "pages/attention.py")
    choice = at.selectbox(key="attention_export_choice")
    assert len(choice.options) == 20  # at most 20 matches, never every merchant
    assert "The first 20 of 25 matches, by name. Type more to narrow them." in captions(at)
    at.text_input(key="attention_export_search").input("kyoto").run()
    choice = at.selectbox(key="attention_export_choice")
    assert choice.options == ["Kyoto Tea House"]
    kyoto = session.exec(select(Merchant.id).where(Merchant.name == "Kyoto Tea House")).one()
    choice.set_value(kyoto).run()
    labels = [button.proto.label for button in at.get("download_button")]
    assert "Download record (Excel)" in labels
