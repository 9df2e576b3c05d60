"""The app's receiver of the gateway's asynchronous notifications: verified, kept once, answered OK."""

import hashlib
import json

from sqlalchemy import or_
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from models.gateway import GatewayCase, GatewayRun, MerchantCredential, ReceivedNotification
from onboarding.core import clock
from onboarding.core.access import Actor
from onboarding.core.errors import ValidationError
from onboarding.gateway.credentials import PUBLIC_ACCOUNT_A, PUBLIC_ACCOUNT_B, decrypt
from onboarding.gateway.runs import merchant_transaction_ids
from onboarding.gateway.signature import verify
from onboarding.process import history

GATEWAY_ACTOR = Actor(id=None, name="PingPong gateway", role="support")
MAX_BODY = 256 * 1024
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


def receive(session: Session, raw: bytes) -> bool:
    """Keep one notification: True when its signature verifies (duplicates change nothing), False otherwise."""
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
        session.add(ReceivedNotification(acc_id=acc_id or None, signature_ok=False, body=text, received_at=now))
        history.record(session, GATEWAY_ACTOR, "notification_rejected", None, acc_id=acc_id or None)
        session.commit()
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
