"""Changes to many merchants at once (owner, status), each with a reason, in one transaction."""

from sqlmodel import Session, col, select

from models import Merchant, User
from onboarding.core import clock
from onboarding.core.access import STAFF_ROLES, Actor, require_staff
from onboarding.core.errors import NotFound, ValidationError
from onboarding.process import history
from onboarding.process.checklist import MAX_REASON
from onboarding.process.merchants import CHOSEN_STATUSES, MERCHANT_STATUSES

MAX_MERCHANTS = 500


def _reason(reason: str | None) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError("scale.bulk.reason_required")
    if len(reason) > MAX_REASON:
        raise ValidationError("error.reason_too_long", limit=MAX_REASON)
    return reason


def _merchants(session: Session, merchant_ids) -> list[Merchant]:
    """The chosen merchants, all of them or NotFound (so nothing changes when one has gone)."""
    ids = sorted({int(value) for value in merchant_ids})
    if not ids:
        raise ValidationError("scale.bulk.none_selected")
    if len(ids) > MAX_MERCHANTS:
        raise ValidationError("scale.bulk.too_many", limit=MAX_MERCHANTS)
    found = list(session.exec(select(Merchant).where(col(Merchant.id).in_(ids))))
    if len(found) != len(ids):
        raise NotFound("error.merchant_not_found")
    return found


def change_owners(session: Session, actor: Actor, merchant_ids, owner_id: int | None, reason: str) -> int:
    """Give the chosen merchants to one support owner (or nobody); returns how many changed hands."""
    require_staff(actor)
    reason = _reason(reason)
    owner = session.get(User, owner_id) if owner_id is not None else None
    if owner_id is not None and (owner is None or owner.role not in STAFF_ROLES or not owner.active):
        raise ValidationError("error.bad_owner")
    changed = 0
    now = clock.now()
    for merchant in _merchants(session, merchant_ids):
        if merchant.owner_id == owner_id:
            continue
        merchant.owner_id = owner_id
        merchant.last_activity_at = now
        session.add(merchant)
        history.record(
            session, actor, "owner_changed", merchant.id, owner=owner.name if owner else None, reason=reason, bulk=True
        )
        changed += 1
    session.commit()
    return changed


def change_statuses(session: Session, actor: Actor, merchant_ids, status: str, reason: str) -> int:
    """Put the chosen merchants on hold, withdraw them or make them active again; returns how many changed."""
    require_staff(actor)
    if status not in MERCHANT_STATUSES:
        raise ValidationError("error.bad_choice_field", field="status")
    if status not in CHOSEN_STATUSES:
        raise ValidationError("error.launch_by_go_live")  # as for one merchant: launching is go-live's
    reason = _reason(reason)
    changed = 0
    now = clock.now()
    for merchant in _merchants(session, merchant_ids):
        if merchant.status == status:
            continue
        previous = merchant.status
        merchant.status = status
        merchant.last_activity_at = now
        session.add(merchant)
        history.record(
            session, actor, "status_changed", merchant.id, status=status, previous=previous, reason=reason, bulk=True
        )
        changed += 1
    session.commit()
    return changed
