"""The review queue: submitted merchant items grouped by merchant, oldest first, paged and filtered in SQL."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import distinct, func, literal_column
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from models import ChecklistItem, Merchant, Submission, User
from onboarding.core import clock
from onboarding.core.access import Actor, require_merchant_access, require_staff
from onboarding.core.errors import DomainError, ValidationError
from onboarding.process import checklist
from onboarding.process.definition import default_process

AGES = (0, 1, 3, 7, 14)  # "waiting at least N days" choices
DEFAULT_PER_PAGE = 10
MAX_BULK = 200
MAX_SEARCH = 200
WALK_BATCH = 200  # rows fetched at a time while walking the waiting items


@dataclass(frozen=True)
class QueueFilter:
    """What the review queue narrows by: my merchants, a merchant's name, checklist items, minimum age."""

    mine: bool = False
    merchant: str = ""
    item_keys: tuple[str, ...] = ()
    min_days: int = 0


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


@dataclass
class MerchantGroup:
    """A merchant with submitted items waiting: who owns it, since when it waits, and the items."""

    merchant_id: int
    merchant_name: str
    owner_name: str | None
    stage: int
    entries: list[QueueEntry] = field(default_factory=list)

    @property
    def waiting(self) -> int:
        """How many of the merchant's items match and wait."""
        return len(self.entries)

    @property
    def oldest(self) -> datetime | None:
        """When the longest-waiting of them was handed in (entries are oldest first)."""
        return self.entries[0].submitted_at if self.entries else None


