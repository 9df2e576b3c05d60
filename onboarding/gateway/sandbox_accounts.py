"""Each merchant's own account on the embedded simulator, and the local notification receiver an admin may allow."""

import secrets
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from sqlmodel import Session, col, select

from models import Merchant
from models.gateway import SimAccount
from onboarding.core import clock
from onboarding.core.access import Actor, require_admin, require_merchant_access
from onboarding.core.config import get_settings
from onboarding.core.errors import NotFound, ValidationError
from onboarding.gateway.credentials import decrypt, encrypt, mask
from onboarding.process import history

# Embedded accounts get 19-digit clientIds in a range the gateway does not hand out; accId adds three digits.
CLIENT_PREFIX = "2099"
ACC_SUFFIX = "001"
MAX_RECEIVER_URL = 255


@dataclass(frozen=True)
class SandboxAccount:
    """A merchant's account on the simulator as a page may show it: the salt masked."""

    acc_id: str
    client_id: str
    masked_salt: str
    origin: str
    three_ds: bool
    local_receiver_allowed: bool
    local_receiver_url: str | None
    registered_at: datetime


def _shown(row: SimAccount) -> SandboxAccount:
    try:
        masked = mask(decrypt(row.salt_encrypted))
    except ValidationError:
        masked = "—"
    return SandboxAccount(
        row.acc_id,
        row.client_id,
        masked,
        row.origin,
        row.three_ds,
        row.local_receiver_allowed,
        row.local_receiver_url,
        row.registered_at,
    )


def _check_merchant(session: Session, actor: Actor, merchant_id: int) -> Merchant:
    require_merchant_access(actor, merchant_id)
    merchant = session.get(Merchant, merchant_id)
    if merchant is None:
        raise NotFound("error.merchant_not_found")
    return merchant


def _account(session: Session, merchant_id: int, acc_id: str) -> SimAccount:
    row = session.get(SimAccount, (acc_id or "").strip())
    if row is None or row.merchant_id != merchant_id:
        raise NotFound("observatory.error.no_sandbox_account")
    return row


def accounts_for(session: Session, actor: Actor, merchant_id: int) -> list[SandboxAccount]:
    """The merchant's accounts on the simulator: its own embedded one and any registered self-registered one."""
    _check_merchant(session, actor, merchant_id)
    rows = session.exec(
        select(SimAccount).where(SimAccount.merchant_id == merchant_id).order_by(col(SimAccount.registered_at))
    )
    return [_shown(row) for row in rows]


def ensure_sandbox_account(session: Session, actor: Actor, merchant_id: int) -> SandboxAccount:
    """The merchant's own embedded sandbox account, created (with a fresh salt) the first time it is asked for."""
    _check_merchant(session, actor, merchant_id)
    if not get_settings().pingpong_embedded_simulator:
        raise ValidationError("observatory.error.simulator_off")
    row = session.exec(
        select(SimAccount).where(SimAccount.merchant_id == merchant_id, SimAccount.origin == "embedded")
    ).first()
    if row is not None:
        return _shown(row)
    while True:
        client_id = CLIENT_PREFIX + "".join(str(secrets.randbelow(10)) for _ in range(15))
        if session.get(SimAccount, client_id + ACC_SUFFIX) is None:
            break
    # 24 upper-case hex characters, like the documented sandbox salts
    salt = secrets.token_hex(12).upper()
    row = SimAccount(
        acc_id=client_id + ACC_SUFFIX,
        client_id=client_id,
        salt_encrypted=encrypt(salt),
        three_ds=True,
        merchant_id=merchant_id,
        registered_by_name=actor.name,
        registered_at=clock.now(),
        origin="embedded",
    )
    session.add(row)
    history.record(session, actor, "sandbox_account_created", merchant_id, acc_id=row.acc_id)
    session.commit()
    return _shown(row)


def reveal_sandbox_salt(session: Session, actor: Actor, merchant_id: int, acc_id: str) -> str:
    """The salt of one of the merchant's simulator accounts in clear; the reveal is kept in the history."""
    _check_merchant(session, actor, merchant_id)
    row = _account(session, merchant_id, acc_id)
    salt = decrypt(row.salt_encrypted)
    history.record(session, actor, "sandbox_salt_revealed", merchant_id, acc_id=row.acc_id)
    session.commit()
    return salt


def sandbox_credentials(session: Session, actor: Actor, merchant_id: int) -> dict[str, str]:
    """accId, clientId and salt of the merchant's embedded account (created if needed), e.g. for the command line."""
    account = ensure_sandbox_account(session, actor, merchant_id)
    salt = reveal_sandbox_salt(session, actor, merchant_id, account.acc_id)
    return {"accId": account.acc_id, "clientId": account.client_id, "salt": salt}


def allow_local_receiver(
    session: Session, actor: Actor, merchant_id: int, acc_id: str, allowed: bool
) -> SandboxAccount:
    """An admin lets (or stops letting) this account's notifications reach one local receiver the merchant names."""
    require_admin(actor)
    _check_merchant(session, actor, merchant_id)
    row = _account(session, merchant_id, acc_id)
    row.local_receiver_allowed = bool(allowed)
    if not allowed:
        row.local_receiver_url = None
    session.add(row)
    history.record(session, actor, "local_receiver_allowed", merchant_id, acc_id=row.acc_id, allowed=bool(allowed))
    session.commit()
    return _shown(row)


def check_receiver_url(url: str) -> str:
    """A receiver address: http or https, a host, no query string (the gateway's rule), at most 255 characters."""
    url = (url or "").strip()
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018  (raises on a port that is not a number)
    except ValueError:
        raise ValidationError("observatory.error.bad_receiver") from None
    if parts.scheme not in ("http", "https") or not parts.hostname or len(url) > MAX_RECEIVER_URL:
        raise ValidationError("observatory.error.bad_receiver")
    if parts.query or parts.fragment:
        raise ValidationError("observatory.error.receiver_query")
    return url


def set_local_receiver(session: Session, actor: Actor, merchant_id: int, acc_id: str, url: str) -> SandboxAccount:
    """Name the local receiver (e.g. http://localhost:8000/pingpong) notifications of this account may reach."""
    _check_merchant(session, actor, merchant_id)
    row = _account(session, merchant_id, acc_id)
    if not row.local_receiver_allowed:
        raise ValidationError("observatory.error.receiver_not_allowed")
    row.local_receiver_url = check_receiver_url(url) if (url or "").strip() else None
    session.add(row)
    history.record(session, actor, "local_receiver_set", merchant_id, acc_id=row.acc_id, url=row.local_receiver_url)
    session.commit()
    return _shown(row)
