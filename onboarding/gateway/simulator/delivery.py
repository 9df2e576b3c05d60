"""Signed notifications the simulator owes: an outbox in the database, retried on the documented schedule."""

import json
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from sqlmodel import Session, col, select

from models.db import session_for
from models.gateway import SimAccount, SimNotification
from models.observatory import SimNotificationAttempt
from onboarding.core import clock
from onboarding.core.background import PerDatabase, claim_attempt
from onboarding.core.config import get_settings
from onboarding.core.logs import get_logger
from onboarding.gateway import coverage, outbound
from onboarding.gateway.client import VERSION, biz_json
from onboarding.gateway.notifications import counts_as_received
from onboarding.gateway.runs import NOTIFY_PATH
from onboarding.gateway.signature import signed
from onboarding.gateway.simulator.rules import NOTIFICATION_SCHEDULE

LEASE_SECONDS = 60
POLL_SECONDS = 1.0
MAX_ANSWER = 200
REACHABLE = (
    "Notifications go to public HTTPS addresses, the app's own receiver, or a local receiver an admin allowed "
    "for this sandbox account."
)

log = get_logger("simulator")


def enqueue(
    session: Session,
    account,
    url: str,
    biz: dict,
    sign_type: str = "SHA256",
    *,
    request_log_id: int | None = None,
    due_at: datetime | None = None,
) -> SimNotification:
    """Owe `url` a notification of `biz`, signed like the merchant's call; sent by the worker at `due_at` (now)."""
    envelope = signed(
        {
            "accId": account.acc_id,
            "clientId": account.client_id,
            "signType": sign_type if sign_type in ("SHA256", "MD5") else "SHA256",
            "version": VERSION,
            "bizContent": biz_json(biz),
        },
        account.salt,
    )
    now = clock.now()
    row = SimNotification(
        acc_id=account.acc_id,
        url=url,
        body=json.dumps(envelope, ensure_ascii=False),
        next_attempt_at=due_at or now,
        created_at=now,
        merchant_id=getattr(account, "merchant_id", None),
        request_log_id=request_log_id,
        notify_type=str(biz.get("notifyType") or "")[:20] or None,
    )
    session.add(row)
    return row


def _endpoint(url: str) -> tuple[str, str, int, str, str] | None:
    """Scheme, host, port, path and query of a URL, for exact comparisons (None when it is no URL)."""
    try:
        parts = urlsplit((url or "").strip())
        port = parts.port or (443 if parts.scheme.lower() == "https" else 80)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    return parts.scheme.lower(), parts.hostname.lower(), port, parts.path or "/", parts.query


def own_receivers() -> set[tuple]:
    """The app's own notification receiver under every name it answers to: exact scheme, host, port and path."""
    settings = get_settings()
    names = {
        f"{settings.public_url}{NOTIFY_PATH}",
        f"{settings.local_url}{NOTIFY_PATH}",
        f"http://127.0.0.1:{settings.port}{NOTIFY_PATH}",
        f"http://[::1]:{settings.port}{NOTIFY_PATH}",
    }
    return {endpoint for endpoint in map(_endpoint, names) if endpoint is not None}


def may_reach_privately(url: str, account: SimAccount | None) -> bool:
    """Whether `url` may be reached on loopback or a private address over plain http.

    Only the app's own receiver (exact host and port), or the one local receiver an admin allowed for the account.
    """
    endpoint = _endpoint(url)
    if endpoint is None:
        return False
    if endpoint in own_receivers():
        return True
    return bool(
        account is not None
        and account.local_receiver_allowed
        and account.local_receiver_url
        and _endpoint(account.local_receiver_url) == endpoint
    )


@dataclass
class Attempt:
    """What one delivery attempt found."""

    delivered: bool
    http_status: int | None = None
    answer: str | None = None
    error: str | None = None

    @property
    def summary(self) -> str:
        if self.error:
            return self.error
        return f"HTTP {self.http_status} {self.answer!r}"


