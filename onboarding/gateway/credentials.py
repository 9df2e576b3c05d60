"""Merchant credentials per environment: clientId, accId and the salt, encrypted at rest and shown masked."""

import base64
import hashlib
import hmac
import os
import re
from dataclasses import dataclass
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken
from sqlmodel import Session, select

from models import Merchant
from models.gateway import MerchantCredential
from onboarding.core import clock
from onboarding.core.access import Actor, require_merchant_access
from onboarding.core.config import get_settings
from onboarding.core.errors import NotFound, ValidationError
from onboarding.process import history

ENVIRONMENTS = ("sandbox", "production")
KEY_FILE = "secret.key"
MAX_SALT = 128
ID_PATTERN = re.compile(r"^[0-9]{4,64}$")


@dataclass(frozen=True)
class Credentials:
    """What signs a call: the merchant (clientId), the store (accId) and its salt."""

    client_id: str
    acc_id: str
    salt: str

    def __repr__(self) -> str:
        # the salt must never reach a log line or a traceback
        return f"Credentials(client_id={self.client_id!r}, acc_id={self.acc_id!r}, salt={mask(self.salt)!r})"


# The public shared sandbox accounts from the gateway's sandbox page.
PUBLIC_ACCOUNT_A = Credentials("2018092714313010016", "2018092714313010016291", "F78BC96A55548B2319EE68E0")
PUBLIC_ACCOUNT_B = Credentials("2018092714313010016", "2018092714313010016289", "BCE27A281029F5EAF3CC0E82")


def _key_from_text(text: str) -> bytes:
    """A Fernet key from the setting: used as is when it is one, else derived from the text."""
    raw = text.strip().encode()
    try:
        if len(base64.urlsafe_b64decode(raw)) == 32:
            return raw
    except ValueError:
        pass
    return base64.urlsafe_b64encode(hashlib.sha256(raw).digest())


def _key_file_key(directory: Path) -> bytes:
    """The key kept in the data directory, created once with mode 0600."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / KEY_FILE
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_bytes().strip()
    key = Fernet.generate_key()
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(key)
    return key


def fernet() -> Fernet:
    """The cipher for secrets at rest: ONBOARDING_SECRET_KEY, else the data directory's key file."""
    settings = get_settings()
    if settings.onboarding_secret_key:
        return Fernet(_key_from_text(settings.onboarding_secret_key))
    return Fernet(_key_file_key(settings.data_dir))


def derived_key(purpose: str) -> bytes:
    """A key for one purpose (e.g. marking the app's own sandbox calls), derived from the secret key."""
    settings = get_settings()
    base = (
        settings.onboarding_secret_key.encode("utf-8")
        if settings.onboarding_secret_key
        else _key_file_key(settings.data_dir)
    )
    return hmac.new(base, purpose.encode("utf-8"), hashlib.sha256).digest()


def encrypt(secret: str) -> str:
    """The secret encrypted for storage."""
    return fernet().encrypt(secret.encode("utf-8")).decode("ascii")


def decrypt(token: str) -> str:
    """A stored secret in clear; a wrong key is an error a person can act on."""
    try:
        return fernet().decrypt(token.encode("ascii")).decode("utf-8")
    except InvalidToken:
        raise ValidationError("gateway.error.secret_key_changed") from None


def mask(secret: str) -> str:
    """The secret as a page shows it: only its last four characters."""
    if not secret:
        return ""
    return "•" * 8 + secret[-4:] if len(secret) > 8 else "•" * len(secret)


def validate(client_id: str, acc_id: str, salt: str | None, salt_required: bool = True) -> tuple[str, str, str]:
    """Trimmed identifiers checked against the gateway's rule: clientId is accId without its last 3 digits."""
    client_id, acc_id, salt = (client_id or "").strip(), (acc_id or "").strip(), (salt or "").strip()
    if not ID_PATTERN.match(acc_id):
        raise ValidationError("gateway.error.bad_acc_id")
    if not ID_PATTERN.match(client_id):
        raise ValidationError("gateway.error.bad_client_id")
    if client_id != acc_id[:-3]:
        raise ValidationError("gateway.error.client_acc_mismatch", client_id=client_id, expected=acc_id[:-3])
    if salt_required and not salt:
        raise ValidationError("gateway.error.salt_required")
    if len(salt) > MAX_SALT or any(c.isspace() or not c.isprintable() for c in salt):
        raise ValidationError("gateway.error.bad_salt", limit=MAX_SALT)
    return client_id, acc_id, salt


