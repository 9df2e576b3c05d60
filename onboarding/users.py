"""People who use the app, and their preferences."""

from sqlmodel import Session, select

from models import User
from onboarding import clock, history
from onboarding.access import Actor
from onboarding.errors import ValidationError
from onboarding.i18n import LANGUAGES

LOCAL_ADMIN_EMAIL = "admin@localhost"


def ensure_local_admin(session: Session) -> User:
    """The single local admin the app acts as until accounts exist."""
    user = session.exec(select(User).where(User.email == LOCAL_ADMIN_EMAIL)).first()
    if user is None:
        user = User(email=LOCAL_ADMIN_EMAIL, name="Local admin", role="admin", created_at=clock.now())
        session.add(user)
        session.commit()
    return user


def set_language(session: Session, actor: Actor, language: str) -> None:
    """Remember the user's language for their next visit."""
    if language not in LANGUAGES:
        raise ValidationError("error.bad_language")
    user = session.get(User, actor.id)
    if user is not None and user.language != language:
        user.language = language
        session.add(user)
        history.record(session, actor, "language_changed", language=language)
        session.commit()
