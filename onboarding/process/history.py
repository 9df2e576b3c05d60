"""The merchant's audit trail: one row per change, written in the change's transaction."""

import json

from sqlmodel import Session, col, select

from models import HistoryEvent
from onboarding.core import clock
from onboarding.core.access import Actor


def record(
    session: Session, actor: Actor, action: str, merchant_id: int | None = None, item_key: str | None = None, **detail
) -> HistoryEvent:
    """Add a history row to the session (the caller commits it with the change)."""
    event = HistoryEvent(
        merchant_id=merchant_id,
        item_key=item_key,
        action=action,
        detail=json.dumps(detail, ensure_ascii=False, default=str) if detail else None,
        actor_id=actor.id,
        actor_name=actor.name,
        created_at=clock.now(),
    )
    session.add(event)
    return event


def events_for(session: Session, merchant_id: int, limit: int = 500) -> list[HistoryEvent]:
    """The newest history rows of one merchant (callers check access first)."""
    query = (
        select(HistoryEvent)
        .where(HistoryEvent.merchant_id == merchant_id)
        .order_by(col(HistoryEvent.created_at).desc(), col(HistoryEvent.id).desc())
        .limit(limit)
    )
    return list(session.exec(query))


def detail_of(event: HistoryEvent) -> dict:
    """The event's detail as a dict."""
    return json.loads(event.detail) if event.detail else {}
