"""Merchants: creation with validated input, status changes, the pipeline and the merchant view."""

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from models import ChecklistItem, HistoryEvent, Merchant, StageOverride, Submission, User
from onboarding.core import clock, validation
from onboarding.core.access import STAFF_ROLES, Actor, require_merchant_access, require_staff
from onboarding.core.errors import NotFound, ValidationError
from onboarding.process import checklist, history
from onboarding.process.definition import default_process

MERCHANT_STATUSES = ("active", "on_hold", "launched", "withdrawn")
INTEGRATION_MODES = ("hosted_js_sdk", "hosted_checkout", "non_hosted", "plugin")
SANDBOX_ACCOUNTS = ("public", "self_registered")
SHOP_PLATFORMS = (
    "custom",
    "shopify",
    "woocommerce",
    "magento",
    "prestashop",
    "opencart",
    "zencart",
    "shoplazza",
    "shopline",
    "ueeshop",
    "other",
)


@dataclass
class MerchantInput:
    """What a person types into the New merchant form."""

    name: str
    website: str
    contact_name: str
    contact_email: str
    country: str
    shop_platform: str
    integration_mode: str
    owner_id: int | None = None
    sandbox_account: str = "public"
    uses_refunds: bool = True
    uses_preauth: bool = False
    uses_3ds: bool = False

    def cleaned(self) -> "MerchantInput":
        """The same input trimmed and checked; raises ValidationError naming the field."""
        name = (self.name or "").strip()
        if not name:
            raise ValidationError("error.field_required", field="name")
        if len(name) > 200:
            raise ValidationError("error.too_long", field="name", limit=200)
        contact_name = (self.contact_name or "").strip()
        if not contact_name:
            raise ValidationError("error.field_required", field="contact_name")
        country = (self.country or "").strip().upper()
        if not re.fullmatch(r"[A-Z]{2}", country):
            raise ValidationError("error.bad_country")
        if self.shop_platform not in SHOP_PLATFORMS:
            raise ValidationError("error.bad_choice_field", field="shop_platform")
        if self.integration_mode not in INTEGRATION_MODES:
            raise ValidationError("error.bad_choice_field", field="integration_mode")
        if self.sandbox_account not in SANDBOX_ACCOUNTS:
            raise ValidationError("error.bad_choice_field", field="sandbox_account")
        return MerchantInput(
            name=name,
            website=validation.normalise_url(self.website),
            contact_name=contact_name[:200],
            contact_email=validation.validate_email(self.contact_email),
            country=country,
            shop_platform=self.shop_platform,
            integration_mode=self.integration_mode,
            owner_id=self.owner_id,
            sandbox_account=self.sandbox_account,
            uses_refunds=bool(self.uses_refunds),
            uses_preauth=bool(self.uses_preauth),
            uses_3ds=bool(self.uses_3ds),
        )


def staff_users(session: Session) -> list[User]:
    """Active admins and support staff, who can own merchants."""
    query = select(User).where(col(User.role).in_(STAFF_ROLES), User.active == True).order_by(User.name)  # noqa: E712
    return list(session.exec(query))


def create_merchant(session: Session, actor: Actor, data: MerchantInput) -> Merchant:
    """Add a merchant with its checklist; the first stage opens at once."""
    require_staff(actor)
    data = data.cleaned()
    if data.owner_id is not None:
        owner = session.get(User, data.owner_id)
        if owner is None or owner.role not in STAFF_ROLES or not owner.active:
            raise ValidationError("error.bad_owner")
    now = clock.now()
    merchant = Merchant(
        **vars(data),
        status="active",
        current_stage=0,
        progress=0.0,
        stage_entered_at=now,
        last_activity_at=now,
        created_at=now,
    )
    session.add(merchant)
    session.flush()
    checklist.create_items(session, merchant)
    history.record(session, actor, "merchant_created", merchant.id, name=merchant.name)
    session.flush()
    checklist.refresh_merchant(session, actor, merchant)
    session.commit()
    return merchant


def change_status(session: Session, actor: Actor, merchant_id: int, status: str, reason: str | None = None) -> Merchant:
    """Put a merchant on hold, withdraw it, or make it active again."""
    require_staff(actor)
    if status not in MERCHANT_STATUSES:
        raise ValidationError("error.bad_choice_field", field="status")
    merchant = get_merchant(session, actor, merchant_id)
    if merchant.status == status:
        return merchant
    previous = merchant.status
    merchant.status = status
    merchant.last_activity_at = clock.now()
    if status == "launched" and merchant.launched_at is None:
        merchant.launched_at = clock.now()
    session.add(merchant)
    history.record(
        session,
        actor,
        "status_changed",
        merchant.id,
        status=status,
        previous=previous,
        reason=(reason or "").strip() or None,
    )
    session.commit()
    return merchant


def change_owner(session: Session, actor: Actor, merchant_id: int, owner_id: int | None) -> Merchant:
    """Assign the merchant to another support owner."""
    require_staff(actor)
    merchant = get_merchant(session, actor, merchant_id)
    owner = session.get(User, owner_id) if owner_id is not None else None
    if owner_id is not None and (owner is None or owner.role not in STAFF_ROLES):
        raise ValidationError("error.bad_owner")
    merchant.owner_id = owner_id
    merchant.last_activity_at = clock.now()
    session.add(merchant)
    history.record(session, actor, "owner_changed", merchant.id, owner=owner.name if owner else None)
    session.commit()
    return merchant


