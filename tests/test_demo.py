"""Demo data: every stage and status, weeks of history, a plan keyed by item, and a command that loads it."""

import os
import re
import subprocess
import sys
from datetime import timedelta

from sqlmodel import func, select

from models import ChecklistItem, HistoryEvent, Merchant, User
from onboarding.accounts import auth
from onboarding.core.access import actor_for
from onboarding.operations import demo
from onboarding.process import checklist, transitions
from onboarding.process.definition import default_process
from tests.conftest import ROOT
from tests.test_process_sync import NEW_KEY, process_copy, use_process_file, with_docking_item, without_item


def test_demo_spreads_merchants_over_every_stage_and_status(session):
    assert demo.seed(session) == len(demo.MERCHANTS)
    merchants = session.exec(select(Merchant)).all()
    assert {m.current_stage for m in merchants} == set(range(len(default_process().stages) + 1))
    assert {m.status for m in merchants} == {"active", "on_hold", "launched", "withdrawn"}
    first, last = session.exec(select(func.min(HistoryEvent.created_at), func.max(HistoryEvent.created_at))).one()
    assert last - first > timedelta(weeks=3)
    assert demo.seed(session) == 0, "seeding twice adds nothing"


def test_the_demo_plan_is_keyed_by_item(session):
    demo.seed(session)
    process = default_process()
    for (name, *_), (last, _status) in zip(demo.MERCHANTS, demo.PLAN, strict=True):
        merchant = session.exec(select(Merchant).where(Merchant.name == name)).one()
        statuses = dict(
            session.exec(
                select(ChecklistItem.item_key, ChecklistItem.status).where(ChecklistItem.merchant_id == merchant.id)
            ).all()
        )
        for item in demo.planned_items(process, merchant, last):
            assert transitions.is_complete(statuses[item.key]), (name, item.key)
        if last not in (None, demo.EVERYTHING):
            assert transitions.is_complete(statuses[last]) or not process.item(last).applies_to(merchant), name


def test_the_demo_follows_a_changed_process_file(session, tmp_path, monkeypatch):
    edit = lambda text: without_item("self_test_screenshot")(with_docking_item(text))  # noqa: E731
    use_process_file(monkeypatch, process_copy(tmp_path, edit))
    assert demo.seed(session) == len(demo.MERCHANTS)
    process = default_process()
    assert NEW_KEY in process.keys and "self_test_screenshot" not in process.keys
    launched = session.exec(select(Merchant).where(Merchant.status == "launched")).all()
    assert len(launched) == sum(1 for _, status in demo.PLAN if status == "launched")
    assert all(merchant.current_stage == len(process.stages) for merchant in launched)
    for merchant in launched:
        view = checklist.derive_for(session, merchant, process)
        assert view.progress == 1.0


def test_the_demo_users_sign_in_with_the_passwords_made_for_them(session):
    demo.seed(session)
    people = demo.create_demo_users(session)
    assert [role for _, role, _ in people] == ["support", "merchant"]
    for email, role, password in people:
        assert len(password) >= 12
        auth.sign_in(session, email, password)
        user = session.exec(select(User).where(User.email == email)).one()
        assert user.role == role and user.password_hash != password
    merchant_user = session.exec(select(User).where(User.email == demo.DEMO_MERCHANT[2])).one()
    assert session.get(Merchant, merchant_user.merchant_id).name == demo.DEMO_MERCHANT[0]
    assert actor_for(merchant_user).merchant_id is not None
    assert demo.create_demo_users(session) == [], "a second run leaves the accounts and their passwords alone"


def test_no_demo_time_lies_in_the_future(session):
    from models import ChecklistItem, Comment, Submission
    from onboarding.core import clock

    now = clock.now()
    with clock.frozen_at(now):
        demo.seed(session)
    latest = {
        "last activity": session.exec(select(func.max(Merchant.last_activity_at))).one(),
        "stage entered": session.exec(select(func.max(Merchant.stage_entered_at))).one(),
        "history": session.exec(select(func.max(HistoryEvent.created_at))).one(),
        "item change": session.exec(select(func.max(ChecklistItem.updated_at))).one(),
        "submission": session.exec(select(func.max(Submission.created_at))).one(),
        "comment": session.exec(select(func.max(Comment.created_at))).one(),
    }
    assert {name: moment for name, moment in latest.items() if moment is not None and moment > now} == {}


def test_seed_demo_command_loads_the_data_and_prints_the_demo_passwords(data_dir):
    result = subprocess.run(
        [sys.executable, "-m", "onboarding", "seed-demo"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "ONBOARDING_DATA_DIR": str(data_dir)},
    )
    assert result.returncode == 0, result.stderr
    assert f"{len(demo.MERCHANTS)} merchants added" in result.stdout
    printed = dict(re.findall(r"^\s+(?:support|merchant)\s+(\S+@\S+)\s+(\S+)$", result.stdout, re.MULTILINE))
    assert set(printed) == {demo.DEMO_SUPPORT[1], demo.DEMO_MERCHANT[2]}
