"""The review queue: submitted items grouped by merchant, oldest first, filtered and paged in SQL; bulk approval."""

import dataclasses
from datetime import timedelta

import pytest
from sqlmodel import select

from models import ChecklistItem, Merchant
from onboarding.accounts.users import create_user
from onboarding.core import clock
from onboarding.core.access import AccessDenied, Actor
from onboarding.core.errors import ConflictError, ValidationError
from onboarding.process import checklist
from onboarding.process.archive import archive
from onboarding.process.merchants import create_merchant
from onboarding.review import queue

NOW = clock.now()


def _item(session, merchant_id: int, key: str) -> ChecklistItem:
    return session.exec(
        select(ChecklistItem).where(ChecklistItem.merchant_id == merchant_id, ChecklistItem.item_key == key)
    ).one()


def _submit(session, merchant, key: str, value: str, days_ago: float) -> None:
    contact = Actor(id=None, name=f"{merchant.name} contact", role="merchant", merchant_id=merchant.id)
    row = _item(session, merchant.id, key)
    with clock.frozen_at(NOW - timedelta(days=days_ago)):
        checklist.submit(session, contact, row.id, row.version, value)


@pytest.fixture
def waiting(session, admin, merchant_input):
    """Aurora (admin's) waits 10 days with two items, Cairo (nobody's) 5 days, Berlin (Li's) 2 days."""
    li = create_user(
        session, admin, email="li@support.example.com", name="Li Wei", role="support", password="a support password"
    )
    made = {}
    for name, owner, sandbox in (
        ("Aurora", admin.id, "self_registered"),
        ("Berlin", li.id, "public"),
        ("Cairo", None, "public"),
    ):
        made[name] = create_merchant(
            session,
            admin,
            dataclasses.replace(merchant_input, name=name, owner_id=owner, sandbox_account=sandbox),
            allow_duplicate=True,
        )
    _submit(session, made["Aurora"], "sandbox_account_type", "self_registered", 10)
    _submit(session, made["Aurora"], "sandbox_ids", "2024051500012345 / 2024051500012345001", 9)
    _submit(session, made["Berlin"], "sandbox_account_type", "public", 2)
    _submit(session, made["Cairo"], "sandbox_account_type", "public", 5)
    return made


def _names(page) -> list[str]:
    return [group.merchant_name for group in page.groups]


def test_merchants_with_the_oldest_submissions_come_first_with_true_totals(session, admin, waiting):
    first = queue.waiting_page(session, admin, per_page=2)
    assert _names(first) == ["Aurora", "Cairo"]
    assert (first.items, first.merchants, first.pages) == (4, 3, 2)
    aurora = first.groups[0]
    assert [entry.item_key for entry in aurora.entries] == ["sandbox_account_type", "sandbox_ids"]
    assert aurora.waiting == 2 and aurora.owner_name == "Local admin" and aurora.entries[0].submission.number == 1
    assert _names(queue.waiting_page(session, admin, page=2, per_page=2)) == ["Berlin"]


def test_the_queue_filters_by_owner_merchant_item_and_age(session, admin, waiting):
    assert _names(queue.waiting_page(session, admin, queue.QueueFilter(mine=True))) == ["Aurora"]
    assert _names(queue.waiting_page(session, admin, queue.QueueFilter(merchant="ERL"))) == ["Berlin"]
    only_ids = queue.waiting_page(session, admin, queue.QueueFilter(item_keys=("sandbox_ids",)))
    assert _names(only_ids) == ["Aurora"] and only_ids.items == 1
    assert _names(queue.waiting_page(session, admin, queue.QueueFilter(min_days=3), now=NOW)) == ["Aurora", "Cairo"]
    with pytest.raises(ValidationError):
        queue.waiting_page(session, admin, queue.QueueFilter(min_days=2))
    with pytest.raises(ValidationError):
        queue.waiting_page(session, admin, queue.QueueFilter(item_keys=("go_live",)))


def test_one_merchants_items_can_be_read_again_alone(session, admin, waiting):
    entries = queue.merchant_entries(
        session, admin, waiting["Aurora"].id, queue.QueueFilter(item_keys=("sandbox_ids",))
    )
    assert [entry.item_key for entry in entries] == ["sandbox_ids"]
    assert entries[0].merchant_name == "Aurora"


