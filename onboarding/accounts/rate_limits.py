"""Attempts per key within a window, and the lockout they cause: the sign-in rule applied to other doors."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import case
from sqlmodel import Session

from models.notifications import RateLimit
from onboarding.core import clock
from onboarding.core.config import get_settings


class Limited(Exception):
    """Too many attempts for this key; try again after `until`."""

    def __init__(self, until: datetime):
        super().__init__(until.isoformat())
        self.until = until


def _aware(moment: datetime | None) -> datetime | None:
    return moment.replace(tzinfo=UTC) if moment is not None and moment.tzinfo is None else moment


def check(session: Session, key: str) -> None:
    """Raise Limited while `key` is locked out."""
    row = session.get(RateLimit, key[:340])
    locked_until = _aware(row.locked_until) if row else None
    if locked_until and locked_until > clock.now():
        raise Limited(locked_until)


def count(session: Session, key: str) -> None:
    """Count one attempt for `key` (an upsert, so concurrent requests all count); raise Limited at the limit."""
    settings = get_settings()
    key, now = key[:340], clock.now()
    window = timedelta(minutes=settings.login_window_minutes)
    check(session, key)
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    table = RateLimit.__table__.c
    stale = table.window_start < now - window
    statement = insert(RateLimit).values(key=key, attempts=1, window_start=now, locked_until=None)
    session.execute(
        statement.on_conflict_do_update(
            index_elements=["key"],
            set_={
                "attempts": case((stale, 1), else_=table.attempts + 1),
                "window_start": case((stale, now), else_=table.window_start),
                "locked_until": None,
            },
        )
    )
    row = session.get(RateLimit, key, populate_existing=True)
    if row.attempts >= settings.login_max_failures:
        row.locked_until = now + window
        session.add(row)
        session.commit()
        raise Limited(row.locked_until)
    session.commit()


def clear(session: Session, key: str) -> None:
    """Forget the attempts of `key` (after a success); the caller commits."""
    row = session.get(RateLimit, key[:340])
    if row is not None:
        session.delete(row)
