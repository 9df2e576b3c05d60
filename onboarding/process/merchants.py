"""Merchants: creation with validated input, status changes, the pipeline and the merchant view."""

from dataclasses import dataclass, replace
from datetime import datetime
from urllib.parse import urlsplit

import tldextract
from sqlalchemy import func, or_, union_all
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from models import ChecklistItem, HistoryEvent, Merchant, StageOverride, Submission, User
from onboarding.core import clock, validation
from onboarding.core.access import STAFF_ROLES, Actor, require_merchant_access, require_staff
from onboarding.core.errors import DomainError, NotFound, ValidationError
from onboarding.process import checklist, countries, duplicates, history
from onboarding.process.definition import default_process
from onboarding.reports import attention

MERCHANT_STATUSES = ("active", "on_hold", "launched", "withdrawn")
# "launched" is reached only by the go-live sign-off; people choose among these
CHOSEN_STATUSES = ("active", "on_hold", "withdrawn")
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
# The Public Suffix List snapshot bundled with tldextract: no network fetch, ever.
_DOMAINS = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)


class InvalidInput(ValidationError):
    """Several fields of a form are wrong at once; `errors` maps each field to its message."""

    def __init__(self, errors: dict[str, DomainError]):
        first = next(iter(errors.values()))
        super().__init__(first.key, **first.params)
        self.errors = errors


def website(raw: str) -> str:
    """A normalised http(s) URL whose host has a registrable domain (shop.example.com, not www.pixelgaming)."""
    value = validation.normalise_url(raw)
    host = urlsplit(value).hostname or ""
    if not _DOMAINS(host).top_domain_under_public_suffix:
        raise ValidationError("error.no_registrable_domain", field="website")
    return value


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
        """The same input trimmed and checked; raises InvalidInput naming every wrong field at once."""
        errors: dict[str, DomainError] = {}

        def check(field: str, rule):
            try:
                return rule()
            except ValidationError as error:
                errors[field] = error
                return None

        name = check("name", lambda: _required_text(self.name, "name"))
        site = check("website", lambda: website(self.website))
        contact_name = check("contact_name", lambda: _required_text(self.contact_name, "contact_name"))
        email = check("contact_email", lambda: validation.validate_email(self.contact_email))
        country = check("country", lambda: _country(self.country))
        for field, value, allowed in (
            ("shop_platform", self.shop_platform, SHOP_PLATFORMS),
            ("integration_mode", self.integration_mode, INTEGRATION_MODES),
            ("sandbox_account", self.sandbox_account, SANDBOX_ACCOUNTS),
        ):
            if value not in allowed:
                errors[field] = ValidationError("error.bad_choice_field", field=field)
        if errors:
            raise InvalidInput(errors)
        return MerchantInput(
            name=name,
            website=site,
            contact_name=contact_name,
            contact_email=email,
            country=country,
            shop_platform=self.shop_platform,
            integration_mode=self.integration_mode,
            owner_id=self.owner_id,
            sandbox_account=self.sandbox_account,
            uses_refunds=bool(self.uses_refunds),
            uses_preauth=bool(self.uses_preauth),
            uses_3ds=bool(self.uses_3ds),
        )


def _required_text(value: str, field: str, limit: int = 200) -> str:
    value = " ".join((value or "").split())
    if not value:
        raise ValidationError("error.field_required", field=field)
    if len(value) > limit:
        raise ValidationError("error.too_long", field=field, limit=limit)
    return value


def _country(value: str) -> str:
    code = (value or "").strip().upper()
    if not countries.is_country(code):
        raise ValidationError("error.bad_country")
    return code


def staff_users(session: Session) -> list[User]:
    """Active admins and support staff, who can own merchants."""
    query = select(User).where(col(User.role).in_(STAFF_ROLES), User.active == True).order_by(User.name)  # noqa: E712
    return list(session.exec(query))


