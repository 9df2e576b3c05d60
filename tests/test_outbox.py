"""The outbox loses nothing while the mail server is down, sends each message once, and keeps links secret."""

import threading
from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import Session, select

from models.db import dispose_engines, get_engine
from models.notifications import OutboxMessage
from onboarding.core import clock
from onboarding.core.access import Actor
from onboarding.core.config import get_settings
from onboarding.core.errors import AccessDenied, ValidationError
from onboarding.notifications import outbox
from onboarding.notifications.mail import Content, render
from tests.mailbox import Mailbox, html_of, text_of


def _queue(session, count: int, secret: bool = False, to: str = "emily@aurora.example.com") -> None:
    for number in range(count):
        mail = render(
            Content("en", f"Message {number}", "Hello Emily,", [f"Body {number}"], "Open", "http://localhost:8501/")
        )
        outbox.enqueue(
            session,
            key=f"test:{number}",
            category="support_message",
            to_address=to,
            language="en",
            mail=mail,
            secret=secret,
        )
    session.commit()


def _rows(session) -> list[OutboxMessage]:
    session.expire_all()
    return list(session.exec(select(OutboxMessage).order_by(OutboxMessage.id)))


def test_smtp_down_then_up_delivers_every_queued_message_once(session, monkeypatch):
    box = Mailbox()  # not started: nothing listens on its port yet
    for name, value in box.env.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    _queue(session, 3)
    down = outbox.deliver_due()
    assert (down.sent, down.retried) == (0, 3)
    assert all(
        row.status == "pending" and row.attempts == 1 and "SMTP unavailable" in row.last_error for row in _rows(session)
    )
    assert outbox.deliver_due().retried == 0  # waiting out the pause: not due yet
    box.start()
    try:
        with clock.frozen_at(clock.now() + timedelta(minutes=5)):
            assert outbox.deliver_due().sent == 3
            assert outbox.deliver_due().sent == 0
        assert sorted(m["Subject"] for m in box.messages) == ["Message 0", "Message 1", "Message 2"]
        assert all(row.status == "sent" and row.sent_at is not None for row in _rows(session))
    finally:
        box.stop()


def test_a_retry_waits_twice_as_long_each_time_up_to_an_hour(monkeypatch):
    monkeypatch.setenv("OUTBOX_RETRY_SECONDS", "30")
    get_settings.cache_clear()
    assert [outbox.backoff(n).total_seconds() for n in (1, 2, 3, 4)] == [30, 60, 120, 240]
    assert outbox.backoff(20) == timedelta(hours=1)
    get_settings.cache_clear()


def test_after_the_last_attempt_a_message_is_failed_and_an_admin_can_queue_it_again(session, admin, monkeypatch):
    monkeypatch.setenv("OUTBOX_MAX_ATTEMPTS", "2")
    box = Mailbox()
    for name, value in box.env.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    _queue(session, 1)
    outbox.deliver_due()
    with clock.frozen_at(clock.now() + timedelta(hours=2)):
        outbox.deliver_due()
    (row,) = _rows(session)
    assert (row.status, row.attempts) == ("failed", 2)
    with pytest.raises(AccessDenied):
        outbox.send_again(session, Actor(id=None, name="Li", role="support"), row.id)
    outbox.send_again(session, admin, row.id)
    box.start()
    try:
        assert outbox.deliver_due().sent == 1
    finally:
        box.stop()
    with pytest.raises(ValidationError):
        outbox.send_again(session, admin, row.id)  # sent: nothing to send again


def test_a_refused_recipient_fails_at_once_without_retries(session, mailbox):
    async def refuse(server, session_, envelope, address, options):
        return "550 no such mailbox" if address.startswith("nobody@") else "250 OK"

    mailbox.handle_RCPT = refuse
    _queue(session, 1, to="nobody@aurora.example.com")
    assert outbox.deliver_due().failed == 1
    (row,) = _rows(session)
    assert row.status == "failed" and "refused" in row.last_error


def test_two_workers_at_once_send_each_message_once(session, mailbox, database_url):
    _queue(session, 20)
    results = []
    start = threading.Barrier(2)

    def work():
        start.wait()
        results.append(outbox.deliver_due(database_url).sent)

    workers = [threading.Thread(target=work) for _ in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert sum(results) == 20
    assert sorted(int(m["Subject"].split()[-1]) for m in mailbox.messages) == list(range(20))


def test_the_mail_is_multipart_with_a_stable_message_id(session, mailbox):
    _queue(session, 1)
    outbox.deliver_due()
    (mail,) = mailbox.messages
    assert mail.is_multipart() and "Body 0" in text_of(mail) and "<p" in html_of(mail)
    assert mail["From"] == "onboarding@pingpong.example" and mail["Auto-Submitted"] == "auto-generated"
    (row,) = _rows(session)
    assert outbox.build_message(row)["Message-ID"] == mail["Message-ID"]


@pytest.mark.sqlite_only  # reads the SQLite file itself
def test_a_secret_message_is_stored_encrypted_shown_to_nobody_and_wiped_once_sent(
    session, admin, mailbox, database_url
):
    mail = render(
        Content("en", "Reset", "Hello,", ["Use the link"], "Go", "http://localhost:8501/?token=SECRET-TOKEN-123")
    )
    outbox.enqueue(
        session,
        key="secret",
        category="password_reset",
        to_address="a@b.example",
        language="en",
        mail=mail,
        secret=True,
    )
    session.commit()
    (entry,) = outbox.messages(session, admin)
    assert entry.secret and entry.text is None and entry.html is None
    with Session(get_engine(database_url)) as other:
        other.exec(select(OutboxMessage)).all()
    dispose_engines()
    assert b"SECRET-TOKEN-123" not in Path(database_url.split("///", 1)[1]).read_bytes()
    assert outbox.deliver_due().sent == 1
    assert "SECRET-TOKEN-123" in text_of(mailbox.messages[0])
    (row,) = _rows(session)
    assert row.body_text == "" and row.body_html == ""


def test_sent_messages_older_than_ninety_days_are_pruned_and_others_kept(session, mailbox):
    with clock.frozen_at(clock.now() - timedelta(days=100)):
        _queue(session, 2)
        outbox.deliver_due()
    mail = render(Content("en", "Recent", "Hello,", ["Body"]))
    outbox.enqueue(session, key="recent", category="digest", to_address="a@b.example", language="en", mail=mail)
    session.commit()
    outbox.deliver_due()
    assert outbox.prune(session) == 2
    assert [row.subject for row in _rows(session)] == ["Recent"]