def test_bulk_approval_approves_each_item_and_reports_those_changed_meanwhile(session, admin, waiting):
    entries = queue.waiting_page(session, admin).groups[0].entries
    first, second = entries
    # Meanwhile the merchant hands in a corrected version of the second: it must not be approved unseen.
    _submit(session, waiting["Aurora"], "sandbox_ids", "2024051500099999 / 2024051500099999001", 0)
    outcome = queue.approve_many(session, admin, [(first.item_id, first.version), (second.item_id, second.version)])
    assert outcome.approved == 1
    assert [(item_id, type(error)) for item_id, error in outcome.refused] == [(second.item_id, ConflictError)]
    session.expire_all()
    assert session.get(ChecklistItem, first.item_id).status == "approved"
    assert session.get(ChecklistItem, second.item_id).status == "submitted"
    assert queue.waiting_page(session, admin).items == 3
    with pytest.raises(ValidationError):
        queue.approve_many(session, admin, [])


def test_merchant_users_cannot_read_or_approve_the_queue(session, waiting):
    aurora = waiting["Aurora"]
    intruder = Actor(id=None, name="Emily", role="merchant", merchant_id=aurora.id)
    row = _item(session, aurora.id, "sandbox_account_type")
    for call in (
        lambda: queue.waiting_page(session, intruder),
        lambda: queue.merchant_entries(session, intruder, aurora.id),
        lambda: queue.approve_many(session, intruder, [(row.id, row.version)]),
    ):
        with pytest.raises(AccessDenied):
            call()


def _expected_order(session) -> list[int]:
    """The queue's order worked out in Python: waiting merchants by their oldest item, then that item's id."""
    oldest: dict[int, tuple] = {}
    for item in session.exec(select(ChecklistItem).where(ChecklistItem.status == "submitted")):
        merchant = session.get(Merchant, item.merchant_id)
        if item.retired_at is not None or merchant.archived_at is not None:
            continue
        oldest[item.merchant_id] = min(
            oldest.get(item.merchant_id, (item.submitted_at, item.id)), (item.submitted_at, item.id)
        )
    return sorted(oldest, key=oldest.get)


def test_every_page_follows_the_oldest_item_and_together_they_hold_each_waiting_merchant_once(
    session, admin, merchant_input
):
    made = []
    for number in range(11):
        merchant = create_merchant(
            session,
            admin,
            dataclasses.replace(merchant_input, name=f"Shop {number:02}", sandbox_account="self_registered"),
            allow_duplicate=True,
        )
        made.append(merchant)
        # Several items per merchant, handed in at interleaved times (some at the very same moment).
        _submit(session, merchant, "sandbox_account_type", "self_registered", (number * 7) % 5)
        if number % 3:
            _submit(session, merchant, "sandbox_ids", "2024051500012345 / 2024051500012345001", (number * 3) % 4 + 0.5)
    # An archived merchant and a retired item wait for nobody.
    archive(session, admin, made[4].id, "duplicate of another shop")
    retired = _item(session, made[9].id, "sandbox_account_type")
    retired.retired_at = clock.now()
    session.add(retired)
    session.commit()

    expected = _expected_order(session)
    assert made[4].id not in expected
    seen = []
    first = queue.waiting_page(session, admin, per_page=3)
    assert first.merchants == len(expected)
    assert first.items == sum(
        group.waiting
        for page in range(1, first.pages + 1)
        for group in queue.waiting_page(session, admin, page=page, per_page=3).groups
    )
    for page in range(1, first.pages + 1):
        groups = queue.waiting_page(session, admin, page=page, per_page=3).groups
        assert all(entry.item_id != retired.id for group in groups for entry in group.entries)
        seen += [group.merchant_id for group in groups]
    assert seen == expected
    # A page past the end shows the last page, not an empty one.
    assert [group.merchant_id for group in queue.waiting_page(session, admin, page=99, per_page=3).groups] == expected[
        3 * (first.pages - 1) :
    ]
