"""Sign-in: server-side sessions behind an HttpOnly cookie, idle expiry and lockout after failures."""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, case, delete, literal, null, or_, update
from sqlmodel import Session, col, select

from models import AuthSession, LoginThrottle, User
from onboarding.accounts.passwords import verify_password
from onboarding.core import clock
from onboarding.core.access import Actor
from onboarding.core.config import get_settings
from onboarding.process import history

COOKIE_NAME = "onboarding_session"
# Touch last_seen_at at most this often, so reading pages does not write on every rerun.
TOUCH_EVERY = timedelta(minutes=1)


class LoginFailed(Exception):
    """Wrong e-mail or password (the caller cannot tell which, on purpose)."""


class LockedOut(Exception):
    """Too many failed attempts for this account; try again after `until`."""

    def __init__(self, until: datetime):
        super().__init__(until.isoformat())
        self.until = until


@dataclass(frozen=True)
class SignedIn:
    """A successful sign-in: the user and the cookie token to hand to the browser (never stored)."""

    user: User
    token: str


def token_hash(token: str) -> str:
    """What the database keeps of a secret token."""
    return hashlib.sha256(token.encode()).hexdigest()


def _normalise(email: str) -> str:
    return (email or "").strip().lower()[:320]


def _as_utc(moment: datetime | None) -> datetime | None:
    from datetime import UTC

    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment


def _system(email: str) -> Actor:
    return Actor(id=None, name=email or "anonymous", role="system")


def _insert(session: Session):
    """INSERT … ON CONFLICT of the session's database (SQLite and PostgreSQL both have it)."""
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert


def _active_lock(session: Session, email: str, now: datetime) -> datetime | None:
    locked_until = _as_utc(
        session.execute(select(LoginThrottle.locked_until).where(LoginThrottle.email == email)).scalar_one_or_none()
    )
    return locked_until if locked_until and locked_until > now else None


def _count_failure(session: Session, email: str, now: datetime) -> datetime | None:
    """Add one failure in a single atomic statement (parallel guesses all count); the lock time once locked."""
    settings = get_settings()
    window = timedelta(minutes=settings.login_window_minutes)
    table = LoginThrottle.__table__
    stamp = table.c.window_start.type
    # a failure after the window, or after an expired lock, starts counting again from one
    fresh = or_(
        table.c.window_start < literal(now - window, stamp),
        and_(table.c.locked_until.is_not(None), table.c.locked_until <= literal(now, stamp)),
    )
    upsert = _insert(session)(table).values(email=email, failures=1, window_start=now, locked_until=None)
    upsert = upsert.on_conflict_do_update(
        index_elements=[table.c.email],
        set_={
            "failures": case((fresh, 1), else_=table.c.failures + 1),
            "window_start": case((fresh, literal(now, stamp)), else_=table.c.window_start),
            "locked_until": case((fresh, null()), else_=table.c.locked_until),
        },
    ).returning(table.c.failures, table.c.locked_until)
    failures, locked_until = session.execute(upsert).one()
    if locked_until is None and failures >= settings.login_max_failures:
        until = now + window
        locking = update(table).where(table.c.email == email, table.c.locked_until.is_(None))
        if session.execute(locking.values(locked_until=until)).rowcount:
            history.record(session, _system(email), "login_locked", email=email, failures=failures)
        locked_until = session.execute(select(table.c.locked_until).where(table.c.email == email)).scalar_one()
    session.commit()
    return _as_utc(locked_until)


def sign_in(session: Session, email: str, password: str) -> SignedIn:
    """Check the password and open a session, or raise LoginFailed / LockedOut.

    The password is checked while the session holds no connection, so a burst of sign-ins cannot drain the
    pool; failures are counted with one atomic upsert, so parallel guesses cannot slip past the lockout.
    """
    email = _normalise(email)
    now = clock.now()
    locked_until = _active_lock(session, email, now)
    if locked_until:
        raise LockedOut(locked_until)
    user = session.exec(select(User).where(User.email == email)).first()
    user_id, stored_hash = (user.id, user.password_hash) if user is not None and user.active else (None, None)
    session.rollback()  # gives the connection back to the pool before the slow part
    if not verify_password(stored_hash, password):
        locked_until = _count_failure(session, email, clock.now())
        if locked_until:
            raise LockedOut(locked_until)
        raise LoginFailed()
    now = clock.now()
    # written first, so the transaction never has to turn a read into a write (SQLite would refuse that)
    session.execute(
        delete(LoginThrottle).where(
            col(LoginThrottle.email) == email,
            or_(col(LoginThrottle.locked_until).is_(None), col(LoginThrottle.locked_until) <= now),
        )
    )
    locked_until = _active_lock(session, email, now)
    user = session.get(User, user_id)
    if locked_until or user is None or not user.active:
        session.rollback()
        if locked_until:
            raise LockedOut(locked_until)
        raise LoginFailed()
    token = secrets.token_urlsafe(32)
    session.add(AuthSession(token_hash=token_hash(token), user_id=user.id, created_at=now, last_seen_at=now))
    history.record(session, Actor(id=user.id, name=user.name, role=user.role), "signed_in")
    session.commit()
    return SignedIn(user=user, token=token)


def open_session(session: Session, user: User) -> str:
    """Open a session for a user who proved themselves another way (invitation, single sign-on)."""
    token = secrets.token_urlsafe(32)
    now = clock.now()
    session.add(AuthSession(token_hash=token_hash(token), user_id=user.id, created_at=now, last_seen_at=now))
    session.commit()
    return token


def resolve(session: Session, token: str | None) -> User | None:
    """The active user behind a cookie token, or None when missing, revoked or idle too long."""
    if not token:
        return None
    row = session.get(AuthSession, token_hash(token))
    if row is None or row.revoked_at is not None:
        return None
    now = clock.now()
    idle = timedelta(hours=get_settings().session_idle_hours)
    if _as_utc(row.last_seen_at) < now - idle:
        return None
    user = session.get(User, row.user_id)
    if user is None or not user.active:
        return None
    if _as_utc(row.last_seen_at) < now - TOUCH_EVERY:
        row.last_seen_at = now
        session.add(row)
        session.commit()
    return user


def sign_out(session: Session, token: str | None) -> None:
    """Revoke the session behind a cookie token (nothing happens for an unknown token)."""
    if not token:
        return
    row = session.get(AuthSession, token_hash(token))
    if row is not None and row.revoked_at is None:
        row.revoked_at = clock.now()
        session.add(row)
        user = session.get(User, row.user_id)
        if user is not None:
            history.record(session, Actor(id=user.id, name=user.name, role=user.role), "signed_out")
        session.commit()


def revoke_all(session: Session, user_id: int) -> None:
    """End every session of a user (deactivation, password reset); the caller commits."""
    for row in session.exec(select(AuthSession).where(AuthSession.user_id == user_id, AuthSession.revoked_at == None)):  # noqa: E711
        row.revoked_at = clock.now()
        session.add(row)