def _check_environment(environment: str) -> None:
    if environment not in ENVIRONMENTS:
        raise ValidationError("gateway.error.bad_environment")


def _row(session: Session, merchant_id: int, environment: str) -> MerchantCredential | None:
    return session.exec(
        select(MerchantCredential).where(
            MerchantCredential.merchant_id == merchant_id, MerchantCredential.environment == environment
        )
    ).first()


@dataclass(frozen=True)
class StoredCredentials:
    """Credentials as a page may show them: identifiers and the masked salt."""

    environment: str
    client_id: str
    acc_id: str
    masked_salt: str
    updated_by_name: str
    updated_at: object


def save(
    session: Session,
    actor: Actor,
    merchant_id: int,
    environment: str,
    client_id: str,
    acc_id: str,
    salt: str | None = None,
) -> StoredCredentials:
    """Record a merchant's credentials for one environment; an empty salt keeps the stored one."""
    require_merchant_access(actor, merchant_id)
    _check_environment(environment)
    if session.get(Merchant, merchant_id) is None:
        raise NotFound("error.merchant_not_found")
    row = _row(session, merchant_id, environment)
    client_id, acc_id, salt = validate(client_id, acc_id, salt, salt_required=row is None)
    now = clock.now()
    if row is None:
        row = MerchantCredential(
            merchant_id=merchant_id,
            environment=environment,
            client_id=client_id,
            acc_id=acc_id,
            salt_encrypted=encrypt(salt),
            updated_by_name=actor.name,
            updated_at=now,
        )
    else:
        row.client_id, row.acc_id, row.updated_by_name, row.updated_at = client_id, acc_id, actor.name, now
        if salt:
            row.salt_encrypted = encrypt(salt)
    session.add(row)
    history.record(
        session,
        actor,
        "credentials_saved",
        merchant_id,
        environment=environment,
        client_id=client_id,
        acc_id=acc_id,
        salt_changed=bool(salt),
    )
    session.commit()
    return shown(session, actor, merchant_id, environment)


def shown(session: Session, actor: Actor, merchant_id: int, environment: str) -> StoredCredentials | None:
    """The stored credentials with the salt masked, or None."""
    require_merchant_access(actor, merchant_id)
    _check_environment(environment)
    row = _row(session, merchant_id, environment)
    if row is None:
        return None
    return StoredCredentials(
        environment, row.client_id, row.acc_id, mask(decrypt(row.salt_encrypted)), row.updated_by_name, row.updated_at
    )


def reveal(session: Session, actor: Actor, merchant_id: int, environment: str) -> str:
    """The salt in clear, for a person who asked to see it; the reveal is kept in the history."""
    require_merchant_access(actor, merchant_id)
    _check_environment(environment)
    row = _row(session, merchant_id, environment)
    if row is None:
        raise NotFound("gateway.error.no_credentials")
    salt = decrypt(row.salt_encrypted)
    history.record(session, actor, "salt_revealed", merchant_id, environment=environment, acc_id=row.acc_id)
    session.commit()
    return salt


def for_signing(session: Session, actor: Actor, merchant_id: int, environment: str) -> Credentials:
    """The credentials a call for this merchant signs with; a public-sandbox merchant uses account A."""
    require_merchant_access(actor, merchant_id)
    _check_environment(environment)
    merchant = session.get(Merchant, merchant_id)
    if merchant is None:
        raise NotFound("error.merchant_not_found")
    row = _row(session, merchant_id, environment)
    if row is not None:
        return Credentials(row.client_id, row.acc_id, decrypt(row.salt_encrypted))
    if environment == "sandbox" and merchant.sandbox_account == "public":
        return PUBLIC_ACCOUNT_A
    raise NotFound("gateway.error.no_credentials")
