"""Creating merchants from validated input, the pipeline and its filters."""

import dataclasses

import pytest
from sqlmodel import select

from models import ChecklistItem, HistoryEvent, Merchant
from onboarding.core.access import Actor
from onboarding.core.errors import AccessDenied, ValidationError
from onboarding.core.validation import normalise_url
from onboarding.process.definition import default_process
from onboarding.process.merchants import PipelineFilter, change_status, create_merchant, pipeline


@pytest.mark.parametrize(
    ("field", "value", "key"),
    [
        ("name", "   ", "error.field_required"),
        ("website", "javascript:alert(1)", "error.bad_url"),
        ("website", "ftp://files.example.com", "error.bad_url"),
        ("contact_email", "emily-at-example.com", "error.bad_email"),
        ("contact_email", "emily@", "error.bad_email"),
        ("country", "USA", "error.bad_country"),
        ("integration_mode", "carrier-pigeon", "error.bad_choice_field"),
    ],
)
def test_bad_input_is_refused_with_a_message_and_writes_nothing(session, admin, merchant_input, field, value, key):
    with pytest.raises(ValidationError) as caught:
        create_merchant(session, admin, dataclasses.replace(merchant_input, **{field: value}))
    assert caught.value.key == key
    assert session.exec(select(Merchant)).all() == []
    assert session.exec(select(ChecklistItem)).all() == []
    assert session.exec(select(HistoryEvent).where(HistoryEvent.merchant_id != None)).all() == []  # noqa: E711


def test_urls_are_normalised():
    assert normalise_url("Shop.Example.COM/path?q=1") == "https://shop.example.com/path?q=1"
    assert normalise_url("HTTP://shop.example.com") == "http://shop.example.com/"


def test_new_merchant_starts_at_stage_one_with_its_checklist(session, admin, merchant):
    assert (merchant.current_stage, merchant.status, merchant.progress) == (0, "active", 0.0)
    keys = session.exec(select(ChecklistItem.item_key).where(ChecklistItem.merchant_id == merchant.id)).all()
    assert sorted(keys) == sorted(item.key for item in default_process().items)


def test_merchant_users_cannot_create_merchants(session, merchant_input):
    with pytest.raises(AccessDenied):
        create_merchant(session, Actor(id=None, name="M", role="merchant", merchant_id=1), merchant_input)


def test_pipeline_filters_narrow_the_rows(session, admin, merchant_input):
    names = ["Aurora Outdoor Gear", "Kyoto Tea House", "Luna Skincare"]
    created = [
        create_merchant(session, admin, dataclasses.replace(merchant_input, name=name), allow_duplicate=True)
        for name in names
    ]
    change_status(session, admin, created[1].id, "on_hold", "Paused")
    assert len(pipeline(session, admin).rows) == 3
    assert [r["name"] for r in pipeline(session, admin, PipelineFilter(search="kyoto")).rows] == ["Kyoto Tea House"]
    assert [r["name"] for r in pipeline(session, admin, PipelineFilter(statuses=("on_hold",))).rows] == [
        "Kyoto Tea House"
    ]
    assert pipeline(session, admin, PipelineFilter(stages=(1,))).rows == []
    assert pipeline(session, admin, PipelineFilter(owner_ids=(admin.id,))).total == 0
    row = pipeline(session, admin, PipelineFilter(search="luna")).rows[0]
    assert row["stage"] == 0 and row["days_in_stage"] == 0 and row["progress"] == 0.0


def test_a_merchant_user_sees_only_their_own_merchant_in_the_pipeline(session, admin, merchant_input):
    first = create_merchant(session, admin, merchant_input)
    create_merchant(session, admin, dataclasses.replace(merchant_input, name="Other"), allow_duplicate=True)
    rows = pipeline(session, Actor(id=None, name="Emily", role="merchant", merchant_id=first.id)).rows
    assert [row["id"] for row in rows] == [first.id]


def test_owner_and_status_changes_are_checked_and_recorded(session, admin, merchant):
    from onboarding.accounts.users import create_user
    from onboarding.process.merchants import change_owner

    colleague = create_user(
        session, admin, email="li@support.example.com", name="Li Wei", role="support", password="a support password"
    )
    change_owner(session, admin, merchant.id, colleague.id)
    assert session.get(Merchant, merchant.id).owner_id == colleague.id
    with pytest.raises(ValidationError):
        change_owner(session, admin, merchant.id, 9999)
    with pytest.raises(ValidationError):
        change_status(session, admin, merchant.id, "paused-forever")
    change_status(session, admin, merchant.id, "withdrawn", "Chose another provider")
    actions = session.exec(select(HistoryEvent.action).where(HistoryEvent.merchant_id == merchant.id)).all()
    assert actions.count("owner_changed") == 1 and actions.count("status_changed") == 1
    assert [row["status"] for row in pipeline(session, admin).rows] == ["withdrawn"]