def get_merchant(session: Session, actor: Actor, merchant_id: int) -> Merchant:
    """One merchant, after the access check."""
    require_merchant_access(actor, merchant_id)
    merchant = session.get(Merchant, merchant_id)
    if merchant is None:
        raise NotFound("error.merchant_not_found")
    return merchant


@dataclass
class PipelineFilter:
    """What the Pipeline page narrows by."""

    stages: tuple[int, ...] = ()
    owner_ids: tuple[int, ...] = ()
    statuses: tuple[str, ...] = ()
    search: str = ""


def pipeline(session: Session, actor: Actor, filters: PipelineFilter | None = None) -> list[dict]:
    """One row per visible merchant with stage, progress, owner and activity, in one query."""
    filters = filters or PipelineFilter()
    owner = aliased(User)
    # Plain columns, not Merchant objects: ten thousand rows load several times faster without the ORM.
    query = select(
        Merchant.id,
        Merchant.name,
        Merchant.current_stage,
        Merchant.progress,
        owner.name,
        Merchant.owner_id,
        Merchant.status,
        Merchant.stage_entered_at,
        Merchant.last_activity_at,
        Merchant.country,
        Merchant.shop_platform,
        Merchant.integration_mode,
        Merchant.website,
    ).outerjoin(owner, col(owner.id) == Merchant.owner_id)
    if not actor.is_staff:
        query = query.where(Merchant.id == (actor.merchant_id or -1))
    if filters.stages:
        query = query.where(col(Merchant.current_stage).in_(filters.stages))
    if filters.owner_ids:
        query = query.where(col(Merchant.owner_id).in_(filters.owner_ids))
    if filters.statuses:
        query = query.where(col(Merchant.status).in_(filters.statuses))
    text = filters.search.strip()
    if text:
        pattern = f"%{text.lower()}%"
        query = query.where(
            or_(
                *(
                    func.lower(column).like(pattern)
                    for column in (Merchant.name, Merchant.website, Merchant.contact_name, Merchant.contact_email)
                )
            )
        )
    query = query.order_by(col(Merchant.last_activity_at).desc())
    now = clock.now()
    return [
        {
            "id": merchant_id,
            "name": name,
            "stage": stage,
            "progress": progress,
            "owner": owner_name,
            "owner_id": owner_id,
            "status": status,
            "days_in_stage": (now - stage_entered_at).days,
            "last_activity": last_activity_at,
            "country": country,
            "shop_platform": shop_platform,
            "integration_mode": integration_mode,
            "website": website,
        }
        for (
            merchant_id,
            name,
            stage,
            progress,
            owner_name,
            owner_id,
            status,
            stage_entered_at,
            last_activity_at,
            country,
            shop_platform,
            integration_mode,
            website,
        ) in session.exec(query)
    ]


def has_merchants(session: Session) -> bool:
    """Whether any merchant exists (the empty pipeline offers demo data)."""
    return session.exec(select(Merchant.id).limit(1)).first() is not None


@dataclass
class ItemView:
    """One checklist row as the Merchant page shows it."""

    id: int
    merchant_id: int
    key: str
    stage_index: int
    owner: str
    evidence: str
    status: str
    version: int
    value: str | None
    rejection_reason: str | None
    updated_by: str | None
    updated_at: datetime | None
    submissions: list[Submission]


@dataclass
class MerchantView:
    """Everything the Merchant page shows, read in a fixed number of queries."""

    merchant: Merchant
    owner_name: str | None
    derived: checklist.Derived
    items: list[ItemView]
    overrides: list[StageOverride]
    events: list[HistoryEvent]


def merchant_view(session: Session, actor: Actor, merchant_id: int) -> MerchantView:
    """The merchant with its applicable items, their submissions, overrides and history."""
    merchant = get_merchant(session, actor, merchant_id)
    process = default_process()
    owner = session.get(User, merchant.owner_id) if merchant.owner_id else None
    rows = {
        row.item_key: row for row in session.exec(select(ChecklistItem).where(ChecklistItem.merchant_id == merchant_id))
    }
    submissions: dict[int, list[Submission]] = {}
    for submission in session.exec(
        select(Submission).where(Submission.merchant_id == merchant_id).order_by(col(Submission.number).desc())
    ):
        submissions.setdefault(submission.item_id, []).append(submission)
    overrides = list(session.exec(select(StageOverride).where(StageOverride.merchant_id == merchant_id)))
    statuses = {key: row.status for key, row in rows.items()}
    derived = checklist.derive(process, merchant, statuses, {o.stage_index for o in overrides})
    items = [
        ItemView(
            id=row.id,
            merchant_id=row.merchant_id,
            key=item.key,
            stage_index=item.stage_index,
            owner=item.owner,
            evidence=item.evidence,
            status=row.status,
            version=row.version,
            value=row.value,
            rejection_reason=row.rejection_reason,
            updated_by=row.updated_by_name,
            updated_at=row.updated_at,
            submissions=submissions.get(row.id, []),
        )
        for item in checklist.applicable_items(process, merchant)
        if (row := rows.get(item.key)) is not None
    ]
    return MerchantView(
        merchant, owner.name if owner else None, derived, items, overrides, history.events_for(session, merchant_id)
    )
