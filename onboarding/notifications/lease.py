"""A database lease: one instance at a time runs a daily job, and a job done today is not run again."""

from datetime import date, datetime, timedelta

from sqlalchemy import or_, update
from sqlmodel import Session, col

from models.notifications import Lease
from onboarding.core import clock


def _ensure(session: Session, name: str) -> None:
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    session.execute(insert(Lease).values(name=name).on_conflict_do_nothing(index_elements=["name"]))
    session.commit()


def acquire(session: Session, name: str, holder: str, ttl: timedelta, today: date, now: datetime | None = None) -> bool:
    """Take the lease for today's run of `name`; False when it is done today or another holder has it."""
    _ensure(session, name)
    now = now or clock.now()
    result = session.execute(
        update(Lease)
        .where(
            col(Lease.name) == name,
            or_(col(Lease.last_done_on).is_(None), col(Lease.last_done_on) < today),
            or_(col(Lease.expires_at).is_(None), col(Lease.expires_at) < now, col(Lease.holder) == holder),
        )
        .values(holder=holder, expires_at=now + ttl)
    )
    session.commit()
    return result.rowcount == 1


def complete(session: Session, name: str, holder: str, today: date) -> None:
    """Record today's run as done and let the lease go."""
    session.execute(
        update(Lease)
        .where(col(Lease.name) == name, col(Lease.holder) == holder)
        .values(last_done_on=today, holder=None, expires_at=None)
    )
    session.commit()


def release(session: Session, name: str, holder: str) -> None:
    """Let the lease go without marking the run done (it failed; another instance may try)."""
    session.execute(
        update(Lease).where(col(Lease.name) == name, col(Lease.holder) == holder).values(holder=None, expires_at=None)
    )
    session.commit()


def state(session: Session, name: str) -> Lease | None:
    """The stored lease of a job (None before its first run)."""
    return session.get(Lease, name)
