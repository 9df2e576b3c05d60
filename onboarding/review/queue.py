"""The review queue: every submitted merchant item across merchants, oldest first."""

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from models import ChecklistItem, Merchant, Submission
from onboarding.core.access import Actor, require_staff


@dataclass
class QueueEntry:
    """One submitted item waiting for support, with its newest submission."""

    item_id: int
    item_key: str
    version: int
    merchant_id: int
    merchant_name: str
    submitted_at: datetime | None
    submission: Submission | None


def waiting(session: Session, actor: Actor, limit: int = 200) -> list[QueueEntry]:
    """Submitted items, oldest submission first, in two queries."""
    require_staff(actor)
    rows = session.exec(
        select(ChecklistItem, Merchant.name)
        .join(Merchant, col(Merchant.id) == ChecklistItem.merchant_id)
        .where(
            ChecklistItem.status == "submitted",
            col(ChecklistItem.retired_at).is_(None),  # removed from the process file
            col(Merchant.archived_at).is_(None),
        )
        .order_by(col(ChecklistItem.submitted_at).asc(), col(ChecklistItem.id))
        .limit(limit)
    ).all()
    item_ids = [item.id for item, _ in rows]
    latest: dict[int, Submission] = {}
    if item_ids:
        for submission in session.exec(
            select(Submission).where(col(Submission.item_id).in_(item_ids)).order_by(col(Submission.number))
        ):
            latest[submission.item_id] = submission
    return [
        QueueEntry(item.id, item.item_key, item.version, item.merchant_id, name, item.submitted_at, latest.get(item.id))
        for item, name in rows
    ]
