"""Possible duplicates of a merchant: the same website host, contact e-mail or name (case and spaces ignored)."""

import unicodedata
from dataclasses import dataclass
from urllib.parse import urlsplit

from sqlalchemy import or_
from sqlmodel import Session, select

from models import Merchant
from onboarding.core.access import Actor, require_staff
from onboarding.core.errors import ValidationError

REASONS = ("website", "contact_email", "name")


def name_key(name: str) -> str:
    """The name compared case-insensitively, without spaces: "Kyoto Tea House " and "kyoto teahouse" match."""
    return "".join(unicodedata.normalize("NFKC", name or "").casefold().split())[:200]


def website_key(website: str) -> str:
    """The website's host without "www.": https://www.Shop.example.com/x and shop.example.com match."""
    website = (website or "").strip()
    host = (urlsplit(website if "://" in website else f"https://{website}").hostname or "").lower().rstrip(".")
    return (host[4:] if host.startswith("www.") else host)[:255]


def email_key(email: str) -> str:
    """The contact e-mail compared case-insensitively."""
    return (email or "").strip().lower()[:320]


def keys_for(name: str, website: str, contact_email: str) -> dict[str, str]:
    """The three stored keys of a merchant, by column name."""
    return {"name_key": name_key(name), "website_key": website_key(website), "email_key": email_key(contact_email)}


@dataclass(frozen=True)
class Duplicate:
    """An existing merchant that looks like the one being created, and why."""

    id: int
    name: str
    website: str
    contact_email: str
    status: str
    archived: bool
    reasons: tuple[str, ...]


class DuplicateMerchant(ValidationError):
    """The merchant looks like one that exists; creating it anyway needs a confirmation."""

    def __init__(self, matches: list[Duplicate]):
        super().__init__("error.duplicate_merchant", names=", ".join(match.name for match in matches))
        self.matches = matches


def find_duplicates(
    session: Session, actor: Actor, name: str, website: str, contact_email: str, exclude_id: int | None = None
) -> list[Duplicate]:
    """Existing merchants (archived ones too) with the same website host, contact e-mail or name."""
    require_staff(actor)
    keys = keys_for(name, website, contact_email)
    conditions = [getattr(Merchant, column) == value for column, value in keys.items() if value]
    if not conditions:
        return []
    query = select(Merchant).where(or_(*conditions)).order_by(Merchant.id)
    if exclude_id is not None:
        query = query.where(Merchant.id != exclude_id)
    found = []
    for merchant in session.exec(query):
        reasons = tuple(
            reason
            for reason, column in zip(REASONS, ("website_key", "email_key", "name_key"), strict=True)
            if keys[column] and getattr(merchant, column) == keys[column]
        )
        found.append(
            Duplicate(
                merchant.id,
                merchant.name,
                merchant.website,
                merchant.contact_email,
                merchant.status,
                merchant.archived_at is not None,
                reasons,
            )
        )
    return found
