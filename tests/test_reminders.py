"""Daily reminders and digests: the merchants whose turn it is and the staff owners hear once a day, never twice."""

import os
import subprocess
import sys
import threading
from datetime import timedelta

from sqlmodel import select

from models import ChecklistItem, Merchant, User
from models.notifications import OutboxMessage
from onboarding.core import clock
from onboarding.core.access import actor_for
from onboarding.core.config import get_settings
from onboarding.notifications import daily, lease, preferences, reminders
from onboarding.operations import demo
from onboarding.process import transitions
from onboarding.process.definition import default_process
from tests.conftest import ROOT
from tests.mailbox import link_in, text_of


def _send_reminders() -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "onboarding", "send-reminders"],
        cwd=ROOT,
        env=dict(os.environ),
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_send_reminders_mails_waiting_merchants_and_staff_digests_and_nothing_new_the_same_day(session, mailbox):
    demo.seed(session)
    first = _send_reminders()
    assert first.returncode == 0, first.stderr
    reminded = [m for m in mailbox.messages if "waits for you" in m["Subject"]]
    digests = [m for m in mailbox.messages if m["Subject"].startswith("Your onboarding digest")]
    assert reminded, first.stdout
    staff = {email for _, email, _ in demo.STAFF}
    assert {m["To"] for m in digests} == staff  # every demo owner has merchants that need action
    assert f"Queued {len(reminded)} reminders and {len(digests)} digests" in first.stdout
    assert f"Sent {len(mailbox.messages)} messages" in first.stdout
    reminder = reminded[0]
    merchant = session.exec(select(Merchant).where(Merchant.name == reminder["Subject"].split(":")[0])).one()
    assert "Nothing has moved for" in text_of(reminder) and "the next step is yours" in text_of(reminder)
    assert link_in(reminder).startswith("http://localhost:8501/")
    assert (clock.now() - merchant.last_activity_at.replace(tzinfo=clock.now().tzinfo)).days >= get_settings().idle_days
    second = _send_reminders()
    assert second.returncode == 0, second.stderr
    assert "Queued 0 reminders and 0 digests" in second.stdout
    assert len(mailbox.messages) == len(reminded) + len(digests)


def test_a_merchant_is_reminded_at_most_once_a_day_and_again_the_next_day(session):
    demo.seed(session)
    now = clock.now().replace(hour=8)
    first = reminders.send_reminders(session, now)
    assert first.reminders > 0
    assert reminders.send_reminders(session, now) == reminders.Summary(0, 0)
    reminders.send_reminders(session, now + timedelta(hours=3))  # later that day: only newly idle merchants
    keys = session.exec(select(OutboxMessage.dedupe_key).where(OutboxMessage.category == "reminder")).all()
    per_merchant_day = {key.rsplit(":u", 1)[0] for key in keys}
    assert len(per_merchant_day) == len(keys)  # one each: every demo merchant has one contact
    assert reminders.send_reminders(session, now + timedelta(days=1)).reminders >= first.reminders


def test_only_idle_merchants_whose_turn_it_is_are_reminded_with_the_reasons_of_rejections(session):
    demo.seed(session)
    reminders.send_reminders(session)
    mails = {
        row.merchant_id: row for row in session.exec(select(OutboxMessage).where(OutboxMessage.category == "reminder"))
    }
    assert mails
    now = clock.now()
    for merchant in session.exec(select(Merchant)):
        quiet = (now - merchant.last_activity_at.replace(tzinfo=now.tzinfo)).days >= get_settings().idle_days
        theirs = [
            row
            for row in session.exec(
                select(ChecklistItem).where(
                    ChecklistItem.merchant_id == merchant.id,
                    ChecklistItem.stage_index == merchant.current_stage,
                    ChecklistItem.status.in_(("todo", "rejected")),
                )
            )
            if (item := default_process().item(row.item_key)).owner == "merchant" and item.applies_to(merchant)
        ]
        # whose turn: the party of the current stage's first open required item, in process order
        rows = {
            row.item_key: row
            for row in session.exec(
                select(ChecklistItem).where(
                    ChecklistItem.merchant_id == merchant.id, ChecklistItem.stage_index == merchant.current_stage
                )
            )
        }
        turn = transitions.whose_turn(
            (item.owner, rows[item.key].status)
            for item in default_process().items
            if item.key in rows and item.required and item.applies_to(merchant)
        )
        if merchant.id not in mails:
            assert merchant.status != "active" or not quiet or turn != "merchant"
            continue
        assert merchant.status == "active" and quiet and turn == "merchant" and theirs
        for row in theirs:
            if row.status == "rejected":
                assert row.rejection_reason in mails[merchant.id].body_text


