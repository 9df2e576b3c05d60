"""The sandbox request log: every call made with a merchant's sandbox account, kept without secrets, shown back."""

import json
import re
from dataclasses import dataclass, field

from sqlalchemy import delete, func
from sqlmodel import Session, col, select

from models import Merchant
from models.gateway import SimNotification
from models.observatory import SandboxRequest, SimNotificationAttempt
from onboarding.core import clock
from onboarding.core.access import Actor, require_merchant_access
from onboarding.core.errors import NotFound, ValidationError
from onboarding.gateway import codes
from onboarding.gateway.runs import CARD_KEYS, SECRET_KEYS, mask_card, redact
from onboarding.process import history

KEEP_PER_MERCHANT = 2000
PRUNE_EVERY = 50
MAX_TEXT = 64 * 1024
MAX_PER_PAGE = 200
SOURCES = ("merchant", "app")
SALT_PLACEHOLDER = "<salt>"
# a run of 13 to 19 digits in text that is not JSON: kept as its first six and last four digits
CARD_RUN = re.compile(r"(?<!\d)(\d{6})\d{3,9}(\d{4})(?!\d)")


def scrub(text: str, salt: str | None) -> str:
    """The text with every occurrence of the salt (in any letter case) replaced by <salt>."""
    if salt and len(salt) >= 4:
        return re.sub(re.escape(salt), SALT_PLACEHOLDER, text, flags=re.IGNORECASE)
    return text


def _view(value) -> object:
    """An envelope as it is kept: bizContent parsed, card numbers masked, CVV, PIN and salt fields removed."""
    if isinstance(value, dict):
        copy = dict(value)
        biz = copy.get("bizContent")
        if isinstance(biz, str):
            try:
                parsed = json.loads(biz)
            except ValueError:
                parsed = CARD_RUN.sub(r"\1…\2", biz)
            copy["bizContent"] = parsed
        return redact(copy)
    if isinstance(value, str):
        return CARD_RUN.sub(r"\1…\2", value)
    return redact(value)


def _kept(value, salt: str | None) -> str:
    """JSON text of a redacted value, without the salt, at most MAX_TEXT characters."""
    text = scrub(json.dumps(_view(value), ensure_ascii=False, default=str), salt)
    if len(text) > MAX_TEXT:
        return json.dumps({"truncated": True, "excerpt": text[:MAX_TEXT]}, ensure_ascii=False)
    return text


def _secret_values(value, found: dict[str, str]) -> dict[str, str]:
    """Every card number, CVV, PIN or salt value inside `value`, with what it is shown as instead."""
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(item, (str, int)) and not isinstance(item, bool):
                if key in CARD_KEYS:
                    found[str(item)] = mask_card(str(item))
                elif key.lower() in SECRET_KEYS:
                    found[str(item)] = f"<{key.lower()}>"
            _secret_values(item, found)
    elif isinstance(value, list):
        for item in value:
            _secret_values(item, found)
    return found


def masked_diagnosis(diagnosis: dict, request: object) -> dict:
    """The diagnosis with the card number masked and the CVV shown as <cvv> inside the string to sign."""
    text = diagnosis.get("string_to_sign", "")
    for secret, shown in sorted(_secret_values(_biz_of(request), {}).items(), key=lambda pair: -len(pair[0])):
        if len(secret) >= 3:
            # the value as it appears in the JSON text (quoted, or a bare number)
            text = text.replace(json.dumps(secret, ensure_ascii=False), json.dumps(shown, ensure_ascii=False))
            text = text.replace(f":{secret}", f":{json.dumps(shown)}").replace(f": {secret}", f": {json.dumps(shown)}")
    return {**diagnosis, "string_to_sign": text}


def _biz_of(envelope: object) -> dict:
    if not isinstance(envelope, dict):
        return {}
    try:
        biz = json.loads(envelope.get("bizContent") or "{}")
    except (TypeError, ValueError):
        return {}
    return biz if isinstance(biz, dict) else {}


