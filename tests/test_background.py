"""One background thread per database: started once, woken on every call, replaced once it has died."""

import threading
import time

from onboarding.core.background import PerDatabase


class Sleeper(threading.Thread):
    """Sleeps on `wake` and counts the wake-ups until `stop` is set."""

    def __init__(self, url: str):
        super().__init__(daemon=True)
        self.url, self.woken = url, 0
        self.wake, self.stop = threading.Event(), threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            self.wake.wait()
            self.wake.clear()
            self.woken += 1

    def end(self) -> None:
        self.stop.set()
        self.wake.set()
        self.join(timeout=5)


def test_one_thread_per_database_woken_on_every_call_and_replaced_once_it_died():
    threads = PerDatabase(Sleeper)
    first = threads.ensure("sqlite:///a.db")
    assert threads.ensure("sqlite:///a.db") is first, "the same database keeps its thread"
    deadline = time.monotonic() + 5
    while first.woken == 0 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert first.woken >= 1, "a call wakes the thread"
    other = threads.ensure("sqlite:///b.db")
    assert other is not first and other.url == "sqlite:///b.db"
    first.end()
    assert not first.is_alive()
    again = threads.ensure("sqlite:///a.db")
    assert again is not first and again.is_alive(), "a thread that ended is started anew"
    for thread in (other, again):
        thread.end()
