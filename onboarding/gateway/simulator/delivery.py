"""Signed notifications the simulator owes: an outbox in the database, retried on the documented schedule."""

import json
import threading
from datetime import timedelta
from urllib.parse import urlsplit

from sqlalchemy import update
from sqlmodel import Session, col, select

from models.db import session_for
from models.gateway import SimNotification
from onboarding.core import clock
from onboarding.core.config import get_settings
from onboarding.gateway import outbound
from onboarding.gateway.client import VERSION, biz_json
from onboarding.gateway.runs import NOTIFY_PATH
from onboarding.gateway.signature import signed
from onboarding.gateway.simulator.rules import NOTIFICATION_SCHEDULE

LEASE_SECONDS = 60
POLL_SECONDS = 1.0

_workers: dict[str, "Worker"] = {}
_workers_lock = threading.Lock()


def enqueue(session: Session, account, url: str, biz: dict) -> SimNotification:
    """Owe `url` a signed notification of `biz`; it is sent by the worker, first at once."""
    envelope = signed(
        {
            "accId": account.acc_id,
            "clientId": account.client_id,
            "signType": "SHA256",
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
        next_attempt_at=now,
        created_at=now,
    )
    session.add(row)
    return row


def _is_own_receiver(url: str) -> bool:
    """The app's own receiver on this machine, which the simulator may always reach."""
    parts = urlsplit(url)
    return (parts.hostname or "") in ("localhost", "127.0.0.1", "::1") and parts.path == NOTIFY_PATH


def attempt(url: str, body: str) -> tuple[bool, str]:
    """POST the notification once; delivered only when the answer is 2xx with body OK."""
    allow = True if _is_own_receiver(url) else None
    try:
        fetched = outbound.request(
            "POST", url, json_body=json.loads(body), follow_redirects=False, allow_private=allow, max_bytes=64 * 1024
        )
    except outbound.OutboundRefused as error:
        return False, f"refused: {error}"
    except outbound.OutboundFailed as error:
        return False, f"failed: {error}"
    answer = fetched.text.strip()
    delivered = 200 <= fetched.status < 300 and answer.upper() == "OK"
    return delivered, f"HTTP {fetched.status} {answer[:80]!r}"


def _claim(session: Session, row: SimNotification) -> bool:
    """Take one attempt of the row (optimistically, so two processes never send the same attempt)."""
    now = clock.now()
    result = session.execute(
        update(SimNotification)
        .where(
            col(SimNotification.id) == row.id,
            col(SimNotification.attempts) == row.attempts,
            col(SimNotification.state) == "pending",
        )
        .values(attempts=row.attempts + 1, next_attempt_at=now + timedelta(seconds=LEASE_SECONDS))
    )
    session.commit()
    return result.rowcount == 1


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
    for row in due:
        with session_for(database_url) as session:
            if not _claim(session, row):
                continue
            delivered, result = attempt(row.url, row.body)
            made += 1
            current = session.get(SimNotification, row.id)
            session.refresh(current)
            current.last_result = result
            if delivered:
                current.state, current.delivered_at = "delivered", clock.now()
            elif current.attempts - 1 < len(NOTIFICATION_SCHEDULE):
                delay = NOTIFICATION_SCHEDULE[current.attempts - 1] * get_settings().notification_retry_scale
                current.next_attempt_at = clock.now() + timedelta(seconds=delay)
            else:
                current.state = "gave_up"
            session.add(current)
            session.commit()
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

    def run(self) -> None:
        while True:
            try:
                deliver_due(self.database_url)
                wait = next_due_in(self.database_url)
            except Exception:  # a broken round must not end the worker: try again shortly
                wait = POLL_SECONDS
            self.wake.wait(POLL_SECONDS if wait is None else min(wait, POLL_SECONDS))
            self.wake.clear()


def ensure_worker(database_url: str | None = None) -> Worker:
    """The notification worker of this process for `database_url`, started once and woken now."""
    url = database_url or get_settings().resolved_database_url
    with _workers_lock:
        worker = _workers.get(url)
        if worker is None or not worker.is_alive():
            worker = _workers[url] = Worker(url)
            worker.start()
    worker.wake.set()
    return worker
