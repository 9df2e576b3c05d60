"""The daily run of reminders and digests inside the app: at the configured hour, once across all instances."""

import os
import socket
from datetime import datetime, timedelta

from models.db import session_for
from onboarding.core import clock
from onboarding.core.config import get_settings
from onboarding.notifications import lease, outbox, reminders

JOB = "send-reminders"
# Longer than any run; if an instance dies mid-run, another takes over after this.
LEASE_TTL = timedelta(minutes=15)


def holder_name() -> str:
    """This process, as a lease holder."""
    return f"{socket.gethostname()}:{os.getpid()}"


def run_if_due(
    database_url: str | None = None, now: datetime | None = None, holder: str | None = None
) -> reminders.Summary | None:
    """Send today's reminders if the hour has come and no instance did yet; None when nothing ran here."""
    settings = get_settings()
    now = now or clock.now()
    if now.hour < settings.reminders_hour:
        return None
    holder = holder or holder_name()
    today = now.date()
    with session_for(database_url or settings.resolved_database_url) as session:
        if not lease.acquire(session, JOB, holder, LEASE_TTL, today, now):
            return None
        try:
            summary = reminders.send_reminders(session, now)
            outbox.prune(session, now)
        except Exception:
            session.rollback()
            lease.release(session, JOB, holder)
            raise
        lease.complete(session, JOB, holder, today)
    return summary
