"""The app's notification worker: a daemon thread that sends due mail and starts the daily run."""

import logging
import threading
import time

from onboarding.core.background import PerDatabase
from onboarding.core.config import get_settings
from onboarding.notifications import daily, outbox

log = logging.getLogger("onboarding.notifications")
DAILY_CHECK_SECONDS = 60.0


class Worker(threading.Thread):
    """Sends due outbox messages every OUTBOX_POLL_SECONDS and checks once a minute whether the daily run is due."""

    def __init__(self, database_url: str):
        super().__init__(name="notifications", daemon=True)
        self.database_url = database_url
        self.wake = threading.Event()
        self.last_daily_check = 0.0

    def run(self) -> None:
        settings = get_settings()
        while True:
            try:
                outbox.deliver_due(self.database_url)
                if settings.reminders_in_app and time.monotonic() - self.last_daily_check >= DAILY_CHECK_SECONDS:
                    self.last_daily_check = time.monotonic()
                    summary = daily.run_if_due(self.database_url)
                    if summary is not None:
                        log.info("daily reminders: %d reminders, %d digests", summary.reminders, summary.digests)
            except Exception:  # a broken round must not end the worker; the next one tries again
                log.exception("notification worker round failed")
            self.wake.wait(settings.outbox_poll_seconds)
            self.wake.clear()


_workers = PerDatabase(Worker)


def ensure_worker(database_url: str | None = None) -> Worker:
    """The worker of this process for `database_url`, started once and woken now."""
    return _workers.ensure(database_url)