def attempt(url: str, body: str, private_allowed: bool = False, **guard) -> Attempt:
    """POST the notification once; received when the answer is 2xx and its body is not FAIL."""
    # public addresses over HTTPS always; loopback only where allowed (or where the tests-only setting says so)
    allow = True if private_allowed else None
    try:
        fetched = outbound.request(
            "POST",
            url,
            json_body=json.loads(body),
            follow_redirects=False,
            allow_private=allow,
            max_bytes=64 * 1024,
            **guard,
        )
    except outbound.OutboundRefused as error:
        # not sent at all: say which addresses the simulator reaches, and what was wrong with this one
        return Attempt(False, error=f"refused: {error} {REACHABLE}")
    except outbound.OutboundFailed as error:
        return Attempt(False, error=f"failed: {error}")
    answer = fetched.text.strip()
    return Attempt(counts_as_received(fetched.status, answer), fetched.status, answer[:MAX_ANSWER])


def _claim(session: Session, row: SimNotification) -> bool:
    """Take one attempt of the row (optimistically, so two processes never send the same attempt)."""
    return claim_attempt(session, row, col(SimNotification.state) == "pending", LEASE_SECONDS)


def deliver_due(database_url: str) -> int:
    """Send every notification that is due once; returns how many attempts were made."""
    made = 0
    with session_for(database_url) as session:
        due = list(
            session.exec(
                select(SimNotification)
                .where(SimNotification.state == "pending", SimNotification.next_attempt_at <= clock.now())
                .order_by(col(SimNotification.next_attempt_at))
                .limit(50)
            )
        )
    merchants: set[int] = set()
    for row in due:
        with session_for(database_url) as session:
            if not _claim(session, row):
                continue
            account = session.get(SimAccount, row.acc_id)
            result = attempt(row.url, row.body, may_reach_privately(row.url, account))
            made += 1
            current = session.get(SimNotification, row.id)
            session.refresh(current)
            current.last_result = result.summary
            now = clock.now()
            session.add(
                SimNotificationAttempt(
                    notification_id=current.id,
                    number=current.attempts,
                    attempted_at=now,
                    delivered=result.delivered,
                    http_status=result.http_status,
                    answer=result.answer,
                    error=result.error,
                )
            )
            if result.delivered:
                current.state, current.delivered_at = "delivered", now
            elif current.attempts - 1 < len(NOTIFICATION_SCHEDULE):
                delay = NOTIFICATION_SCHEDULE[current.attempts - 1] * get_settings().notification_retry_scale
                current.next_attempt_at = now + timedelta(seconds=delay)
            else:
                current.state = "gave_up"
            session.add(current)
            session.commit()
            if current.merchant_id is not None:
                merchants.add(current.merchant_id)
    for merchant_id in merchants:
        # a PROCESSING refund, capture or void has settled by now: its case may be complete
        with session_for(database_url) as session:
            coverage.credit_from_traffic(session, merchant_id)
    return made


def next_due_in(database_url: str) -> float | None:
    """Seconds until the next pending notification is due, or None when none is pending."""
    with session_for(database_url) as session:
        row = session.exec(
            select(SimNotification.next_attempt_at)
            .where(SimNotification.state == "pending")
            .order_by(col(SimNotification.next_attempt_at))
            .limit(1)
        ).first()
    if row is None:
        return None
    due = row if row.tzinfo else row.replace(tzinfo=clock.now().tzinfo)
    return max(0.0, (due - clock.now()).total_seconds())


class Worker(threading.Thread):
    """A daemon thread that sends due notifications of one database until the process ends."""

    def __init__(self, database_url: str):
        super().__init__(name="simulator-notifications", daemon=True)
        self.database_url = database_url
        self.wake = threading.Event()
        self.reported_at = 0.0

    def run(self) -> None:
        while True:
            try:
                deliver_due(self.database_url)
                wait = next_due_in(self.database_url)
            except Exception:  # a broken round must not end the worker: try again shortly
                # said once a minute at most, so a database that is away does not flood the log
                if time.monotonic() - self.reported_at > 60:
                    self.reported_at = time.monotonic()
                    log.exception("notification round failed")
                wait = POLL_SECONDS
            self.wake.wait(POLL_SECONDS if wait is None else min(wait, POLL_SECONDS))
            self.wake.clear()


_workers = PerDatabase(Worker)


def ensure_worker(database_url: str | None = None) -> Worker:
    """The notification worker of this process for `database_url`, started once and woken now."""
    return _workers.ensure(database_url)