def create_merchant(session: Session, actor: Actor, data: MerchantInput, allow_duplicate: bool = False) -> Merchant:
    """Add a merchant with its checklist; the first stage opens at once.

    A merchant that looks like an existing one (website host, contact e-mail or name) is refused with
    DuplicateMerchant unless `allow_duplicate` confirms it; the history then names the look-alikes.
    """
    require_staff(actor)
    data = data.cleaned()
    if data.owner_id is not None:
        owner = session.get(User, data.owner_id)
        if owner is None or owner.role not in STAFF_ROLES or not owner.active:
            raise ValidationError("error.bad_owner")
    matches = duplicates.find_duplicates(session, actor, data.name, data.website, data.contact_email)
    if matches and not allow_duplicate:
        raise duplicates.DuplicateMerchant(matches)
    now = clock.now()
    merchant = Merchant(
        **vars(data),
        **duplicates.keys_for(data.name, data.website, data.contact_email),
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
    history.record(
        session,
        actor,
        "merchant_created",
        merchant.id,
        name=merchant.name,
        created_despite=", ".join(f"#{match.id} {match.name}" for match in matches) or None,
    )
    session.flush()
    checklist.refresh_merchant(session, actor, merchant)
    session.commit()
    return merchant


def change_status(session: Session, actor: Actor, merchant_id: int, status: str, reason: str | None = None) -> Merchant:
    """Put a merchant on hold, withdraw it (with a reason), or make it active again; launching is go-live's."""
    require_staff(actor)
    if status not in MERCHANT_STATUSES:
        raise ValidationError("error.bad_choice_field", field="status")
    merchant = get_merchant(session, actor, merchant_id)
    if merchant.status == status:
        return merchant
    if status == "launched":
        raise ValidationError("error.launch_by_go_live")
    if status == "withdrawn" and not (reason or "").strip():
        raise ValidationError("error.withdraw_reason_required")
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


@dataclass(frozen=True)
class PipelineFilter:
    """What the Pipeline page narrows by."""

    stages: tuple[int, ...] = ()
    owner_ids: tuple[int, ...] = ()
    statuses: tuple[str, ...] = ()
    search: str = ""
    archived: bool = False  # True: only archived merchants; False: only those in the work lists
    flagged_only: bool = False  # only active merchants over their stage's SLA or idle


# What the pipeline may be sorted by: the column, and whether "descending" means the column descends.
PIPELINE_SORTS = ("last_activity", "name", "stage", "progress", "days_in_stage", "status", "created")
DEFAULT_PER_PAGE = 50
MAX_SEARCH = 200


@dataclass
class PipelinePage:
    """One page of pipeline rows, the true number of matching merchants, and how they split by status and stage."""

    rows: list[dict]
    total: int
    page: int
    per_page: int | None
    by_status: dict[str, int]
    by_stage: dict[int, int]

    @property
    def pages(self) -> int:
        """How many pages the matching merchants fill (at least one)."""
        return max(1, -(-self.total // self.per_page)) if self.per_page else 1


def _pipeline_conditions(actor: Actor, filters: PipelineFilter, rules, now: datetime) -> list:
    """SQL conditions on Merchant for `filters`, limited to what `actor` may see."""
    conditions = []
    if not actor.is_staff:
        conditions.append(Merchant.id == (actor.merchant_id or -1))
    conditions.append(col(Merchant.archived_at).is_not(None) if filters.archived else not_archived())
    if filters.stages:
        conditions.append(col(Merchant.current_stage).in_(filters.stages))
    if filters.owner_ids:
        conditions.append(col(Merchant.owner_id).in_(filters.owner_ids))
    if filters.statuses:
        conditions.append(col(Merchant.status).in_(filters.statuses))
    text = filters.search.strip()[:MAX_SEARCH].lower()
    if text:
        conditions.append(
            or_(
                *(
                    func.lower(column).contains(text, autoescape=True)
                    for column in (Merchant.name, Merchant.website, Merchant.contact_name, Merchant.contact_email)
                )
            )
        )
    if filters.flagged_only:
        conditions.append(or_(attention.over_sla(rules, now), attention.idle(rules, now)))
    return conditions


def _order(sort: str, descending: bool) -> list:
    """ORDER BY for a sort key of PIPELINE_SORTS; the merchant id breaks ties so pages never overlap."""
    if sort not in PIPELINE_SORTS:
        raise ValidationError("error.bad_choice_field", field="sort")
    column = {
        "last_activity": Merchant.last_activity_at,
        "name": Merchant.name,
        "stage": Merchant.current_stage,
        "progress": Merchant.progress,
        "days_in_stage": Merchant.stage_entered_at,
        "status": Merchant.status,
        "created": Merchant.created_at,
    }[sort]
    # More days in the stage means an earlier entry.
    down = descending != (sort == "days_in_stage")
    return [col(column).desc() if down else col(column).asc(), col(Merchant.id).desc() if down else col(Merchant.id)]


def _pipeline_rows(session: Session, query, now: datetime) -> list[dict]:
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


def not_archived():
    """SQL: the merchant is in the work lists (not archived)."""
    return col(Merchant.archived_at).is_(None)


def _row_query():
    owner = aliased(User)
    # Plain columns, not Merchant objects: many rows load several times faster without the ORM.
    return select(
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


def pipeline(
    session: Session,
    actor: Actor,
    filters: PipelineFilter | None = None,
    *,
    page: int = 1,
    per_page: int | None = DEFAULT_PER_PAGE,
    sort: str = "last_activity",
    descending: bool = True,
) -> PipelinePage:
    """One page of visible merchants, filtered, searched and sorted in SQL, with the true total.

    Three statements whatever the number of merchants: the stage SLAs, the page, and one count grouped by
    status and stage. `per_page=None` returns every matching row (exports).
    """
    filters = filters or PipelineFilter()
    now = clock.now()
    rules = attention.load_rules(session)
    conditions = _pipeline_conditions(actor, filters, rules, now)
    page = max(1, int(page))
    query = _row_query().where(*conditions).order_by(*_order(sort, descending))
    if per_page is not None:
        query = query.limit(per_page).offset((page - 1) * per_page)
    rows = attention.flag_pipeline_rows(_pipeline_rows(session, query, now), rules, now)
    by_status: dict[str, int] = {}
    by_stage: dict[int, int] = {}
    counts = select(Merchant.status, Merchant.current_stage, func.count()).where(*conditions)
    for status, stage, count in session.exec(counts.group_by(Merchant.status, Merchant.current_stage)):
        by_status[status] = by_status.get(status, 0) + count
        by_stage[stage] = by_stage.get(stage, 0) + count
    return PipelinePage(rows, sum(by_status.values()), page, per_page, by_status, by_stage)


@dataclass
class MerchantMatches:
    """A picker's matches: the first rows by name, and how many merchants match in all."""

    rows: list[dict]
    total: int


def find_merchants(session: Session, actor: Actor, text: str, limit: int = 20) -> MerchantMatches:
    """Visible merchants whose name, website, contact or e-mail holds `text`, first by name, for a picker.

    Two statements at any size: the first `limit` rows (along the name index) and the count; with an empty
    search the count reads only the partial index of listed merchants.
    """
    now = clock.now()
    conditions = _pipeline_conditions(actor, PipelineFilter(search=text or ""), None, now)
    query = _row_query().where(*conditions).order_by(*_order("name", False)).limit(limit)
    rows = _pipeline_rows(session, query, now)
    total = session.exec(select(func.count()).select_from(Merchant).where(*conditions)).one()
    return MerchantMatches(rows, total)


@dataclass
class BoardColumn:
    """One stage of the board: how many matching merchants are in it, and the cards of the longest waiting."""

    stage: int
    total: int
    cards: list[dict]


def board(
    session: Session, actor: Actor, filters: PipelineFilter | None = None, per_stage: int = 12
) -> list[BoardColumn]:
    """One column per stage (and one for live merchants), each with its true count and a few cards.

    Without a status filter the board shows the work in progress: active merchants in the stages (those
    longest in their stage first, the late ones on top) and launched merchants in the live column (the
    newest first). Three statements at any size: the SLAs, one count, and one UNION of a few rows per
    stage (each an index range on stage and time entered).
    """
    filters = filters or PipelineFilter()
    if not filters.statuses:
        filters = replace(filters, statuses=("active", "launched"))
    now = clock.now()
    rules = attention.load_rules(session)
    conditions = _pipeline_conditions(actor, filters, rules, now)
    live = len(default_process().stages)
    parts = [
        _row_query()
        .where(*conditions, Merchant.current_stage == index)
        .order_by(
            col(Merchant.stage_entered_at).desc() if index == live else col(Merchant.stage_entered_at),
            col(Merchant.id),
        )
        .limit(per_stage)
        .subquery(f"stage_{index}")
        for index in range(live + 1)
    ]
    cards = _pipeline_rows(session, union_all(*(select(part) for part in parts)), now)
    attention.flag_pipeline_rows(cards, rules, now)
    totals = dict(
        session.exec(
            select(Merchant.current_stage, func.count()).where(*conditions).group_by(Merchant.current_stage)
        ).all()
    )
    columns = []
    for index in range(live + 1):
        # Longest in the stage first; in the live column the newest launches first.
        chosen = sorted(
            (card for card in cards if card["stage"] == index),
            key=lambda card: (card["days_in_stage"] if index == live else -card["days_in_stage"], card["id"]),
        )
        columns.append(BoardColumn(index, totals.get(index, 0), chosen))
    return columns


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
    waits_for: tuple[str, ...] = ()  # keys of required items that are not complete yet


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
        row.item_key: row
        for row in session.exec(
            select(ChecklistItem).where(
                ChecklistItem.merchant_id == merchant_id, col(ChecklistItem.retired_at).is_(None)
            )
        )
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
            waits_for=tuple(other.key for other in checklist.unmet_requirements(process, merchant, statuses, item)),
        )
        for item in checklist.applicable_items(process, merchant)
        if (row := rows.get(item.key)) is not None
    ]
    return MerchantView(
        merchant, owner.name if owner else None, derived, items, overrides, history.events_for(session, merchant_id)
    )
