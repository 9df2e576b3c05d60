"""Background work: one thread per database (started on first use, woken on each call), its claim on a row."""

import threading
from collections.abc import Callable
from datetime import timedelta
from typing import Generic, Protocol, TypeVar

from sqlalchemy import update
from sqlmodel import Session

from onboarding.core import clock
from onboarding.core.config import get_settings


class Wakeable(Protocol):
    """A thread that sleeps on `wake` between rounds."""

    wake: threading.Event

    def start(self) -> None: ...

    def is_alive(self) -> bool: ...


T = TypeVar("T", bound=Wakeable)


class PerDatabase(Generic[T]):
    """At most one live thread per database URL, made by `factory(url)`; a thread that died is replaced."""

    def __init__(self, factory: Callable[[str], T]):
        self.factory = factory
        self.lock = threading.Lock()
        self.threads: dict[str, T] = {}

    def ensure(self, database_url: str | None = None) -> T:
        """The thread of `database_url` (default: the app's database), started if needed and woken now."""
        url = database_url or get_settings().resolved_database_url
        with self.lock:
            thread = self.threads.get(url)
            if thread is None or not thread.is_alive():
                thread = self.threads[url] = self.factory(url)
                thread.start()
        thread.wake.set()
        return thread


def claim_attempt(session: Session, row, pending, seconds: float) -> bool:
    """Take one attempt of a queued `row` (its `attempts` counted up, due again in `seconds` should this worker die).

    Optimistic: the update matches only while the row still has the attempts we read and `pending` holds, so of
    two workers (threads or processes) exactly one gets the attempt. Committed at once.
    """
    model = type(row)
    result = session.execute(
        update(model)
        .where(model.id == row.id, model.attempts == row.attempts, pending)
        .values(attempts=row.attempts + 1, next_attempt_at=clock.now() + timedelta(seconds=seconds))
    )
    session.commit()
    return result.rowcount == 1