def record(
    session: Session,
    *,
    merchant_id: int,
    acc_id: str,
    path: str,
    source: str,
    run_id: int | None,
    sign_type: str | None,
    request: object,
    answer: dict,
    diagnosis: dict | None,
    salt: str | None,
    elapsed_ms: int,
    http_status: int = 200,
) -> SandboxRequest:
    """Keep one call (the caller commits); the salt, CVVs and full card numbers never reach the row."""
    sent, answered = _biz_of(request), _biz_of(answer)
    merchant_transaction_id = str(answered.get("merchantTransactionId") or sent.get("merchantTransactionId") or "")
    transaction_id = str(answered.get("transactionId") or sent.get("transactionId") or "")
    row = SandboxRequest(
        merchant_id=merchant_id,
        acc_id=acc_id,
        received_at=clock.now(),
        path=path[:100],
        source=source if source in SOURCES else "merchant",
        run_id=run_id or None,
        http_status=http_status,
        sign_type=(sign_type or "")[:10] or None,
        code=str(answer.get("code") or "")[:6],
        description=scrub(str(answer.get("description") or ""), salt)[:2000],
        merchant_transaction_id=merchant_transaction_id[:64] or None,
        transaction_id=transaction_id[:32] or None,
        request=_kept(request, salt),
        response=_kept(answer, salt),
        diagnosis=scrub(json.dumps(masked_diagnosis(diagnosis, request), ensure_ascii=False), salt)
        if diagnosis
        else None,
        elapsed_ms=elapsed_ms,
    )
    session.add(row)
    session.flush()
    if row.id % PRUNE_EVERY == 0:
        prune(session, merchant_id)
    return row


def prune(session: Session, merchant_id: int, keep: int = KEEP_PER_MERCHANT) -> None:
    """Keep only the newest `keep` calls of a merchant, so a busy integration cannot grow storage without bound."""
    cutoff = session.exec(
        select(SandboxRequest.id)
        .where(SandboxRequest.merchant_id == merchant_id)
        .order_by(col(SandboxRequest.id).desc())
        .offset(keep)
        .limit(1)
    ).first()
    if cutoff is not None:
        session.execute(
            delete(SandboxRequest).where(
                col(SandboxRequest.merchant_id) == merchant_id, col(SandboxRequest.id) <= cutoff
            )
        )


@dataclass
class NotificationView:
    """A notification a call caused, with every delivery attempt and what the receiver answered."""

    row: SimNotification
    attempts: list[SimNotificationAttempt]


@dataclass
class LoggedRequest:
    """One logged call as pages and the API show it."""

    row: SandboxRequest
    request: object
    response: object
    diagnosis: dict | None
    notifications: list[NotificationView] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return codes.is_ok(self.row.code)


@dataclass
class RequestPage:
    """One page of the log, newest first."""

    items: list[LoggedRequest]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def _check_merchant(session: Session, actor: Actor, merchant_id: int) -> None:
    require_merchant_access(actor, merchant_id)
    if session.get(Merchant, merchant_id) is None:
        raise NotFound("error.merchant_not_found")


