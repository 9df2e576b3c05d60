"""Changes reach the people whose turn it is: by e-mail through the outbox, in their language, never twice."""

from sqlmodel import select

from models import ChecklistItem, Merchant, User
from models.notifications import OutboxMessage
from onboarding.accounts.users import create_user
from onboarding.core import clock
from onboarding.core.access import actor_for
from onboarding.notifications import outbox, preferences
from onboarding.operations import demo
from onboarding.process import checklist, comments, merchants
from onboarding.process.definition import default_process
from tests.mailbox import html_of, link_in, text_of
from tests.test_checklist import finish_stage


def _row(session, merchant_id, key) -> ChecklistItem:
    row = session.exec(
        select(ChecklistItem).where(ChecklistItem.merchant_id == merchant_id, ChecklistItem.item_key == key)
    ).one()
    session.refresh(row)
    return row


def _people(session, admin, merchant, language="en"):
    """A support owner for the merchant and one merchant user (with a password, in `language`)."""
    owner = create_user(session, admin, "li.wei@support.example.com", "Li Wei", "support", "a long support password")
    merchants.change_owner(session, admin, merchant.id, owner.id)
    person = create_user(
        session, admin, "emily@aurora.example.com", "Emily Carter", "merchant", "a long merchant password", merchant.id
    )
    person.language = language
    session.add(person)
    session.commit()
    return actor_for(owner), actor_for(person)


def _outbox(session, category=None) -> list[OutboxMessage]:
    query = select(OutboxMessage).order_by(OutboxMessage.id)
    if category:
        query = query.where(OutboxMessage.category == category)
    return list(session.exec(query))


def test_a_rejection_mails_the_merchant_the_reason_and_a_link_to_the_item(session, admin, merchant, mailbox):
    owner, person = _people(session, admin, merchant)
    row = _row(session, merchant.id, "sandbox_account_type")
    checklist.submit(session, person, row.id, row.version, "public")
    row = _row(session, merchant.id, "sandbox_account_type")
    checklist.reject(
        session, owner, row.id, row.version, "Please pick <b>self-registered</b>: you told us you have one."
    )
    assert outbox.deliver_due().sent == 2  # the owner heard of the submission, the merchant of the rejection
    (mail,) = mailbox.to("emily@aurora.example.com")
    assert mail["Subject"] == "Aurora Outdoor Gear: “Sandbox account type chosen” needs a change"
    assert "Please pick <b>self-registered</b>: you told us you have one." in text_of(mail)
    assert link_in(mail) == "http://localhost:8501/?item=sandbox_account_type"
    html = html_of(mail)
    assert "&lt;b&gt;self-registered&lt;/b&gt;" in html and "<b>self-registered</b>" not in html
    assert 'href="http://localhost:8501/?item=sandbox_account_type"' in html
    (told,) = mailbox.to("li.wei@support.example.com")
    assert "Emily Carter of Aurora Outdoor Gear handed in “Sandbox account type chosen”" in text_of(told)
    assert link_in(told) == f"http://localhost:8501/merchant?id={merchant.id}"


def test_mail_is_written_in_the_recipients_language(session, admin, merchant):
    owner, person = _people(session, admin, merchant, language="zh")
    row = _row(session, merchant.id, "sandbox_account_type")
    checklist.submit(session, person, row.id, row.version, "public")
    row = _row(session, merchant.id, "sandbox_account_type")
    checklist.reject(session, owner, row.id, row.version, "请选择自注册账户")
    (message,) = _outbox(session, "item_rejected")
    assert message.language == "zh"
    assert message.subject == "Aurora Outdoor Gear：“选择沙箱账户类型”需要修改"
    assert "请选择自注册账户" in message.body_text and "原因" in message.body_html


def test_without_smtp_messages_are_kept_readable_and_not_sent(session, admin, merchant):
    owner, person = _people(session, admin, merchant)
    comments.add_comment(session, owner, merchant.id, "Welcome aboard! Tell us when the sandbox works.")
    (message,) = _outbox(session, "support_message")
    assert message.status == "held" and message.to_address == "emily@aurora.example.com"
    assert outbox.deliver_due().sent == 0
    (entry,) = outbox.messages(session, admin)
    assert "Welcome aboard! Tell us when the sandbox works." in entry.text
    assert outbox.status_counts(session, admin)["held"] == 1