def test_people_who_turned_reminders_or_digests_off_get_none(session):
    demo.seed(session)
    contacts = list(session.exec(select(User).where(User.role == "merchant")))
    staff = list(session.exec(select(User).where(User.role.in_(("admin", "support")))))
    for user in contacts:
        preferences.set_enabled_categories(session, actor_for(user), set())
    for user in staff:
        preferences.set_enabled_categories(session, actor_for(user), {"merchant_message"})
    assert reminders.send_reminders(session) == reminders.Summary(0, 0)


def test_a_digest_lists_what_waits_on_the_owner(session, admin):
    demo.seed(session)
    owner = session.exec(select(User).where(User.email == "li.wei@support.example.com")).one()
    submitted = session.exec(
        select(ChecklistItem, Merchant)
        .join(Merchant, Merchant.id == ChecklistItem.merchant_id)
        .where(ChecklistItem.status == "submitted", Merchant.owner_id == owner.id, Merchant.status == "active")
    ).first()
    reminders.send_reminders(session)
    (digest,) = session.exec(select(OutboxMessage).where(OutboxMessage.to_address == owner.email)).all()
    assert "Submissions to review" in digest.body_text or submitted is None
    if submitted is not None:
        assert submitted[1].name in digest.body_text
    assert f"{get_settings().public_url}/my-work" in digest.body_text


def test_the_daily_run_waits_for_its_hour_and_runs_once_across_instances(session, database_url, monkeypatch):
    monkeypatch.setenv("REMINDERS_HOUR", "7")
    get_settings.cache_clear()
    demo.seed(session)
    morning = clock.now().replace(hour=6, minute=59)
    assert daily.run_if_due(database_url, morning, holder="a") is None
    later = morning.replace(hour=7, minute=1)
    results = {}
    start = threading.Barrier(3)

    def instance(name):
        start.wait()
        results[name] = daily.run_if_due(database_url, later, holder=name)

    threads = [threading.Thread(target=instance, args=(name,)) for name in ("a", "b", "c")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    ran = [name for name, summary in results.items() if summary is not None]
    assert len(ran) == 1 and results[ran[0]].reminders > 0
    assert daily.run_if_due(database_url, later + timedelta(hours=5), holder="a") is None  # done today
    assert lease.state(session, daily.JOB).last_done_on == later.date()
    assert daily.run_if_due(database_url, later + timedelta(days=1), holder="b") is not None


def test_a_lease_left_by_a_dead_instance_is_taken_over_after_it_expires(session):
    today = clock.now().date()
    assert lease.acquire(session, "job", "dead", timedelta(minutes=15), today)
    assert not lease.acquire(session, "job", "alive", timedelta(minutes=15), today)
    later = clock.now() + timedelta(minutes=16)
    assert lease.acquire(session, "job", "alive", timedelta(minutes=15), today, later)
    lease.complete(session, "job", "alive", today)
    assert not lease.acquire(session, "job", "dead", timedelta(minutes=15), today, later)


def test_a_flag_names_only_what_is_wrong_in_either_language():
    from onboarding.notifications import inbox

    row = {"over_sla": True, "idle": False, "days_in_stage": 8, "sla_days": 7, "days_idle": 0}
    assert inbox.flag_reason(row, "en") == "8 days in stage (SLA 7 days)"
    row |= {"idle": True, "days_idle": 9}
    assert inbox.flag_reason(row, "en") == "8 days in stage (SLA 7 days); no activity for 9 days"
    assert inbox.flag_reason(row | {"over_sla": False}, "zh") == "9 天无动态"
    assert inbox.flag_reason(row, "zh") == "本阶段已 8 天（SLA 7 天）；9 天无动态"
