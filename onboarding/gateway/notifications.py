"""The app's receiver of the gateway's asynchronous notifications: verified, kept once, answered OK."""

import hashlib
import json
from datetime import timedelta

from sqlalchemy import delete, false, func, insert, literal, or_
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from models.gateway import GatewayCase, GatewayRun, MerchantCredential, ReceivedNotification
from onboarding.core import clock
from onboarding.core.access import Actor
from onboarding.core.errors import ValidationError
from onboarding.core.logs import get_logger
from onboarding.gateway.credentials import PUBLIC_ACCOUNT_A, PUBLIC_ACCOUNT_B, decrypt
from onboarding.gateway.runs import merchant_transaction_ids
from onboarding.gateway.signature import verify
from onboarding.process import history

GATEWAY_ACTOR = Actor(id=None, name="PingPong gateway", role="support")
MAX_BODY = 256 * 1024
# Anyone can post junk here: of a refused body only this much is kept, with its size and SHA-256 …
REFUSED_EXCERPT = 500
# … at most this many refused notifications from one address are written per hour (the rest are only logged) …
REFUSED_WRITES_PER_HOUR = 20
# … and at most this many are kept per address and in all (the oldest go first).
REFUSED_KEPT_PER_SOURCE = 20
REFUSED_KEPT = 1000

log = get_logger("notifications")
IDENTITY_FIELDS = (
    "notifyType",
    "transactionId",
    "merchantTransactionId",
    "merchantRefundId",
    "refundId",
    "merchantCaptureId",
    "merchantVoidId",
    "status",
)


def counts_as_received(status: int, body: str) -> bool:
    """The gateway's rule for a merchant's answer: any 2xx is received, unless its body is FAIL."""
    return 200 <= status < 300 and body.strip().upper() != "FAIL"


def _candidate_accounts(session: Session, acc_id: str) -> list[tuple[str, str, int | None]]:
    """(clientId, salt, merchant) for every account with this accId that the app knows."""
    found = [
        (account.client_id, account.salt, None)
        for account in (PUBLIC_ACCOUNT_A, PUBLIC_ACCOUNT_B)
        if account.acc_id == acc_id
    ]
    for row in session.exec(select(MerchantCredential).where(MerchantCredential.acc_id == acc_id)):
        try:
            found.append((row.client_id, decrypt(row.salt_encrypted), row.merchant_id))
        except ValidationError:
            continue
    return found


def _merchant_of_transaction(session: Session, merchant_transaction_id: str | None) -> int | None:
    """The merchant whose test run started this transaction."""
    if not merchant_transaction_id:
        return None
    return session.exec(
        select(GatewayRun.merchant_id)
        .join(GatewayCase, col(GatewayCase.run_id) == GatewayRun.id)
        .where(GatewayCase.merchant_transaction_id == merchant_transaction_id)
        .limit(1)
    ).first()


def _trim_refused(session: Session, keep: int, *where) -> None:
    """Delete the oldest refused notifications (matching `where`) beyond the newest `keep`."""
    table = ReceivedNotification.__table__
    older = select(table.c.id).where(table.c.signature_ok == false(), *where).order_by(table.c.id.desc()).offset(keep)
    session.execute(delete(table).where(table.c.id.in_(older.scalar_subquery())))


def _keep_refused(session: Session, raw: bytes, text: str, acc_id: str, source: str | None) -> bool:
    """Keep an excerpt, size and hash of a refused notification, unless its address used up this hour's writes."""
    table = ReceivedNotification.__table__
    now = clock.now()
    stamp = table.c.received_at.type
    values = {
        "acc_id": acc_id or None,
        "signature_ok": False,
        "body": text[:REFUSED_EXCERPT],
        "body_sha256": hashlib.sha256(raw).hexdigest(),
        "body_size": len(raw),
        "source": (source or "")[:64] or None,
        "received_at": now,
        "times_received": 1,
    }
    recent = (
        select(func.count())
        .select_from(table)
        .where(
            table.c.signature_ok == false(),
            table.c.source == values["source"] if values["source"] else table.c.source.is_(None),
            table.c.received_at > literal(now - timedelta(hours=1), stamp),
        )
        .scalar_subquery()
    )
    # one statement checks the hourly budget and inserts, so a parallel flood cannot overshoot it
    chosen = select(*(literal(value, table.c[name].type) for name, value in values.items())).where(
        recent < REFUSED_WRITES_PER_HOUR
    )
    stored = session.execute(insert(table).from_select(list(values), chosen)).rowcount > 0
    if stored:
        same_source = table.c.source == values["source"] if values["source"] else table.c.source.is_(None)
        _trim_refused(session, REFUSED_KEPT_PER_SOURCE, same_source)
        _trim_refused(session, REFUSED_KEPT)
    session.commit()
    log.info(
        "notification refused: bad signature",
        extra={
            "action": "notification_refused",
            "source": values["source"],
            "acc_id": values["acc_id"],
            "size": len(raw),
            "sha256": values["body_sha256"],
            "stored": stored,
        },
    )
    return stored


