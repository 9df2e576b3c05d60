"""The mail outbox: messages written in the change's transaction, sent by a worker with retries, never twice."""

import hashlib
import logging
import smtplib
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import formatdate, parseaddr

from sqlalchemy import delete, func
from sqlmodel import Session, col, select

from models.db import session_for
from models.notifications import OutboxMessage
from onboarding.core import clock
from onboarding.core.access import Actor, require_admin
from onboarding.core.background import claim_attempt
from onboarding.core.config import get_settings
from onboarding.core.errors import NotFound, ValidationError
from onboarding.gateway.credentials import decrypt, encrypt
from onboarding.notifications.mail import Rendered
from onboarding.process import history

log = logging.getLogger("onboarding.notifications")

STATUSES = ("pending", "sent", "failed", "held")
# A claimed message is retried after this long if its sender died before recording the outcome.
CLAIM_SECONDS = 120
MAX_BACKOFF_SECONDS = 3600
BATCH = 50
KEEP_SENT_DAYS = 90


def _insert(session: Session):
    """INSERT … ON CONFLICT DO NOTHING for the session's database (both dialects spell it the same)."""
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(OutboxMessage)


def enqueue(
    session: Session,
    *,
    key: str,
    category: str,
    to_address: str,
    language: str,
    mail: Rendered,
    recipient_id: int | None = None,
    merchant_id: int | None = None,
    secret: bool = False,
) -> bool:
    """Add a message to the caller's transaction unless one with `key` exists; True when it is new."""
    now = clock.now()
    text, html = (encrypt(mail.text), encrypt(mail.html)) if secret else (mail.text, mail.html)
    statement = (
        _insert(session)
        .values(
            dedupe_key=key[:200],
            category=category,
            recipient_id=recipient_id,
            to_address=to_address,
            language=language,
            merchant_id=merchant_id,
            subject=mail.subject,
            body_text=text,
            body_html=html,
            secret=secret,
            status="pending" if get_settings().smtp_host else "held",
            attempts=0,
            next_attempt_at=now,
            created_at=now,
        )
        .on_conflict_do_nothing(index_elements=["dedupe_key"])
        .returning(OutboxMessage.__table__.c.id)  # rowcount is not reliable for this statement on every driver
    )
    return session.execute(statement).first() is not None


def backoff(attempts: int) -> timedelta:
    """How long to wait after the `attempts`-th failed attempt: doubling from the setting, at most an hour."""
    first = get_settings().outbox_retry_seconds
    return timedelta(seconds=min(first * 2 ** max(attempts - 1, 0), MAX_BACKOFF_SECONDS))


def _sender() -> str:
    settings = get_settings()
    return settings.smtp_sender or settings.smtp_user or "onboarding@localhost"


def build_message(row: OutboxMessage) -> EmailMessage:
    """The e-mail of an outbox row: plain text with an HTML alternative, a Message-ID from its dedupe key."""
    text, html = (decrypt(row.body_text), decrypt(row.body_html)) if row.secret else (row.body_text, row.body_html)
    sender = _sender()
    domain = parseaddr(sender)[1].rpartition("@")[2] or "localhost"
    message = EmailMessage()
    message["Subject"] = row.subject
    message["From"] = sender
    message["To"] = row.to_address
    message["Date"] = formatdate(usegmt=True)
    # the same message keeps the same id, so a receiver can drop a repeat after a crash between send and record
    message["Message-ID"] = f"<{hashlib.sha256(row.dedupe_key.encode()).hexdigest()[:32]}@{domain}>"
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    return message


def _connect() -> smtplib.SMTP:
    settings = get_settings()
    if settings.smtp_port == 465:
        client = smtplib.SMTP_SSL(settings.smtp_host, settings.smtp_port, timeout=10)
    else:
        client = smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=10)
        if settings.smtp_user:
            client.starttls()
    if settings.smtp_user:
        client.login(settings.smtp_user, settings.smtp_password or "")
    return client


def _due(session: Session, now: datetime) -> list[OutboxMessage]:
    return list(
        session.exec(
            select(OutboxMessage)
            .where(OutboxMessage.status == "pending", OutboxMessage.next_attempt_at <= now)
            .order_by(col(OutboxMessage.next_attempt_at), col(OutboxMessage.id))
            .limit(BATCH)
        )
    )


def _claim(session: Session, row: OutboxMessage) -> bool:
    """Take one attempt of the row, so that two workers never send the same attempt."""
    return claim_attempt(session, row, col(OutboxMessage.status) == "pending", CLAIM_SECONDS)


def _record(session: Session, row_id: int, error: str | None, permanent: bool = False) -> str:
    """Write the outcome of an attempt: sent, retried later, or failed for good."""
    row = session.get(OutboxMessage, row_id)
    session.refresh(row)
    now = clock.now()
    if error is None:
        row.status, row.sent_at, row.last_error = "sent", now, None
        if row.secret:
            row.body_text = row.body_html = ""  # the link inside is no longer needed anywhere
    elif permanent or row.attempts >= get_settings().outbox_max_attempts:
        row.status, row.last_error = "failed", error[:1000]
    else:
        row.next_attempt_at, row.last_error = now + backoff(row.attempts), error[:1000]
    session.add(row)
    session.commit()
    return row.status if error is None or row.status == "failed" else "retry"


@dataclass
class Round:
    """What one delivery round did."""

    sent: int = 0
    retried: int = 0
    failed: int = 0


