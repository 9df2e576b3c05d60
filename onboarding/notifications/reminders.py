"""Daily reminders to merchants whose turn it is and who went quiet, and a digest for each support owner."""

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from models import ChecklistItem, Merchant, User
from onboarding.core import clock
from onboarding.core.access import actor_for
from onboarding.core.config import get_settings
from onboarding.core.i18n import pick, supported, translate
from onboarding.notifications import events, inbox, outbox, preferences
from onboarding.notifications.mail import Content, Section, render
from onboarding.process import transitions
from onboarding.process.definition import default_process
from onboarding.reports.attention import idle, load_rules, waiting_on

MAX_LINES = 15


@dataclass(frozen=True)
class Summary:
    """What one run queued: reminders to merchant people, digests to staff."""

    reminders: int
    digests: int


def _capped(lines: list[str], language: str) -> list[str]:
    if len(lines) <= MAX_LINES:
        return lines
    return lines[:MAX_LINES] + [translate("mail.and_more", language, count=len(lines) - MAX_LINES)]


def _idle_merchants_waiting(session: Session, now: datetime) -> list[Merchant]:
    """Active merchants idle longer than IDLE_DAYS whose current stage waits on them."""
    rules = load_rules(session)
    waiting = waiting_on(idle(rules, now))
    return list(
        session.exec(
            select(Merchant)
            .join(waiting, waiting.c.merchant_id == Merchant.id)
            .where(idle(rules, now), waiting.c.on_merchant == 1, col(Merchant.archived_at).is_(None))
            .order_by(col(Merchant.id))
        )
    )


def _their_items(session: Session, merchants: list[Merchant]) -> dict[int, list[ChecklistItem]]:
    """Per merchant, the open items of its current stage that wait on the merchant."""
    process = default_process()
    by_id = {merchant.id: merchant for merchant in merchants}
    rows = session.exec(
        select(ChecklistItem)
        .where(
            col(ChecklistItem.merchant_id).in_(list(by_id)),
            col(ChecklistItem.status).in_(transitions.MERCHANT_TURN),
        )
        .order_by(col(ChecklistItem.id))
    )
    items: dict[int, list[ChecklistItem]] = {}
    for row in rows:
        merchant, item = by_id[row.merchant_id], process.item(row.item_key)
        if (
            row.stage_index == merchant.current_stage
            and item.owner == "merchant"
            and item.applies_to(merchant)
            and transitions.waiting_on(item.owner, row.status) == "merchant"
        ):
            items.setdefault(merchant.id, []).append(row)
    return items


def _remind(session: Session, now: datetime) -> int:
    merchants = _idle_merchants_waiting(session, now)
    if not merchants:
        return 0
    process = default_process()
    items = _their_items(session, merchants)
    people: dict[int, list[User]] = {}
    for user in session.exec(
        select(User).where(
            col(User.merchant_id).in_([m.id for m in merchants]),
            User.role == "merchant",
            User.active == True,  # noqa: E712
        )
    ):
        people.setdefault(user.merchant_id, []).append(user)
    off = preferences.turned_off(session, [u.id for users in people.values() for u in users], "reminder")
    day = now.date().isoformat()
    queued = 0
    for merchant in merchants:
        mine = items.get(merchant.id, [])
        days = int((now - _aware(merchant.last_activity_at)).total_seconds() // 86400)
        for user in people.get(merchant.id, []):
            if user.id in off:
                continue
            language = supported(user.language)

            def line(row: ChecklistItem, _language=language) -> str:
                title = pick(process.item(row.item_key).title, _language)
                if row.status == "rejected" and row.rejection_reason:
                    return translate("mail.reminder.rejected_line", _language, item=title, reason=row.rejection_reason)
                return title

            content = Content(
                language,
                translate("mail.reminder.subject", language, merchant=merchant.name),
                translate("mail.greeting", language, name=user.name),
                [translate("mail.reminder.body", language, days=days)],
                translate("mail.open_portal", language),
                events.portal_link(mine[0].item_key if mine else None),
                sections=[
                    Section(translate("mail.reminder.yours", language), _capped([line(r) for r in mine], language))
                ]
                if mine
                else [],
            )
            queued += outbox.enqueue(
                session,
                key=f"reminder:{merchant.id}:{day}:u{user.id}",
                category="reminder",
                to_address=user.email,
                language=language,
                mail=render(content),
                recipient_id=user.id,
                merchant_id=merchant.id,
            )
    return queued


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=clock.now().tzinfo)


def _digest_sections(work: inbox.MyWork, language: str) -> list[Section]:
    process = default_process()

    def t(key: str, **params) -> str:
        return translate(key, language, **params)

    def title(key: str) -> str:
        return pick(process.item(key).title, language)

    flagged = [
        t(
            "mail.digest.flag_line",
            merchant=row["name"],
            stage=row["stage"] + 1,
            reason=inbox.flag_reason(row, language),
        )
        for row in work.flagged
    ]
    reviews = [
        t("mail.digest.item_line", merchant=entry.merchant_name, item=title(entry.item_key))
        for entry in work.waiting
        if entry.status == "submitted"
    ]
    steps = [
        t("mail.digest.item_line", merchant=entry.merchant_name, item=title(entry.item_key))
        for entry in work.waiting
        if entry.status != "submitted"
    ]
    unread = [
        t("mail.digest.unread_line", merchant=thread.merchant_name, count=thread.count, author=thread.newest_author)
        for thread in work.unread
    ]
    groups = [
        ("mail.digest.flagged", flagged),
        ("mail.digest.reviews", reviews),
        ("mail.digest.steps", steps),
        ("mail.digest.unread", unread),
    ]
    return [Section(t(key, count=len(lines)), _capped(lines, language)) for key, lines in groups if lines]


def _digests(session: Session, now: datetime) -> int:
    staff = list(
        session.exec(
            select(User).where(col(User.role).in_(("admin", "support")), User.active == True).order_by(col(User.id))  # noqa: E712
        )
    )
    off = preferences.turned_off(session, [user.id for user in staff], "digest")
    day = now.date().isoformat()
    queued = 0
    for user in staff:
        if user.id in off:
            continue
        work = inbox.my_work(session, actor_for(user))
        if not work.total:
            continue
        language = supported(user.language)
        content = Content(
            language,
            translate("mail.digest.subject", language, count=work.total, date=day),
            translate("mail.greeting", language, name=user.name),
            [translate("mail.digest.body", language)],
            translate("mail.open_my_work", language),
            f"{get_settings().public_url}/my-work",
            sections=_digest_sections(work, language),
            staff=True,
        )
        queued += outbox.enqueue(
            session,
            key=f"digest:{day}:u{user.id}",
            category="digest",
            to_address=user.email,
            language=language,
            mail=render(content),
            recipient_id=user.id,
        )
        session.commit()  # one digest at a time: the next person's list is read without holding the write lock
    return queued


def send_reminders(session: Session, now: datetime | None = None) -> Summary:
    """Queue today's reminders and digests; a second run the same day queues nothing new."""
    now = now or clock.now()
    # Committed in steps (reminders, then each digest), so sign-ins and edits never wait for the whole run;
    # every message has its dedupe key, so a run cut short and started again queues nothing twice.
    reminded = _remind(session, now)
    session.commit()
    summary = Summary(reminded, _digests(session, now))
    session.commit()
    return summary
