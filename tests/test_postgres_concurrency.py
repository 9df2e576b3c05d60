"""Two processes decide on the same submitted item at once: exactly one wins, the other is told, history is complete."""

import multiprocessing
import time

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool
from sqlmodel import select

from models import ChecklistItem, HistoryEvent, User
from onboarding.core import clock
from onboarding.core.access import actor_for
from onboarding.process import checklist
from tests.conftest import POSTGRES_URL

pytestmark = pytest.mark.skipif(not POSTGRES_URL, reason="needs PostgreSQL: set TEST_DATABASE_URL")


def decide(url: str, decision: str, actor, item_id: int, version: int, results) -> None:
    """Run in a separate process: approve or reject the item, and report what happened."""
    import os

    os.environ["DATABASE_URL"] = url
    from models.db import session_for
    from onboarding.core.errors import ConflictError

    try:
        with session_for(url) as session:
            if decision == "approve":
                checklist.approve(session, actor, item_id, version)
            else:
                checklist.reject(session, actor, item_id, version, "The screenshot is cut off")
        results.put((decision, "won", ""))
    except ConflictError as error:
        results.put((decision, "conflict", str(error)))
    except Exception as error:  # anything else fails the test with its text
        results.put((decision, "error", repr(error)))


def _waiting_on_locks(url: str) -> int:
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            return connection.execute(
                text(
                    "SELECT count(*) FROM pg_stat_activity"
                    " WHERE datname = current_database() AND wait_event_type = 'Lock'"
                )
            ).scalar_one()
    finally:
        engine.dispose()


def test_approve_and_reject_at_the_same_moment_let_exactly_one_win(session, admin, merchant, database_url):
    reviewer = User(email="anna@support.example.com", name="Anna Schmidt", role="support", created_at=clock.now())
    session.add(reviewer)
    session.commit()
    first = next(
        item
        for item in checklist.applicable_items(checklist.default_process(), merchant)
        if item.owner == "merchant" and item.stage_index == 0
    )
    item = session.exec(
        select(ChecklistItem).where(ChecklistItem.merchant_id == merchant.id, ChecklistItem.item_key == first.key)
    ).one()
    checklist.submit(session, admin, item.id, item.version, first.choices[0] if first.choices else "evidence")
    session.refresh(item)
    version = item.version

    # hold the row so both processes read it as "submitted" and then queue on the same update
    holder = create_engine(database_url, poolclass=NullPool)
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    with holder.connect() as lock:
        lock.execute(text("SELECT id FROM checklistitem WHERE id = :id FOR UPDATE"), {"id": item.id})
        workers = [
            context.Process(target=decide, args=(database_url, decision, actor, item.id, version, results))
            for decision, actor in (("approve", admin), ("reject", actor_for(reviewer)))
        ]
        for worker in workers:
            worker.start()
        deadline = time.monotonic() + 60
        while _waiting_on_locks(database_url) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert _waiting_on_locks(database_url) == 2, "both processes should be waiting on the same row"
        lock.rollback()
    outcomes = sorted(results.get(timeout=60) for _ in workers)
    for worker in workers:
        worker.join(timeout=30)
    holder.dispose()

    assert sorted(outcome for _, outcome, _ in outcomes) == ["conflict", "won"], outcomes
    winner = next(decision for decision, outcome, _ in outcomes if outcome == "won")
    message = next(text for _, outcome, text in outcomes if outcome == "conflict")
    expected_name = admin.name if winner == "approve" else "Anna Schmidt"
    assert expected_name in message, "the loser is told who changed the item"

    session.expire_all()
    row = session.get(ChecklistItem, item.id)
    assert row.status == ("approved" if winner == "approve" else "rejected") and row.version == version + 1
    actions = [
        event.action
        for event in session.exec(
            select(HistoryEvent)
            .where(HistoryEvent.merchant_id == merchant.id, HistoryEvent.item_key == item.item_key)
            .order_by(HistoryEvent.id)
        )
    ]
    assert actions == ["submitted", "approved" if winner == "approve" else "rejected"]
