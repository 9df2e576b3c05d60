"""The current time, which the demo seeder can move into the past."""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime

_frozen: ContextVar[datetime | None] = ContextVar("frozen_now", default=None)


def now() -> datetime:
    """The current UTC time, or the frozen one inside `frozen_at`."""
    return _frozen.get() or datetime.now(UTC)


@contextmanager
def frozen_at(moment: datetime) -> Iterator[None]:
    """Make `now()` return `moment` inside the block (demo data with a past)."""
    token = _frozen.set(moment)
    try:
        yield
    finally:
        _frozen.reset(token)