def test_messages_between_a_merchant_and_its_owner_go_both_ways_but_never_to_the_writer(session, admin, merchant):
    owner, person = _people(session, admin, merchant)
    comments.add_comment(session, person, merchant.id, "Which sandbox account should we use?")
    comments.add_comment(session, owner, merchant.id, "The public one is fine.")
    sent = [(m.category, m.to_address) for m in _outbox(session)]
    assert sent == [
        ("merchant_message", "li.wei@support.example.com"),
        ("support_message", "emily@aurora.example.com"),
    ]


def test_a_merchant_without_an_owner_reaches_the_admins(session, admin, merchant):
    person = actor_for(
        create_user(
            session, admin, "emily@aurora.example.com", "Emily", "merchant", "a long merchant password", merchant.id
        )
    )
    comments.add_comment(session, person, merchant.id, "Hello?")
    (message,) = _outbox(session, "merchant_message")
    assert message.to_address == "admin@example.com"


def test_a_category_turned_off_is_not_mailed_but_security_mail_always_is(session, admin, merchant):
    owner, person = _people(session, admin, merchant)
    assert preferences.enabled_categories(session, person) == set(preferences.MERCHANT_CATEGORIES)
    preferences.set_enabled_categories(session, person, {"item_rejected"})
    comments.add_comment(session, owner, merchant.id, "A message nobody is mailed about")
    assert _outbox(session, "support_message") == []
    assert preferences.turned_off(session, [person.id], "password_reset") == set()
    from onboarding.accounts import password_reset

    assert password_reset.request_reset(session, "emily@aurora.example.com")
    assert len(_outbox(session, "password_reset")) == 1


def test_opening_a_stage_and_going_live_tell_the_merchant(session, admin, merchant):
    owner, person = _people(session, admin, merchant)
    process = default_process()
    for stage in process.stages:
        finish_stage(session, admin, merchant, stage.index)
    opened = [m.subject for m in _outbox(session, "stage_opened")]
    assert opened == [
        f"Aurora Outdoor Gear: stage {number} “{process.stages[number - 1].title['en']}” is open"
        for number in (2, 3, 4, 5)
    ]
    assert {m.to_address for m in _outbox(session, "stage_opened")} == {"emily@aurora.example.com"}
    (live,) = _outbox(session, "went_live")
    assert live.subject == "Aurora Outdoor Gear is live with PingPong Checkout"
    assert session.get(Merchant, merchant.id).status == "launched"


def test_the_same_change_is_never_queued_twice(session, admin, merchant):
    owner, person = _people(session, admin, merchant)
    comment = comments.add_comment(session, owner, merchant.id, "Once")
    from onboarding.notifications import events

    assert events.comment_posted(session, owner, session.get(Merchant, merchant.id), comment) == 0
    session.commit()
    assert len(_outbox(session, "support_message")) == 1


def test_demo_data_tells_nobody_but_a_rejection_afterwards_reaches_the_merchant(session, admin, mailbox):
    demo.seed(session)
    assert _outbox(session) == []
    row = session.exec(select(ChecklistItem).where(ChecklistItem.status == "submitted")).first()
    merchant = session.get(Merchant, row.merchant_id)
    contact = session.exec(select(User).where(User.merchant_id == merchant.id)).first()
    owner = actor_for(session.get(User, merchant.owner_id))
    with clock.frozen_at(clock.now()):
        checklist.reject(session, owner, row.id, row.version, "The screenshot is cut off; show the whole page.")
    assert outbox.deliver_due().sent == 1
    (mail,) = mailbox.to(contact.email)
    assert "The screenshot is cut off; show the whole page." in text_of(mail)
    assert link_in(mail) == f"http://localhost:8501/?item={row.item_key}"


def test_every_category_and_status_has_its_texts_in_both_languages():
    from onboarding.core.i18n import catalogue

    keys = {f"notify.category.{c}" for c in preferences.CATEGORIES} | {
        f"outbox.kind.{c}" for c in preferences.CATEGORIES
    }
    keys |= {f"outbox.status.{status}" for status in outbox.STATUSES}
    for language in ("en", "zh"):
        assert sorted(keys - set(catalogue(language))) == [], language