def deliver_due(database_url: str | None = None) -> Round:
    """Send every due message once over one SMTP connection; nothing is sent without SMTP_HOST."""
    outcome = Round()
    if not get_settings().smtp_host:
        return outcome
    url = database_url or get_settings().resolved_database_url
    with session_for(url) as session:
        due = _due(session, clock.now())
        if not due:
            return outcome
        try:
            client = _connect()
        except (OSError, smtplib.SMTPException) as error:
            # the server is down: every due message waits its turn, and nothing is lost
            reason = f"SMTP unavailable: {error}"
            for row in due:
                if _claim(session, row):
                    _count(outcome, _record(session, row.id, reason))
            log.warning("outbox: %s (%d messages wait)", reason, len(due))
            return outcome
        try:
            for row in due:
                if not _claim(session, row):
                    continue  # another worker took it
                try:
                    client.send_message(build_message(row), from_addr=parseaddr(_sender())[1] or None)
                except smtplib.SMTPRecipientsRefused as error:
                    _count(outcome, _record(session, row.id, f"recipient refused: {error.recipients}", True))
                except smtplib.SMTPResponseException as error:
                    # even a 5xx may be the server's own trouble: retried until OUTBOX_MAX_ATTEMPTS, never lost at once
                    _count(outcome, _record(session, row.id, f"SMTP {error.smtp_code}: {error.smtp_error!r}"))
                except (OSError, smtplib.SMTPException) as error:
                    _count(outcome, _record(session, row.id, f"SMTP failed: {error}"))
                    break  # the connection is gone; the rest are still due for the next round
                else:
                    _count(outcome, _record(session, row.id, None))
        finally:
            try:
                client.quit()
            except (OSError, smtplib.SMTPException):
                pass
    return outcome


def drain(database_url: str | None = None) -> Round:
    """Deliver rounds until nothing due is left (or a round sends nothing); the totals of all rounds."""
    total = Round()
    while True:
        outcome = deliver_due(database_url)
        total.sent, total.retried, total.failed = (
            total.sent + outcome.sent,
            total.retried + outcome.retried,
            total.failed + outcome.failed,
        )
        if outcome.sent == 0 or outcome.sent + outcome.retried + outcome.failed < BATCH:
            return total


def _count(outcome: Round, status: str) -> None:
    if status == "sent":
        outcome.sent += 1
    elif status == "failed":
        outcome.failed += 1
    else:
        outcome.retried += 1


def next_due_in(database_url: str) -> float | None:
    """Seconds until the next pending message is due, or None when nothing is pending."""
    with session_for(database_url) as session:
        due = session.exec(
            select(func.min(OutboxMessage.next_attempt_at)).where(OutboxMessage.status == "pending")
        ).first()
    if due is None:
        return None
    due = due if due.tzinfo else due.replace(tzinfo=clock.now().tzinfo)
    return max(0.0, (due - clock.now()).total_seconds())


@dataclass(frozen=True)
class OutboxEntry:
    """An outbox message as the Admin page shows it; a secret one never shows its bodies."""

    id: int
    created_at: datetime
    category: str
    to_address: str
    language: str
    subject: str
    status: str
    attempts: int
    next_attempt_at: datetime | None
    sent_at: datetime | None
    last_error: str | None
    secret: bool
    text: str | None
    html: str | None


def messages(session: Session, actor: Actor, status: str | None = None, limit: int = 500) -> list[OutboxEntry]:
    """The newest outbox messages (admins only), optionally of one status."""
    require_admin(actor)
    query = select(OutboxMessage).order_by(col(OutboxMessage.id).desc()).limit(limit)
    if status:
        query = query.where(OutboxMessage.status == status)
    return [
        OutboxEntry(
            row.id,
            row.created_at,
            row.category,
            row.to_address,
            row.language,
            row.subject,
            row.status,
            row.attempts,
            row.next_attempt_at if row.status == "pending" else None,
            row.sent_at,
            row.last_error,
            row.secret,
            None if row.secret else row.body_text,
            None if row.secret else row.body_html,
        )
        for row in session.exec(query)
    ]


def status_counts(session: Session, actor: Actor) -> dict[str, int]:
    """How many messages are in each status (admins only)."""
    require_admin(actor)
    rows = session.exec(select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)).all()
    return dict.fromkeys(STATUSES, 0) | dict(rows)


def send_again(session: Session, actor: Actor, message_id: int) -> None:
    """Queue a failed or held message again (admins only; needs SMTP_HOST)."""
    require_admin(actor)
    if not get_settings().smtp_host:
        raise ValidationError("notify.error.no_smtp")
    row = session.get(OutboxMessage, message_id)
    if row is None:
        raise NotFound("notify.error.message_not_found")
    if row.status not in ("failed", "held"):
        raise ValidationError("notify.error.not_retryable")
    row.status, row.attempts, row.next_attempt_at, row.last_error = "pending", 0, clock.now(), None
    session.add(row)
    history.record(session, actor, "mail_queued_again", row.merchant_id, to=row.to_address, subject=row.subject)
    session.commit()


def prune(session: Session, now: datetime | None = None) -> int:
    """Forget sent messages older than KEEP_SENT_DAYS; returns how many."""
    cutoff = (now or clock.now()) - timedelta(days=KEEP_SENT_DAYS)
    result = session.execute(
        delete(OutboxMessage).where(col(OutboxMessage.status) == "sent", col(OutboxMessage.sent_at) < cutoff)
    )
    session.commit()
    return result.rowcount
