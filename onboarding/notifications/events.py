"""Changes that someone must hear about become outbox messages, in the transaction of the change."""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import replace

from sqlmodel import Session, select

from models import ChecklistItem, Comment, Merchant, User
from onboarding.core.access import Actor
from onboarding.core.config import get_settings
from onboarding.core.i18n import pick, supported, translate
from onboarding.notifications import outbox, preferences
from onboarding.notifications.mail import Content, Section, render
from onboarding.process.definition import default_process

_quiet: ContextVar[bool] = ContextVar("notifications_quiet", default=False)


@contextmanager
def quiet() -> Iterator[None]:
    """Tell nobody about changes made inside the block (demo data is a made-up past)."""
    token = _quiet.set(True)
    try:
        yield
    finally:
        _quiet.reset(token)


def merchant_users(session: Session, merchant_id: int) -> list[User]:
    """The active people of a merchant, who hear about their onboarding."""
    return list(
        session.exec(
            select(User).where(User.merchant_id == merchant_id, User.role == "merchant", User.active == True)  # noqa: E712
        )
    )


def staff_owners(session: Session, merchant: Merchant) -> list[User]:
    """The merchant's support owner; the active admins when it has none (or the owner left)."""
    owner = session.get(User, merchant.owner_id) if merchant.owner_id else None
    if owner is not None and owner.active and owner.role in ("admin", "support"):
        return [owner]
    return list(session.exec(select(User).where(User.role == "admin", User.active == True)))  # noqa: E712


def portal_link(item_key: str | None = None) -> str:
    """The merchant's portal, opened at one item when given."""
    base = get_settings().public_url
    return f"{base}/?item={item_key}" if item_key else f"{base}/"


def merchant_link(merchant_id: int) -> str:
    """The staff page of one merchant."""
    return f"{get_settings().public_url}/merchant?id={merchant_id}"


def _item_title(item_key: str, language: str) -> str:
    return pick(default_process().item(item_key).title, language)


def _tell(
    session: Session,
    actor: Actor | None,
    people: list[User],
    category: str,
    key: str,
    merchant: Merchant,
    build,
) -> int:
    """Queue `build(user, t)`'s mail for each person who wants this category (never the actor)."""
    if _quiet.get():
        return 0
    people = [user for user in people if actor is None or user.id != actor.id]
    off = preferences.turned_off(session, [user.id for user in people], category)
    queued = 0
    for user in people:
        if user.id in off:
            continue
        language = supported(user.language)

        def t(message_key: str, _language=language, **params) -> str:
            return translate(message_key, _language, **params)

        queued += outbox.enqueue(
            session,
            key=f"{key}:u{user.id}",
            category=category,
            to_address=user.email,
            language=language,
            mail=render(replace(build(user, t, language), staff=user.role != "merchant")),
            recipient_id=user.id,
            merchant_id=merchant.id,
        )
    return queued


def item_rejected(session: Session, actor: Actor, merchant: Merchant, row: ChecklistItem, reason: str) -> int:
    """Tell the merchant's people that support asks for a change, with the reason and a link to the item."""

    def build(user: User, t, language: str) -> Content:
        item = _item_title(row.item_key, language)
        return Content(
            language,
            t("mail.item_rejected.subject", merchant=merchant.name, item=item),
            t("mail.greeting", name=user.name),
            [t("mail.item_rejected.body", item=item), t("mail.item_rejected.next")],
            t("mail.open_item"),
            portal_link(row.item_key),
            quote=reason,
            quote_label=t("mail.reason"),
        )

    key = f"item_rejected:{row.id}:v{row.version}"
    return _tell(session, actor, merchant_users(session, merchant.id), "item_rejected", key, merchant, build)


def item_approved(session: Session, actor: Actor, merchant: Merchant, row: ChecklistItem) -> int:
    """Tell the merchant's people that support approved what they handed in."""

    def build(user: User, t, language: str) -> Content:
        item = _item_title(row.item_key, language)
        return Content(
            language,
            t("mail.item_approved.subject", merchant=merchant.name, item=item),
            t("mail.greeting", name=user.name),
            [t("mail.item_approved.body", item=item), t("mail.item_approved.next")],
            t("mail.open_portal"),
            portal_link(),
        )

    key = f"item_approved:{row.id}:v{row.version}"
    return _tell(session, actor, merchant_users(session, merchant.id), "item_approved", key, merchant, build)


