"""Sign-in: server-side sessions behind an HttpOnly cookie, idle expiry and lockout after failures."""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, select

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


def _throttle(session: Session, email: str) -> LoginThrottle:
    row = session.get(LoginThrottle, email)
    return row or LoginThrottle(email=email, failures=0, window_start=clock.now())


def _system(email: str) -> Actor:
    return Actor(id=None, name=email or "anonymous", role="system")


def sign_in(session: Session, email: str, password: str) -> SignedIn:
    """Check the password and open a session, or raise LoginFailed / LockedOut."""
    settings = get_settings()
    email = _normalise(email)
    now = clock.now()
    throttle = _throttle(session, email)
    locked_until = _as_utc(throttle.locked_until)
    if locked_until and locked_until > now:
        raise LockedOut(locked_until)
    user = session.exec(select(User).where(User.email == email)).first()
    valid = verify_password(user.password_hash if user else None, password)
    if not valid or user is None or not user.active:
        window = timedelta(minutes=settings.login_window_minutes)
        if _as_utc(throttle.window_start) < now - window or locked_until:
            throttle.failures, throttle.window_start, throttle.locked_until = 0, now, None
        throttle.failures += 1
        if throttle.failures >= settings.login_max_failures:
            throttle.locked_until = now + window
            history.record(session, _system(email), "login_locked", email=email, failures=throttle.failures)
        session.add(throttle)
        session.commit()
        if throttle.locked_until:
            raise LockedOut(throttle.locked_until)
        raise LoginFailed()
    stored_throttle = session.get(LoginThrottle, email)
    if stored_throttle is not None:
        session.delete(stored_throttle)
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