def receive(session: Session, raw: bytes, source: str | None = None) -> bool:
    """Keep one notification: True when its signature verifies (duplicates change nothing), False otherwise.

    `source` is the sender's address; refused notifications from one address cannot grow storage without bound.
    """
    text = raw[:MAX_BODY].decode("utf-8", errors="replace")
    try:
        body = json.loads(text)
    except ValueError:
        body = None
    body = body if isinstance(body, dict) else {}
    acc_id = str(body.get("accId") or "")[:64]
    matches = [
        merchant
        for client_id, salt, merchant in _candidate_accounts(session, acc_id)
        if body.get("clientId") == client_id and verify(body, salt)
    ]
    try:
        biz = json.loads(body.get("bizContent") or "{}") if matches else {}
    except (TypeError, ValueError):
        biz = {}
    biz = biz if isinstance(biz, dict) else {}
    merchant_transaction_id = str(biz.get("merchantTransactionId") or "")[:64] or None
    merchant_id = next((m for m in matches if m is not None), None) or _merchant_of_transaction(
        session, merchant_transaction_id
    )
    now = clock.now()
    if not matches:
        _keep_refused(session, raw, text, acc_id, source)
        return False
    identity = "|".join([acc_id, *(str(biz.get(name) or "") for name in IDENTITY_FIELDS)])
    dedupe_key = hashlib.sha256(identity.encode("utf-8")).hexdigest()
    existing = session.exec(select(ReceivedNotification).where(ReceivedNotification.dedupe_key == dedupe_key)).first()
    if existing is None:
        session.add(
            ReceivedNotification(
                dedupe_key=dedupe_key,
                acc_id=acc_id,
                merchant_id=merchant_id,
                notify_type=str(biz.get("notifyType") or "")[:20] or None,
                merchant_transaction_id=merchant_transaction_id,
                transaction_id=str(biz.get("transactionId") or "")[:64] or None,
                status=str(biz.get("status") or "")[:20] or None,
                signature_ok=True,
                body=text,
                received_at=now,
                source=(source or "")[:64] or None,
            )
        )
        if merchant_id is not None:
            history.record(
                session,
                GATEWAY_ACTOR,
                "notification_received",
                merchant_id,
                notify_type=biz.get("notifyType"),
                merchant_transaction_id=merchant_transaction_id,
                status=biz.get("status"),
            )
        try:
            session.commit()
        except IntegrityError:
            # the same notification arrived twice at once: the first one is kept
            session.rollback()
            existing = session.exec(
                select(ReceivedNotification).where(ReceivedNotification.dedupe_key == dedupe_key)
            ).first()
    if existing is not None:
        existing.times_received += 1
        session.add(existing)
        session.commit()
    return True


def received_for(session: Session, merchant_id: int, limit: int = 100) -> list[ReceivedNotification]:
    """The newest verified notifications about one merchant's transactions (callers check access)."""
    # a notification can arrive before its case is stored, so the orders the merchant's runs sent match too
    orders = merchant_transaction_ids(session, merchant_id)
    mine = col(ReceivedNotification.merchant_id) == merchant_id
    if orders:
        mine = or_(mine, col(ReceivedNotification.merchant_transaction_id).in_(orders))
    return list(
        session.exec(
            select(ReceivedNotification)
            .where(mine, ReceivedNotification.signature_ok == True)  # noqa: E712
            .order_by(col(ReceivedNotification.received_at).desc())
            .limit(limit)
        )
    )