@dataclass
class QueuePage:
    """One page of merchant groups and the true totals of what the filters match."""

    groups: list[MerchantGroup]
    items: int
    merchants: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        """How many pages the matching merchants fill (at least one)."""
        return max(1, -(-self.merchants // self.per_page))


def reviewable_items() -> list[str]:
    """The checklist items merchants hand evidence in for (the item filter's choices), in process order."""
    return [item.key for item in default_process().items if item.owner == "merchant"]


def _conditions(actor: Actor, filters: QueueFilter, now: datetime) -> list:
    if filters.min_days not in AGES:
        raise ValidationError("error.bad_choice_field", field="age")
    unknown = set(filters.item_keys) - set(reviewable_items())
    if unknown:
        raise ValidationError("error.bad_choice_field", field="item")
    conditions = [
        # Named literally (not as a parameter), so the planner can use the partial index of waiting items.
        ChecklistItem.status == literal_column("'submitted'"),
        col(ChecklistItem.retired_at).is_(None),  # removed from the process file
        col(ChecklistItem.merchant_id).not_in(select(Merchant.id).where(col(Merchant.archived_at).is_not(None))),
    ]
    if filters.mine:
        conditions.append(col(ChecklistItem.merchant_id).in_(select(Merchant.id).where(Merchant.owner_id == actor.id)))
    text = filters.merchant.strip()[:MAX_SEARCH].lower()
    if text:
        named = select(Merchant.id).where(func.lower(Merchant.name).contains(text, autoescape=True))
        conditions.append(col(ChecklistItem.merchant_id).in_(named))
    if filters.item_keys:
        conditions.append(col(ChecklistItem.item_key).in_(filters.item_keys))
    if filters.min_days:
        conditions.append(ChecklistItem.submitted_at <= now - timedelta(days=filters.min_days))
    return conditions


def _entries(session: Session, conditions: list, merchant_ids: list[int], names: dict[int, str]) -> list[QueueEntry]:
    """The submitted items of `merchant_ids` that match, oldest first, each with its newest submission."""
    if not merchant_ids:
        return []
    items = list(
        session.exec(
            select(ChecklistItem)
            .where(*conditions, col(ChecklistItem.merchant_id).in_(merchant_ids))
            .order_by(col(ChecklistItem.submitted_at), col(ChecklistItem.id))
        )
    )
    latest: dict[int, Submission] = {}
    if items:
        for submission in session.exec(
            select(Submission)
            .where(col(Submission.item_id).in_([item.id for item in items]))
            .order_by(col(Submission.number))
        ):
            latest[submission.item_id] = submission
    return [
        QueueEntry(
            item.id,
            item.item_key,
            item.version,
            item.merchant_id,
            names.get(item.merchant_id, ""),
            item.submitted_at,
            latest.get(item.id),
        )
        for item in items
    ]


def _merchants_in_order(session: Session, conditions: list, skip: int, take: int) -> list[int]:
    """Merchants in the order of their oldest matching item (then that item's id), `take` of them after `skip`.

    The matching items are read oldest first, along the index of waiting items, and reading stops once the
    page's merchants are known: a page near the top costs a few index entries whatever the queue's length.
    """
    found: dict[int, None] = {}
    walk = session.execute(
        select(ChecklistItem.merchant_id)
        .where(*conditions)
        .order_by(col(ChecklistItem.submitted_at), col(ChecklistItem.id))
        .execution_options(yield_per=WALK_BATCH)
    )
    try:
        for (merchant_id,) in walk:
            found.setdefault(merchant_id)
            if len(found) >= skip + take:
                break
    finally:
        walk.close()
    return list(found)[skip:]


def waiting_page(
    session: Session,
    actor: Actor,
    filters: QueueFilter | None = None,
    page: int = 1,
    per_page: int = DEFAULT_PER_PAGE,
    now: datetime | None = None,
) -> QueuePage:
    """One page of merchants with submitted items (longest waiting first), in five statements at any size."""
    require_staff(actor)
    filters = filters or QueueFilter()
    now = now or clock.now()
    conditions = _conditions(actor, filters, now)
    items, merchants = session.exec(
        select(func.count(), func.count(distinct(ChecklistItem.merchant_id))).where(*conditions)
    ).one()
    page = min(max(1, int(page)), max(1, -(-merchants // per_page)))
    merchant_ids = _merchants_in_order(session, conditions, (page - 1) * per_page, per_page)
    owner = aliased(User)
    found = {
        merchant_id: MerchantGroup(merchant_id, name, owner_name, stage)
        for merchant_id, name, owner_name, stage in session.exec(
            select(Merchant.id, Merchant.name, owner.name, Merchant.current_stage)
            .outerjoin(owner, col(owner.id) == Merchant.owner_id)
            .where(col(Merchant.id).in_(merchant_ids))
        )
    }
    groups = [found[merchant_id] for merchant_id in merchant_ids if merchant_id in found]
    names = {group.merchant_id: group.merchant_name for group in groups}
    for entry in _entries(session, conditions, list(names), names):
        found[entry.merchant_id].entries.append(entry)
    return QueuePage(groups, items, merchants, page, per_page)


def merchant_entries(
    session: Session, actor: Actor, merchant_id: int, filters: QueueFilter | None = None, now: datetime | None = None
) -> list[QueueEntry]:
    """The submitted items of one merchant that match `filters` (a merchant's card redrawn alone)."""
    require_staff(actor)
    require_merchant_access(actor, merchant_id)
    merchant = session.get(Merchant, merchant_id)
    if merchant is None:
        return []
    conditions = _conditions(actor, filters or QueueFilter(), now or clock.now())
    return _entries(session, conditions, [merchant_id], {merchant_id: merchant.name})


@dataclass
class BulkOutcome:
    """What a bulk approval did: how many items were approved, and why the others were not."""

    approved: int = 0
    refused: list[tuple[int, DomainError]] = field(default_factory=list)


def approve_many(session: Session, actor: Actor, items) -> BulkOutcome:
    """Approve each (item id, version read) pair; one item changed meanwhile is reported, the others still go."""
    require_staff(actor)
    chosen = [(int(item_id), int(version)) for item_id, version in items]
    if not chosen:
        raise ValidationError("scale.bulk.none_selected")
    if len(chosen) > MAX_BULK:
        raise ValidationError("scale.bulk.too_many", limit=MAX_BULK)
    outcome = BulkOutcome()
    for item_id, version in chosen:
        try:
            checklist.approve(session, actor, item_id, version)
        except DomainError as error:
            session.rollback()
            outcome.refused.append((item_id, error))
        else:
            outcome.approved += 1
    return outcome
