"""Accounts in the UI: first-run admin, role-built navigation, the merchant portal and the review queue."""

import dataclasses
import subprocess
import sys

import pytest
from sqlmodel import select
from streamlit.testing.v1 import AppTest

from models import ChecklistItem, User
from onboarding.accounts.users import SYSTEM, create_user
from onboarding.core.access import Actor, actor_for
from onboarding.process import checklist, comments
from onboarding.process.merchants import create_merchant
from tests.conftest import ROOT

APP = str(ROOT / "app.py")


def run_app(actor: Actor | None = None, page: str | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    if actor is not None:
        at.session_state["actor"] = actor
    if page:
        at.run()  # app.py builds the navigation first, as in a browser
        at.switch_page(page)
    return at.run()


def test_first_start_offers_only_the_first_admin_form(database_url, session):
    at = run_app()
    assert not at.exception
    assert at.title[0].value == "Create the first admin"
    labels = [box.label for box in at.text_input]
    assert labels == ["Your name", "E-mail", "Password", "Password again"]
    at.text_input[0].input("Mei Lin")
    at.text_input[1].input("mei@support.example.com")
    at.text_input[2].input("short")
    at.text_input[3].input("short")
    at.button[0].click().run()
    assert any("at least 12 characters" in e.value for e in at.error)
    assert session.exec(select(User)).all() == []
    at.text_input[2].input("a really long password")
    at.text_input[3].input("a really long password")
    at.button[0].click().run()
    admin = session.exec(select(User)).one()
    assert (admin.role, admin.email) == ("admin", "mei@support.example.com")
    assert at.title[0].value == "Sign in"


def test_signed_out_visitors_see_the_sign_in_form_only(database_url, session, admin):
    at = run_app()
    assert at.title[0].value == "Sign in"
    assert any("action='/auth/login'" in html.proto.body for html in at.get("html"))


def _merchant_with_user(session, admin, merchant_input, name):
    merchant = create_merchant(session, admin, dataclasses.replace(merchant_input, name=name), allow_duplicate=True)
    user = create_user(
        session,
        SYSTEM,
        email=f"dev@{name.split()[0].lower()}.example.com",
        name=f"Dev of {name}",
        role="merchant",
        password="merchant password 1",
        merchant_id=merchant.id,
    )
    return merchant, actor_for(user)


def test_the_portal_shows_a_merchant_only_its_own_onboarding(database_url, session, admin, merchant_input):
    mine, me = _merchant_with_user(session, admin, merchant_input, "Aurora Outdoor Gear")
    other, _ = _merchant_with_user(session, admin, merchant_input, "Kyoto Tea House")
    comments.add_comment(session, admin, other.id, "Secret note for Kyoto")
    row = session.exec(
        select(ChecklistItem).where(
            ChecklistItem.merchant_id == mine.id, ChecklistItem.item_key == "sandbox_account_type"
        )
    ).one()
    checklist.submit(session, me, row.id, row.version, "public")
    session.refresh(row)
    checklist.reject(session, admin, row.id, row.version, "Please register your own sandbox account")
    at = run_app(me)
    assert not at.exception
    assert at.title[0].value == "Aurora Outdoor Gear: my onboarding"
    page_text = " ".join(str(element.value) for element in at.markdown) + " ".join(e.value for e in at.error)
    assert "Please register your own sandbox account" in page_text
    assert "Kyoto" not in page_text and "Secret note" not in page_text
    # staff pages are not even registered in a merchant's navigation
    for staff_page in ("pages/pipeline.py", "pages/review_queue.py", "pages/admin.py"):
        with pytest.raises(ValueError, match=r"Known pages: \['[^']*pages/portal.py'\]"):
            at.switch_page(staff_page)


def test_review_queue_approves_and_rejects(database_url, session, admin, merchant_input):
    first, dev_one = _merchant_with_user(session, admin, merchant_input, "Aurora Outdoor Gear")
    second, dev_two = _merchant_with_user(session, admin, merchant_input, "Kyoto Tea House")
    rows = []
    for merchant, dev in ((first, dev_one), (second, dev_two)):
        row = session.exec(
            select(ChecklistItem).where(
                ChecklistItem.merchant_id == merchant.id, ChecklistItem.item_key == "sandbox_account_type"
            )
        ).one()
        checklist.submit(session, dev, row.id, row.version, "public")
        rows.append(row)
    at = run_app(admin, "pages/review_queue.py")
    assert not at.exception
    assert any("2 submissions from 2 merchants wait" in caption.value for caption in at.caption)
    next(b for b in at.button if b.label == "Approve").click().run()
    next(b for b in at.button if b.label == "Reject…").click().run()
    next(a for a in at.text_area if a.label.startswith("Reason")).input("Use your own account")
    next(b for b in at.button if b.label == "Reject").click().run()
    assert not at.exception
    for row in rows:
        session.refresh(row)
    assert sorted(row.status for row in rows) == ["approved", "rejected"]
    assert any(row.rejection_reason == "Use your own account" for row in rows)
    assert "Nothing waits for review" in at.success[0].value


def test_create_user_command_reads_the_password_from_standard_input(data_dir):
    result = subprocess.run(
        [sys.executable, "-m", "onboarding", "create-user", "--email", "ops@support.example.com", "--role", "support"],
        input="a support password\n",
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**__import__("os").environ, "ONBOARDING_DATA_DIR": str(data_dir)},
    )
    assert result.returncode == 0, result.stderr
    assert "Created support ops@support.example.com" in result.stdout
    short = subprocess.run(
        [sys.executable, "-m", "onboarding", "create-user", "--email", "x@support.example.com", "--role", "merchant"],
        input="a merchant password\n",
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**__import__("os").environ, "ONBOARDING_DATA_DIR": str(data_dir)},
    )
    assert short.returncode == 2 and "needs its merchant" in short.stderr


def test_a_merchant_message_reaches_support_and_nobody_else(database_url, session, admin, merchant_input):
    mine, me = _merchant_with_user(session, admin, merchant_input, "Aurora Outdoor Gear")
    other, _ = _merchant_with_user(session, admin, merchant_input, "Kyoto Tea House")
    at = run_app(me)
    next(a for a in at.text_area if a.label == "Message to PingPong support").input("Our sandbox salt changed")
    next(b for b in at.button if b.label == "Send").click().run()
    assert not at.exception
    assert [c.body for c in comments.comments_for(session, admin, mine.id)] == ["Our sandbox salt changed"]
    assert comments.comments_for(session, admin, other.id) == []
    staff = run_app(admin, "pages/merchant.py")
    staff.query_params["id"] = str(mine.id)
    staff.run()
    assert any("Our sandbox salt changed" in m.value for m in staff.text), "shown as plain text"
