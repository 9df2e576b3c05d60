"""Brief caches for report figures: the same question asked again within seconds is not recomputed."""

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

_every_cache: list["BriefCache"] = []


class BriefCache:
    """Values kept for `seconds` per key, at most `entries` of them (the least recently stored go first)."""

    def __init__(self, seconds: float, entries: int = 64):
        self.seconds = seconds
        self.entries = entries
        self._values: OrderedDict[Hashable, tuple[float, Any]] = OrderedDict()
        self._lock = threading.Lock()
        _every_cache.append(self)

    def get_or_build(self, key: Hashable, build: Callable[[], Any]) -> Any:
        """The value kept for `key` if it is recent enough, else `build()` (kept for next time)."""
        with self._lock:
            kept = self._values.get(key)
        if kept is not None and time.monotonic() - kept[0] < self.seconds:
            return kept[1]
        value = build()
        with self._lock:
            self._values[key] = (time.monotonic(), value)
            self._values.move_to_end(key)
            while len(self._values) > self.entries:
                self._values.popitem(last=False)
        return value

    def clear(self) -> None:
        """Forget every kept value."""
        with self._lock:
            self._values.clear()


def clear_all() -> None:
    """Forget what every brief cache keeps (the benchmark times and counts cold reports)."""
    for cache in _every_cache:
        cache.clear()