def requests_for(
    session: Session,
    actor: Actor,
    merchant_id: int,
    page: int = 1,
    per_page: int = 50,
    source: str | None = None,
    paths: tuple[str, ...] = (),
    failures_only: bool = False,
) -> RequestPage:
    """The merchant's sandbox calls, newest first, with the notifications each caused."""
    _check_merchant(session, actor, merchant_id)
    if page < 1 or not 1 <= per_page <= MAX_PER_PAGE:
        raise ValidationError("observatory.error.bad_page", limit=MAX_PER_PAGE)
    if source is not None and source not in SOURCES:
        raise ValidationError("observatory.error.bad_source")
    conditions = [col(SandboxRequest.merchant_id) == merchant_id]
    if source:
        conditions.append(col(SandboxRequest.source) == source)
    if paths:
        conditions.append(col(SandboxRequest.path).in_(paths))
    if failures_only:
        conditions.append(col(SandboxRequest.code).not_in(codes.OK_CODES))
    total = session.exec(select(func.count()).select_from(SandboxRequest).where(*conditions)).one()
    rows = list(
        session.exec(
            select(SandboxRequest)
            .where(*conditions)
            .order_by(col(SandboxRequest.id).desc())
            .offset((page - 1) * per_page)
            .limit(per_page)
        )
    )
    notifications = _notifications_of(session, [row.id for row in rows])
    items = [
        LoggedRequest(
            row,
            json.loads(row.request),
            json.loads(row.response),
            json.loads(row.diagnosis) if row.diagnosis else None,
            notifications.get(row.id, []),
        )
        for row in rows
    ]
    return RequestPage(items, total, page, per_page)


def _notifications_of(session: Session, request_ids: list[int]) -> dict[int, list[NotificationView]]:
    if not request_ids:
        return {}
    rows = list(
        session.exec(
            select(SimNotification)
            .where(col(SimNotification.request_log_id).in_(request_ids))
            .order_by(col(SimNotification.id))
        )
    )
    attempts: dict[int, list[SimNotificationAttempt]] = {}
    if rows:
        for attempt in session.exec(
            select(SimNotificationAttempt)
            .where(col(SimNotificationAttempt.notification_id).in_([row.id for row in rows]))
            .order_by(col(SimNotificationAttempt.id))
        ):
            attempts.setdefault(attempt.notification_id, []).append(attempt)
    found: dict[int, list[NotificationView]] = {}
    for row in rows:
        found.setdefault(row.request_log_id, []).append(NotificationView(row, attempts.get(row.id, [])))
    return found


def resend_notification(session: Session, actor: Actor, merchant_id: int, notification_id: int) -> SimNotification:
    """Send a notification again from the start of the retry schedule (its earlier attempts stay listed)."""
    _check_merchant(session, actor, merchant_id)
    row = session.get(SimNotification, notification_id)
    if row is None or row.merchant_id != merchant_id:
        raise NotFound("observatory.error.notification_not_found")
    now = clock.now()
    row.state, row.attempts, row.next_attempt_at, row.delivered_at = "pending", 0, now, None
    session.add(row)
    history.record(
        session, actor, "sandbox_notification_resent", merchant_id, notification=row.id, notify_type=row.notify_type
    )
    session.commit()
    return row


def _iso(moment) -> str | None:
    return moment.isoformat() if moment else None


def as_json(item: LoggedRequest, language: str = "en") -> dict:
    """One logged call for the integration API (never the salt: it was never stored)."""
    row = item.row
    return {
        "id": row.id,
        "received_at": _iso(row.received_at),
        "endpoint": row.path,
        "source": row.source,
        "run_id": row.run_id,
        "acc_id": row.acc_id,
        "sign_type": row.sign_type,
        "http_status": row.http_status,
        "code": row.code,
        "code_words": codes.explain(row.code, language),
        "description": row.description,
        "merchant_transaction_id": row.merchant_transaction_id,
        "transaction_id": row.transaction_id,
        "elapsed_ms": row.elapsed_ms,
        "request": item.request,
        "response": item.response,
        "diagnosis": item.diagnosis,
        "notifications": [
            {
                "id": view.row.id,
                "notify_type": view.row.notify_type,
                "url": view.row.url,
                "state": view.row.state,
                "created_at": _iso(view.row.created_at),
                "delivered_at": _iso(view.row.delivered_at),
                "attempts": [
                    {
                        "number": attempt.number,
                        "at": _iso(attempt.attempted_at),
                        "delivered": attempt.delivered,
                        "http_status": attempt.http_status,
                        "answer": attempt.answer,
                        "error": attempt.error,
                    }
                    for attempt in view.attempts
                ],
            }
            for view in item.notifications
        ],
    }
