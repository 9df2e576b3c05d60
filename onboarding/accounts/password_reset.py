"""Forgotten passwords: a single-use link by e-mail (only its hash stored, valid one hour) to choose a new one."""

import secrets
from datetime import UTC, timedelta

from sqlalchemy import update
from sqlmodel import Session, col, select

from models import User
from models.notifications import PasswordReset
from onboarding.accounts import auth
from onboarding.accounts.passwords import hash_password
from onboarding.core import clock
from onboarding.core.access import actor_for
from onboarding.core.config import get_settings
from onboarding.core.errors import NotFound, ValidationError
from onboarding.core.i18n import supported, translate
from onboarding.notifications import outbox
from onboarding.notifications.mail import Content, render
from onboarding.process import history

MAX_EMAIL = 320


def _aware(moment):
    return moment.replace(tzinfo=UTC) if moment is not None and moment.tzinfo is None else moment


def link_for(token: str) -> str:
    """The address in the mail: the sign-in page with the token."""
    return f"{get_settings().public_url}/?reset=1&token={token}"


def normalise(email: str | None) -> str:
    """The e-mail address as accounts store it."""
    return (email or "").strip().lower()[:MAX_EMAIL]


def request_reset(session: Session, email: str) -> bool:
    """Mail a reset link when an active account has this address; says whether it did (never tell the asker)."""
    user = session.exec(select(User).where(User.email == normalise(email))).first()
    if user is None or not user.active:
        return False
    token = secrets.token_urlsafe(32)
    now = clock.now()
    minutes = get_settings().password_reset_minutes
    row = PasswordReset(
        token_hash=auth.token_hash(token), user_id=user.id, created_at=now, expires_at=now + timedelta(minutes=minutes)
    )
    session.add(row)
    language = supported(user.language)

    def t(key: str, **params) -> str:
        return translate(key, language, **params)

    content = Content(
        language,
        t("mail.password_reset.subject"),
        t("mail.greeting", name=user.name),
        [t("mail.password_reset.body", email=user.email, minutes=minutes), t("mail.password_reset.ignore")],
        t("mail.password_reset.action"),
        link_for(token),
        security=True,
    )
    outbox.enqueue(
        session,
        key=f"password_reset:{row.token_hash}",
        category="password_reset",
        to_address=user.email,
        language=language,
        mail=render(content),
        recipient_id=user.id,
        merchant_id=user.merchant_id,
        secret=True,
    )
    history.record(session, actor_for(user), "password_reset_requested", user.merchant_id)
    session.commit()
    return True


def find_open(session: Session, token: str | None) -> PasswordReset:
    """The unused, unexpired reset behind a token; raises with a clear reason otherwise."""
    if not token:
        raise NotFound("error.reset_unknown")
    row = session.exec(select(PasswordReset).where(PasswordReset.token_hash == auth.token_hash(token))).first()
    if row is None:
        raise NotFound("error.reset_unknown")
    if row.used_at is not None:
        raise ValidationError("error.reset_used")
    if _aware(row.expires_at) < clock.now():
        raise ValidationError("error.reset_expired")
    return row


def reset(session: Session, token: str, password: str) -> User:
    """Use a reset link once: set the new password, end every session and every other open link of the user."""
    row = find_open(session, token)
    user = session.get(User, row.user_id)
    if user is None or not user.active:
        raise NotFound("error.reset_unknown")
    user.password_hash = hash_password(password)
    now = clock.now()
    session.execute(
        update(PasswordReset)
        .where(col(PasswordReset.user_id) == user.id, col(PasswordReset.used_at).is_(None))
        .values(used_at=now)
    )
    session.add(user)
    auth.revoke_all(session, user.id)
    history.record(session, actor_for(user), "password_changed_by_link", user.merchant_id)
    session.commit()
    return user
