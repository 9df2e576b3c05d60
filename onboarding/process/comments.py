"""The conversation between a merchant and support that used to live in a chat group."""

from sqlmodel import Session, select

from models import Comment, Merchant
from onboarding.core import clock
from onboarding.core.access import Actor, require_merchant_access
from onboarding.core.errors import NotFound, ValidationError
from onboarding.notifications import events, reading
from onboarding.process import history

MAX_COMMENT = 4000


def add_comment(session: Session, actor: Actor, merchant_id: int, body: str, item_key: str | None = None) -> Comment:
    """Post a message on a merchant's onboarding."""
    require_merchant_access(actor, merchant_id)
    if session.get(Merchant, merchant_id) is None:
        raise NotFound("error.merchant_not_found")
    body = (body or "").strip()
    if not body:
        raise ValidationError("error.comment_empty")
    if len(body) > MAX_COMMENT:
        raise ValidationError("error.comment_too_long", limit=MAX_COMMENT)
    comment = Comment(
        merchant_id=merchant_id,
        item_key=item_key,
        author_id=actor.id,
        author_name=actor.name,
        author_role=actor.role,
        body=body,
        created_at=clock.now(),
    )
    session.add(comment)
    session.flush()
    history.record(session, actor, "commented", merchant_id, item_key)
    merchant = session.get(Merchant, merchant_id)
    events.comment_posted(session, actor, merchant, comment)
    reading.read_up_to(session, actor, merchant_id, comment.id)  # writing answers what came before
    merchant.last_activity_at = clock.now()
    session.add(merchant)
    session.commit()
    return comment


def comments_for(session: Session, actor: Actor, merchant_id: int) -> list[Comment]:
    """A merchant's conversation, oldest first."""
    require_merchant_access(actor, merchant_id)
    return list(session.exec(select(Comment).where(Comment.merchant_id == merchant_id).order_by(Comment.id)))
