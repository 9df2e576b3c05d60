"""Archive a merchant out of the work lists (reversibly, with a reason), or merge a duplicate into the kept one."""

from sqlalchemy import func, update
from sqlmodel import Session, col, select

from models import ChecklistItem, Comment, HistoryEvent, Invitation, Merchant, Submission, User
from models.gateway import GatewayRun, MerchantCredential
from onboarding.core import clock
from onboarding.core.access import Actor, require_staff
from onboarding.core.errors import ValidationError
from onboarding.process import checklist, history
from onboarding.process.merchants import get_merchant

MAX_REASON = checklist.MAX_REASON


def _reason(reason: str | None, missing: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(missing)
    if len(reason) > MAX_REASON:
        raise ValidationError("error.reason_too_long", limit=MAX_REASON)
    return reason


def archive(session: Session, actor: Actor, merchant_id: int, reason: str) -> Merchant:
    """Hide a merchant from the pipeline, review queue and needs attention; the reason is kept."""
    require_staff(actor)
    merchant = get_merchant(session, actor, merchant_id)
    reason = _reason(reason, "error.archive_reason_required")
    if merchant.archived_at is not None:
        raise ValidationError("error.already_archived")
    merchant.archived_at = clock.now()
    merchant.archived_reason = reason
    session.add(merchant)
    history.record(session, actor, "archived", merchant.id, reason=reason)
    session.commit()
    return merchant


def restore(session: Session, actor: Actor, merchant_id: int, reason: str | None = None) -> Merchant:
    """Bring an archived merchant back into the work lists."""
    require_staff(actor)
    merchant = get_merchant(session, actor, merchant_id)
    if merchant.archived_at is None:
        raise ValidationError("error.not_archived")
    if merchant.merged_into_id is not None:
        raise ValidationError("error.merged_cannot_restore")
    merchant.archived_at = None
    merchant.archived_reason = None
    merchant.last_activity_at = clock.now()
    session.add(merchant)
    history.record(session, actor, "unarchived", merchant.id, reason=(reason or "").strip() or None)
    session.commit()
    return merchant


def _move_submissions(session: Session, duplicate_id: int, kept_id: int) -> int:
    """Evidence of the duplicate's items goes to the kept merchant's item of the same key, as later versions."""
    kept_rows = {
        row.item_key: row for row in session.exec(select(ChecklistItem).where(ChecklistItem.merchant_id == kept_id))
    }
    keys = dict(
        session.exec(
            select(ChecklistItem.id, ChecklistItem.item_key).where(ChecklistItem.merchant_id == duplicate_id)
        ).all()
    )
    moved = 0
    submissions = session.exec(
        select(Submission).where(Submission.merchant_id == duplicate_id).order_by(col(Submission.created_at))
    ).all()
    for submission in submissions:
        target = kept_rows.get(keys.get(submission.item_id))
        if target is None:
            continue  # an item the kept merchant never had: the evidence stays with the archived duplicate
        last = session.exec(select(func.max(Submission.number)).where(Submission.item_id == target.id)).one()
        submission.item_id = target.id
        submission.merchant_id = kept_id
        submission.number = (last or 0) + 1
        session.add(submission)
        session.flush()
        moved += 1
    return moved


def merge(session: Session, actor: Actor, merchant_id: int, into_id: int, reason: str) -> Merchant:
    """Move users, evidence, comments, history and test runs of duplicate `merchant_id` into `into_id`.

    The kept merchant's item statuses stay as they are (moved evidence shows as further versions for
    support to review); the duplicate is archived with a pointer to the kept merchant.
    """
    require_staff(actor)
    duplicate = get_merchant(session, actor, merchant_id)
    kept = get_merchant(session, actor, into_id)
    reason = _reason(reason, "error.merge_reason_required")
    if duplicate.id == kept.id:
        raise ValidationError("error.merge_into_itself")
    if duplicate.merged_into_id is not None:
        raise ValidationError("error.already_merged")
    if kept.archived_at is not None:
        raise ValidationError("error.merge_into_archived")
    evidence = _move_submissions(session, duplicate.id, kept.id)
    moved = {"evidence": evidence}
    for table, column in (
        (User, User.merchant_id),
        (Comment, Comment.merchant_id),
        (Invitation, Invitation.merchant_id),
        (GatewayRun, GatewayRun.merchant_id),
        (HistoryEvent, HistoryEvent.merchant_id),
    ):
        result = session.execute(update(table).where(column == duplicate.id).values(merchant_id=kept.id))
        moved[table.__tablename__] = result.rowcount
    kept_environments = set(
        session.exec(select(MerchantCredential.environment).where(MerchantCredential.merchant_id == kept.id))
    )
    for credential in session.exec(select(MerchantCredential).where(MerchantCredential.merchant_id == duplicate.id)):
        if credential.environment not in kept_environments:  # the kept merchant's own credentials win
            credential.merchant_id = kept.id
            session.add(credential)
    now = clock.now()
    duplicate.merged_into_id = kept.id
    duplicate.archived_at = duplicate.archived_at or now
    duplicate.archived_reason = reason
    kept.last_activity_at = now
    session.add_all([duplicate, kept])
    history.record(
        session,
        actor,
        "merchant_merged",
        kept.id,
        duplicate=f"#{duplicate.id} {duplicate.name}",
        reason=reason,
        users=moved["user"],
        evidence=evidence,
        comments=moved["comment"],
        history=moved["historyevent"],
    )
    history.record(session, actor, "merged_into", duplicate.id, kept=f"#{kept.id} {kept.name}", reason=reason)
    session.commit()
    return kept
