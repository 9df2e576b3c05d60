"""Personal API tokens for the integration API: staff only, stored hashed, revocable, last use kept."""

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

from sqlmodel import Session, col, select

from models import User
from models.api_tokens import ApiToken
from onboarding.core import clock
from onboarding.core.access import STAFF_ROLES, Actor, actor_for, require_staff
from onboarding.core.errors import AccessDenied, NotFound, ValidationError
from onboarding.core.logs import get_logger
from onboarding.process import history

PREFIX = "ppo_"
MAX_LABEL = 100
# a busy integration polls often: one write per token per minute is enough to show "last used"
LAST_USE_RESOLUTION = timedelta(minutes=1)

log = get_logger("api_tokens")


def hash_token(plain: str) -> str:
    """The SHA-256 (hex) under which a token is stored."""
    return hashlib.sha256(plain.encode("utf-8")).hexdigest()


def create_token(session: Session, actor: Actor, label: str) -> tuple[ApiToken, str]:
    """A new token for the acting staff member; the plain token is returned once and never stored."""
    require_staff(actor)
    label = (label or "").strip()
    if not label:
        raise ValidationError("error.token_label_required")
    if len(label) > MAX_LABEL:
        raise ValidationError("error.token_label_too_long", limit=MAX_LABEL)
    plain = PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(
        user_id=actor.id, label=label, token_hash=hash_token(plain), prefix=plain[:10], created_at=clock.now()
    )
    session.add(row)
    history.record(session, actor, "api_token_created", label=label, prefix=row.prefix)
    session.commit()
    log.info("API token created", extra={"action": "api_token_created", "label": label})
    return row, plain


def list_tokens(session: Session, actor: Actor) -> list[ApiToken]:
    """The acting staff member's own tokens, newest first, revoked ones included."""
    require_staff(actor)
    query = (
        select(ApiToken)
        .where(ApiToken.user_id == actor.id)
        .order_by(col(ApiToken.created_at).desc(), col(ApiToken.id).desc())
    )
    return list(session.exec(query))


def revoke_token(session: Session, actor: Actor, token_id: int) -> ApiToken:
    """Stop a token from working at once; admins may revoke anyone's."""
    require_staff(actor)
    row = session.get(ApiToken, token_id)
    if row is None:
        raise NotFound("error.token_not_found")
    if row.user_id != actor.id and not actor.is_admin:
        raise AccessDenied("error.token_not_yours")
    if row.revoked_at is None:
        row.revoked_at = clock.now()
        session.add(row)
        history.record(session, actor, "api_token_revoked", label=row.label, prefix=row.prefix)
        session.commit()
        log.info("API token revoked", extra={"action": "api_token_revoked", "label": row.label})
    return row


def revoke_all_of(session: Session, user_id: int) -> int:
    """Revoke every live token of a user (deactivation, losing the staff role); the caller commits."""
    now, revoked = clock.now(), 0
    for row in session.exec(select(ApiToken).where(ApiToken.user_id == user_id, col(ApiToken.revoked_at).is_(None))):
        row.revoked_at = now
        session.add(row)
        revoked += 1
    return revoked


def authenticate(session: Session, plain: str | None) -> Actor | None:
    """The staff member a presented token belongs to, or None when it is unknown, revoked or theirs no longer."""
    if not plain or not plain.startswith(PREFIX):
        return None
    row = session.exec(select(ApiToken).where(ApiToken.token_hash == hash_token(plain))).first()
    if row is None or row.revoked_at is not None:
        return None
    user = session.get(User, row.user_id)
    if user is None or not user.active or user.role not in STAFF_ROLES:
        return None
    now = clock.now()
    if row.last_used_at is None or now - _aware(row.last_used_at) >= LAST_USE_RESOLUTION:
        row.last_used_at = now
        session.add(row)
        session.commit()
    return actor_for(user)


def _aware(moment: datetime) -> datetime:
    # some drivers hand back naive datetimes; every stored time is UTC
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
