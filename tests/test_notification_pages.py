"""Notifications in the pages: My work and its count in the navigation, new messages first in the portal,
e-mail settings, the admins' outbox, forgotten passwords and invitations sent again."""

import dataclasses

from sqlmodel import select
from streamlit.testing.v1 import AppTest

from models import ChecklistItem, Invitation, User
from models.notifications import NotificationOptOut, OutboxMessage
from onboarding.accounts import invitations
from onboarding.accounts.users import SYSTEM, create_user
from onboarding.core.access import actor_for
from onboarding.process import checklist, comments, merchants
from onboarding.process.merchants import create_merchant
from tests.conftest import ROOT

APP = str(ROOT / "app.py")


def run_app(actor=None, page: str | None = None, **query) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    if actor is not None:
        at.session_state["actor"] = actor
    for key, value in query.items():
        at.query_params[key] = value
    if page:
        at.run()
        at.switch_page(page)
        for key, value in query.items():
            at.query_params[key] = value
    return at.run()


def _owner_and_contact(session, admin, merchant):
    owner = create_user(session, admin, "li.wei@support.example.com", "Li Wei", "support", "a long support password")
    merchants.change_owner(session, admin, merchant.id, owner.id)
    contact = create_user(
        session, SYSTEM, "emily@aurora.example.com", "Emily Carter", "merchant", "a long merchant password", merchant.id
    )
    return actor_for(owner), actor_for(contact)


def _navigation(at) -> list[str]:
    """The page titles the navigation shows (AppTest keeps what st.navigation registered)."""
    return [info["page_name"] for info in at._registered_pages.values()]


def _html(at) -> str:
    return "\n".join(element.proto.body for element in at.get("html"))


def test_my_work_lists_what_waits_on_me_and_the_navigation_counts_it(database_url, session, admin, merchant):
    owner, contact = _owner_and_contact(session, admin, merchant)
    row = session.exec(
        select(ChecklistItem).where(
            ChecklistItem.merchant_id == merchant.id, ChecklistItem.item_key == "sandbox_account_type"
        )
    ).one()
    checklist.submit(session, contact, row.id, row.version, "public")
    comments.add_comment(session, contact, merchant.id, "We chose the **public** account.")
    comments.add_comment(session, contact, merchant.id, "Is that right?")
    at = run_app(owner, "pages/my_work.py")
    assert not at.exception
    assert at.title[0].value == "My work"
    assert [metric.value for metric in at.metric] == ["2", "0", "2"]
    waiting = at.dataframe[0].value
    assert dict(zip(waiting["item"], waiting["what"], strict=True)) == {
        "Sandbox account type chosen": "Review",
        "Sandbox credentials work": "Run the check",
    }
    assert "Aurora Outdoor Gear" in _html(at) and "Is that right?" in _html(at)
    assert "My work (4)" in _navigation(at)
    next(button for button in at.button if button.label == "Mark as read").click().run()
    assert not at.exception
    assert [metric.value for metric in at.metric] == ["2", "0", "0"]
    assert "You have read every message of your merchants." in [caption.value for caption in at.caption]


def test_the_navigation_counts_only_what_waits_on_the_signed_in_person(database_url, session, admin, merchant):
    owner, contact = _owner_and_contact(session, admin, merchant)
    comments.add_comment(session, contact, merchant.id, "Hello support")
    at = run_app(owner)
    assert not at.exception
    assert "My work (2)" in _navigation(at)  # the message and the sandbox credentials check
    at = run_app(admin, "pages/my_work.py")
    assert "My work" in _navigation(at)  # the admin does not own the merchant
    assert [metric.value for metric in at.metric] == ["0", "0", "0"]
    assert "Nothing waits on you. Well done!" in [success.value for success in at.success]


def test_the_portal_shows_unread_support_messages_first_and_marks_them_read(database_url, session, admin, merchant):
    owner, contact = _owner_and_contact(session, admin, merchant)
    comments.add_comment(session, owner, merchant.id, "Please upload the **certificate** again.")
    at = run_app(contact)
    assert not at.exception
    assert at.subheader[0].value == "New from PingPong support (1)"
    assert "Please upload the **certificate** again." in [text.value for text in at.text]
    assert "Conversation (1 new)" in [tab.label for tab in at.tabs]
    next(button for button in at.button if button.label == "Mark as read").click().run()
    assert not at.exception
    assert "New from PingPong support (1)" not in [header.value for header in at.subheader]
    assert "Conversation" in [tab.label for tab in at.tabs]


def _top_level_keys(at) -> list[str]:
    return [getattr(block, "key", None) for block in at.main.children.values() if getattr(block, "key", None)]


