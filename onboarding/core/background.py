"""Background threads of this process: one per database, started on first use and woken on every call."""

import threading
from collections.abc import Callable
from typing import Generic, Protocol, TypeVar

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