def stage_opened(session: Session, actor: Actor, merchant: Merchant, stage_index: int) -> int:
    """Tell the merchant's people that a stage opened and what it needs from them."""
    process = default_process()
    if not 0 < stage_index < len(process.stages):
        return 0
    stage = process.stages[stage_index]
    theirs = [item for item in stage.items if item.owner == "merchant" and item.applies_to(merchant)]

    def build(user: User, t, language: str) -> Content:
        title = pick(stage.title, language)
        sections = []
        if theirs:
            sections = [Section(t("mail.stage_opened.yours"), [pick(item.title, language) for item in theirs])]
        return Content(
            language,
            t("mail.stage_opened.subject", merchant=merchant.name, number=stage_index + 1, stage=title),
            t("mail.greeting", name=user.name),
            [t("mail.stage_opened.body", number=stage_index + 1, total=len(process.stages), stage=title)]
            + ([] if theirs else [t("mail.stage_opened.support_only")]),
            t("mail.open_portal"),
            portal_link(theirs[0].key if theirs else None),
            sections=sections,
        )

    key = f"stage_opened:{merchant.id}:{stage_index}:{merchant.stage_entered_at:%Y%m%dT%H%M%S}"
    return _tell(session, actor, merchant_users(session, merchant.id), "stage_opened", key, merchant, build)


def went_live(session: Session, actor: Actor, merchant: Merchant) -> int:
    """Tell the merchant's people that their integration is live."""

    def build(user: User, t, language: str) -> Content:
        return Content(
            language,
            t("mail.went_live.subject", merchant=merchant.name),
            t("mail.greeting", name=user.name),
            [t("mail.went_live.body", merchant=merchant.name), t("mail.went_live.next")],
            t("mail.open_portal"),
            portal_link(),
            quote_colour="#21a366",
        )

    key = f"went_live:{merchant.id}"
    return _tell(session, actor, merchant_users(session, merchant.id), "went_live", key, merchant, build)


def evidence_submitted(session: Session, actor: Actor, merchant: Merchant, row: ChecklistItem, number: int) -> int:
    """Tell the owning support user that the merchant handed something in (not when staff did it for them)."""
    if actor.is_staff:
        return 0

    def build(user: User, t, language: str) -> Content:
        item = _item_title(row.item_key, language)
        return Content(
            language,
            t("mail.merchant_submitted.subject", merchant=merchant.name, item=item, version=number),
            t("mail.greeting", name=user.name),
            [t("mail.merchant_submitted.body", who=actor.name, merchant=merchant.name, item=item, version=number)],
            t("mail.review_it"),
            merchant_link(merchant.id),
            quote_colour="#2f6fed",
        )

    key = f"merchant_submitted:{row.id}:v{row.version}"
    return _tell(session, actor, staff_owners(session, merchant), "merchant_submitted", key, merchant, build)


def comment_posted(session: Session, actor: Actor, merchant: Merchant, comment: Comment) -> int:
    """A merchant's message goes to its support owner; a support message goes to the merchant's people."""
    from_merchant = not actor.is_staff
    category = "merchant_message" if from_merchant else "support_message"

    def build(user: User, t, language: str) -> Content:
        return Content(
            language,
            t(f"mail.{category}.subject", merchant=merchant.name, author=comment.author_name),
            t("mail.greeting", name=user.name),
            [t(f"mail.{category}.body", author=comment.author_name, merchant=merchant.name)],
            t("mail.reply"),
            merchant_link(merchant.id) if from_merchant else portal_link(),
            quote=comment.body,
            quote_colour="#2f6fed",
        )

    people = staff_owners(session, merchant) if from_merchant else merchant_users(session, merchant.id)
    return _tell(session, actor, people, category, f"comment:{comment.id}", merchant, build)