def test_the_item_of_an_email_link_comes_first_in_the_portal(database_url, session, admin, merchant):
    owner, contact = _owner_and_contact(session, admin, merchant)
    row = session.exec(
        select(ChecklistItem).where(
            ChecklistItem.merchant_id == merchant.id, ChecklistItem.item_key == "sandbox_account_type"
        )
    ).one()
    checklist.submit(session, contact, row.id, row.version, "public")  # waits on support now: not "needed"
    assert "item_sandbox_account_type" not in _top_level_keys(run_app(contact))
    at = run_app(contact, item="sandbox_account_type")
    assert not at.exception
    assert _top_level_keys(at)[0] == "item_sandbox_account_type"


def test_people_choose_their_emails_and_cannot_turn_off_security_mail(database_url, session, admin, merchant):
    owner, contact = _owner_and_contact(session, admin, merchant)
    at = run_app(contact, notifications="settings")
    assert not at.exception
    boxes = {box.label: box for box in at.checkbox}
    assert boxes["Password reset"].disabled and boxes["Password reset"].value
    boxes["A new stage opens"].uncheck()
    boxes["A reminder when the next step is mine and nothing moved for a while"].uncheck()
    next(button for button in at.button if button.label == "Save e-mail settings").click().run()
    assert not at.exception
    off = set(session.exec(select(NotificationOptOut.category).where(NotificationOptOut.user_id == contact.id)))
    assert off == {"stage_opened", "reminder"}


def test_admins_read_the_outbox_without_smtp(database_url, session, admin, merchant):
    owner, contact = _owner_and_contact(session, admin, merchant)
    comments.add_comment(session, owner, merchant.id, "Welcome <script>alert(1)</script>")
    at = run_app(admin, "pages/admin.py")
    assert not at.exception
    assert "Outbox" in [tab.label for tab in at.tabs]
    assert any("SMTP_HOST is not set" in info.value for info in at.info)
    table = at.dataframe[-1].value
    assert list(table["to"]) == ["emily@aurora.example.com"] and list(table["status"]) == ["not sent (no SMTP)"]
    assert any("Welcome <script>alert(1)</script>" in text.value for text in at.text)
    assert "<script>" not in _html(at) and "&lt;script&gt;" in _html(at)


def test_the_sign_in_page_offers_a_forgotten_password_and_the_reset_form(database_url, session, admin):
    at = run_app()
    assert "href='/?forgot=1'" in _html(at)
    at = run_app(forgot="1")
    assert at.title[0].value == "Forgot your password?" and "action='/auth/forgot'" in _html(at)
    at = run_app(forgot="sent")
    assert any("If an account exists for that address" in info.value for info in at.info)
    at = run_app(reset="1", token="not-a-real-token")
    assert at.title[0].value == "Choose a new password"
    assert any("not valid" in error.value for error in at.error) and "action='/auth/reset'" not in _html(at)
    from onboarding.accounts import password_reset

    password_reset.request_reset(session, "admin@example.com")
    row = session.exec(select(OutboxMessage)).one()
    assert row.secret
    at = run_app(reset="done")
    assert any("Your password is changed" in success.value for success in at.success)


def test_staff_send_an_invitation_again_and_invite_a_waiting_account(database_url, session, admin, merchant_input):
    merchant = create_merchant(session, admin, dataclasses.replace(merchant_input, name="Kyoto Tea House"))
    waiting = User(email="haruto@kyoto.example.jp", name="Haruto", role="merchant", merchant_id=merchant.id)
    from onboarding.core import clock

    waiting.created_at = clock.now()
    session.add(waiting)
    session.commit()
    invitation, first_token = invitations.invite(session, admin, merchant.id, "haruto@kyoto.example.jp")
    at = run_app(admin, "pages/merchant.py", id=str(merchant.id))
    assert not at.exception
    next(button for button in at.button if button.label == "Send again").click().run()
    assert not at.exception
    assert "A new link was sent; the earlier one no longer works." in [success.value for success in at.success]
    session.expire_all()
    assert session.get(Invitation, invitation.id).token_hash != invitations.auth.token_hash(first_token)
    assert len(session.exec(select(OutboxMessage).where(OutboxMessage.category == "invitation")).all()) == 2


def test_the_navigation_figure_is_counted_in_sql_and_equals_what_my_work_lists(session):
    from onboarding.notifications import inbox
    from onboarding.operations import demo

    demo.seed(session)
    staff = session.exec(select(User).where(User.role.in_(("admin", "support")))).all()
    admin = create_user(session, SYSTEM, email="lead@support.example.com", name="Lead", role="admin", password="a" * 16)
    checked = 0
    for user in [*staff, admin]:
        actor = actor_for(user)
        listed = inbox.my_work(session, actor)
        assert inbox.my_work_total(session, actor) == listed.total
        checked += listed.total > 0
    assert checked >= 2, "the demo gives several people something to do"
