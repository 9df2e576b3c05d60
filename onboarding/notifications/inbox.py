"""My work: what waits on one support person, which of their merchants slipped, and unread merchant messages."""

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import and_, func, or_
from sqlmodel import Session, col, select

from models import ChecklistItem, Comment, Merchant
from models.notifications import ConversationRead
from onboarding.core.access import Actor, require_staff
from onboarding.core.i18n import translate
from onboarding.process import transitions
from onboarding.process.definition import default_process
from onboarding.reports.attention import AttentionFilter, applies, needs_attention

PREVIEW = 160


@dataclass(frozen=True)
class WaitingItem:
    """An item on one of my merchants whose turn is support's: a review, a step or an automatic check."""

    merchant_id: int
    merchant_name: str
    item_id: int
    item_key: str
    owner: str
    status: str
    since: datetime | None


@dataclass(frozen=True)
class UnreadThread:
    """A merchant's conversation with messages I have not read."""

    merchant_id: int
    merchant_name: str
    count: int
    newest_at: datetime
    newest_author: str
    newest_preview: str


@dataclass
class MyWork:
    """Everything My work shows for one person."""

    waiting: list[WaitingItem] = field(default_factory=list)
    flagged: list[dict] = field(default_factory=list)
    unread: list[UnreadThread] = field(default_factory=list)

    @property
    def unread_messages(self) -> int:
        return sum(thread.count for thread in self.unread)

    @property
    def total(self) -> int:
        """The figure the navigation shows: items waiting, merchants flagged and unread messages."""
        return len(self.waiting) + len(self.flagged) + self.unread_messages


def _mine(actor: Actor):
    """SQL: merchants this person answers for (not archived): theirs, and (for admins) those nobody owns."""
    owned = Merchant.owner_id == actor.id
    if actor.is_admin:
        owned = or_(owned, col(Merchant.owner_id).is_(None))
    return and_(owned, col(Merchant.archived_at).is_(None))


def _waiting_on_me(actor: Actor) -> tuple:
    """SQL: items of my active merchants whose turn is support's (submitted, or a support step of the stage)."""
    process = default_process()
    support_keys = [item.key for item in process.items if item.owner != "merchant" and item.required]
    return (
        _mine(actor),
        Merchant.status == "active",
        or_(
            ChecklistItem.status == "submitted",
            (ChecklistItem.stage_index == Merchant.current_stage)
            & col(ChecklistItem.item_key).in_(support_keys)
            & col(ChecklistItem.status).not_in(transitions.COMPLETE),
        ),
    )


def _waiting(session: Session, actor: Actor) -> list[WaitingItem]:
    process = default_process()
    rows = session.exec(
        select(ChecklistItem, Merchant)
        .join(Merchant, col(Merchant.id) == ChecklistItem.merchant_id)
        .where(*_waiting_on_me(actor))
        .order_by(col(ChecklistItem.submitted_at), col(ChecklistItem.id))
    ).all()
    waiting = []
    for row, merchant in rows:
        item = process.item(row.item_key)
        if not item.applies_to(merchant) or transitions.waiting_on(item.owner, row.status) != "support":
            continue
        since = row.submitted_at if row.status == "submitted" else merchant.stage_entered_at
        waiting.append(
            WaitingItem(
                merchant.id, merchant.name, row.id, row.item_key, item.owner, row.status, since or row.updated_at
            )
        )
    waiting.sort(key=lambda entry: (entry.since is None, entry.since or datetime.min))
    return waiting


def _unread_query(actor: Actor, *columns):
    """SQL: `columns` of the merchant messages on my merchants that I have not read."""
    marker = (
        select(ConversationRead.merchant_id, ConversationRead.last_read_comment_id)
        .where(ConversationRead.user_id == (actor.id or -1))
        .subquery()
    )
    return (
        select(*columns)
        .select_from(Comment)
        .join(Merchant, col(Merchant.id) == Comment.merchant_id)
        .outerjoin(marker, marker.c.merchant_id == Comment.merchant_id)
        .where(
            _mine(actor),
            Comment.author_role == "merchant",
            col(Comment.id) > func.coalesce(marker.c.last_read_comment_id, 0),
        )
    )


def _unread(session: Session, actor: Actor) -> list[UnreadThread]:
    rows = session.exec(_unread_query(actor, Comment, Merchant.name).order_by(col(Comment.id))).all()
    threads: dict[int, list] = {}
    for comment, name in rows:
        threads.setdefault(comment.merchant_id, [name]).append(comment)
    unread = []
    for merchant_id, (name, *messages) in threads.items():
        newest = messages[-1]
        preview = " ".join(newest.body.split())
        unread.append(
            UnreadThread(
                merchant_id,
                name,
                len(messages),
                newest.created_at,
                newest.author_name,
                preview if len(preview) <= PREVIEW else preview[: PREVIEW - 1] + "…",
            )
        )
    unread.sort(key=lambda thread: thread.newest_at, reverse=True)
    return unread


def flag_reason(row: dict, language: str) -> str:
    """Why a merchant is flagged, in one line: its time in stage against the SLA, and its silence."""
    parts = []
    if row["over_sla"]:
        parts.append(translate("my_work.reason_sla", language, days=row["days_in_stage"], sla=row["sla_days"]))
    if row["idle"]:
        parts.append(translate("my_work.reason_idle", language, idle=row["days_idle"]))
    return ("；" if language == "zh" else "; ").join(parts)


def my_work_total(session: Session, actor: Actor) -> int:
    """`my_work(...).total` from three count queries, at any number of merchants (the navigation shows it)."""
    require_staff(actor)
    waiting = session.exec(
        select(func.count())
        .select_from(ChecklistItem)
        .join(Merchant, col(Merchant.id) == ChecklistItem.merchant_id)
        .where(*_waiting_on_me(actor), applies())
    ).one()
    flagged = needs_attention(session, actor, _my_merchants(actor), per_page=1).total
    unread = session.exec(_unread_query(actor, func.count())).one()
    return int(waiting) + flagged + int(unread)


def _my_merchants(actor: Actor) -> AttentionFilter:
    return AttentionFilter(owner_ids=(actor.id, None) if actor.is_admin else (actor.id,))


def my_work(session: Session, actor: Actor) -> MyWork:
    """What needs this support person, in a fixed number of queries."""
    require_staff(actor)
    flagged = needs_attention(session, actor, _my_merchants(actor), per_page=None).rows
    return MyWork(_waiting(session, actor), flagged, _unread(session, actor))
