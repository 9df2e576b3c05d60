"""How far each person has read each merchant's conversation: what is new for them, and marking it read."""

from sqlalchemy import case, func
from sqlmodel import Session, col, select

from models import Comment
from models.notifications import ConversationRead
from onboarding.core import clock
from onboarding.core.access import STAFF_ROLES, Actor, require_merchant_access


def _other_side(actor: Actor):
    """SQL: messages written by the other party (staff read the merchant's, merchants read support's)."""
    if actor.is_staff:
        return Comment.author_role == "merchant"
    return col(Comment.author_role).in_(STAFF_ROLES)


def _upsert(session: Session):
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(ConversationRead)


def read_up_to(session: Session, actor: Actor, merchant_id: int, comment_id: int) -> None:
    """Move the actor's read marker forward to `comment_id` in the caller's transaction (never back)."""
    require_merchant_access(actor, merchant_id)
    if actor.id is None:
        return
    insert = _upsert(session).values(
        user_id=actor.id, merchant_id=merchant_id, last_read_comment_id=comment_id, read_at=clock.now()
    )
    current = ConversationRead.__table__.c.last_read_comment_id
    session.execute(
        insert.on_conflict_do_update(
            index_elements=["user_id", "merchant_id"],
            set_={
                "last_read_comment_id": case(
                    (insert.excluded.last_read_comment_id > current, insert.excluded.last_read_comment_id),
                    else_=current,
                ),
                "read_at": insert.excluded.read_at,
            },
        )
    )


def mark_read(session: Session, actor: Actor, merchant_id: int) -> None:
    """Everything in the merchant's conversation counts as read by the actor."""
    require_merchant_access(actor, merchant_id)
    newest = session.exec(select(func.max(Comment.id)).where(Comment.merchant_id == merchant_id)).first()
    if newest:
        read_up_to(session, actor, merchant_id, newest)
        session.commit()


def last_read(session: Session, actor: Actor, merchant_id: int) -> int:
    """The id of the newest message the actor has read in the merchant's conversation (0 for none)."""
    require_merchant_access(actor, merchant_id)
    if actor.id is None:
        return 0
    row = session.get(ConversationRead, (actor.id, merchant_id))
    return row.last_read_comment_id if row else 0


def unread_messages(session: Session, actor: Actor, merchant_id: int) -> list[Comment]:
    """The other party's messages the actor has not read yet, oldest first."""
    marker = last_read(session, actor, merchant_id)
    return list(
        session.exec(
            select(Comment)
            .where(Comment.merchant_id == merchant_id, col(Comment.id) > marker, _other_side(actor))
            .order_by(col(Comment.id))
        )
    )
