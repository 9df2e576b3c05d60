"""Which e-mails a user gets: every category is on until the user turns it off; security mail always goes."""

from sqlmodel import Session, col, delete, select

from models import User
from models.notifications import NotificationOptOut
from onboarding.core import clock
from onboarding.core.access import Actor
from onboarding.core.errors import NotFound, ValidationError
from onboarding.process import history

MERCHANT_CATEGORIES = ("item_rejected", "item_approved", "stage_opened", "support_message", "went_live", "reminder")
STAFF_CATEGORIES = ("merchant_submitted", "merchant_message", "digest")
SECURITY_CATEGORIES = ("password_reset", "invitation")
CATEGORIES = MERCHANT_CATEGORIES + STAFF_CATEGORIES + SECURITY_CATEGORIES


def categories_for(actor: Actor) -> tuple[str, ...]:
    """The categories a user of this role may turn off."""
    return STAFF_CATEGORIES if actor.is_staff else MERCHANT_CATEGORIES


def turned_off(session: Session, user_ids: list[int], category: str) -> set[int]:
    """Of these users, those who turned `category` off (never anyone for security mail)."""
    if category in SECURITY_CATEGORIES or not user_ids:
        return set()
    rows = session.exec(
        select(NotificationOptOut.user_id).where(
            col(NotificationOptOut.user_id).in_(user_ids), NotificationOptOut.category == category
        )
    )
    return set(rows)


def enabled_categories(session: Session, actor: Actor) -> set[str]:
    """The categories the signed-in user currently receives."""
    if actor.id is None:
        raise NotFound("error.user_not_found")
    off = set(session.exec(select(NotificationOptOut.category).where(NotificationOptOut.user_id == actor.id)))
    return {category for category in categories_for(actor) if category not in off}


def set_enabled_categories(session: Session, actor: Actor, enabled: set[str]) -> set[str]:
    """Receive exactly the `enabled` categories of the user's role; returns them."""
    if actor.id is None or session.get(User, actor.id) is None:
        raise NotFound("error.user_not_found")
    allowed = categories_for(actor)
    unknown = set(enabled) - set(allowed)
    if unknown:
        raise ValidationError("notify.error.bad_category", category=", ".join(sorted(unknown)))
    session.exec(delete(NotificationOptOut).where(col(NotificationOptOut.user_id) == actor.id))
    now = clock.now()
    off = [category for category in allowed if category not in enabled]
    for category in off:
        session.add(NotificationOptOut(user_id=actor.id, category=category, created_at=now))
    history.record(session, actor, "notifications_changed", actor.merchant_id, off=", ".join(off) or None)
    session.commit()
    return {category for category in allowed if category in enabled}
