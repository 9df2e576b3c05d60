"""Checks of what people type that several areas share: e-mail addresses, URLs and gateway identifiers."""

import re
from urllib.parse import urlsplit, urlunsplit

from onboarding.core.errors import ValidationError

EMAIL_PATTERN = re.compile(
    r"^[^@\s]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$"
)
MAX_URL = 2048


def normalise_url(raw: str, field: str = "website") -> str:
    """An http(s) URL with a host, lower-cased scheme and host; anything else is refused."""
    value = (raw or "").strip()
    if not value:
        raise ValidationError("error.field_required", field=field)
    if len(value) > MAX_URL:
        raise ValidationError("error.url_too_long", field=field, limit=MAX_URL)
    if (
        "://" not in value
        and not value.lower().startswith(("javascript:", "data:", "file:", "mailto:"))
        and ":" not in value.split("/", 1)[0]
    ):
        value = f"https://{value}"
    try:
        parts = urlsplit(value)
        port = parts.port
    except ValueError:
        raise ValidationError("error.bad_url", field=field) from None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname or any(c.isspace() for c in value):
        raise ValidationError("error.bad_url", field=field)
    host = parts.hostname.lower()
    netloc = f"{host}:{port}" if port else host
    return urlunsplit((parts.scheme.lower(), netloc, parts.path or "/", parts.query, ""))


def validate_email(raw: str, field: str = "contact_email") -> str:
    """A plausible e-mail address, trimmed and with a lower-case domain."""
    value = (raw or "").strip()
    if not EMAIL_PATTERN.match(value):
        raise ValidationError("error.bad_email", field=field)
    local, domain = value.rsplit("@", 1)
    return f"{local}@{domain.lower()}"


def normalise_identifiers(value: str) -> str:
    """`clientId / accId` as digits, where the clientId is the accId without its last three digits."""
    parts = [
        part
        for part in value.replace(",", " ").replace("/", " ").replace(":", " ").split()
        if part.lower() not in ("clientid", "accid")
    ]
    if len(parts) != 2 or not all(part.isdigit() for part in parts):
        raise ValidationError("error.bad_identifiers")
    client_id, acc_id = sorted(parts, key=len)
    if acc_id[:-3] != client_id or len(acc_id) != len(client_id) + 3:
        raise ValidationError("error.identifiers_mismatch")
    return f"clientId {client_id} / accId {acc_id}"
