"""The simulator's answers: verify the envelope, apply the rules, keep state and the request log, sign the reply."""

import json
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from models.gateway import SimAccount, SimOperation, SimTransaction
from onboarding.core import clock
from onboarding.core.config import get_settings
from onboarding.core.errors import ValidationError
from onboarding.core.logs import get_logger
from onboarding.gateway import client as api
from onboarding.gateway import codes, coverage, request_log
from onboarding.gateway.credentials import PUBLIC_ACCOUNT_A, PUBLIC_ACCOUNT_B, decrypt
from onboarding.gateway.diagnosis import diagnose
from onboarding.gateway.runs import redact
from onboarding.gateway.signature import SIGN_TYPES, signed, verify
from onboarding.gateway.simulator import delivery, rules
from onboarding.gateway.simulator.rules import Refusal

FINAL_NOTIFIED = ("SUCCESS", "FAILED", "AUTH_SUCCESS")
THREE_DS_MODES = ("Y", "depends", "external")
NOTE_PREFIX = " · Simulator: "

log = get_logger("simulator")


@dataclass(frozen=True)
class Account:
    """A sandbox account the simulator knows: its ids, its salt, 3-D Secure and the merchant it belongs to."""

    client_id: str
    acc_id: str
    salt: str
    three_ds: bool
    merchant_id: int | None = None

    def __repr__(self) -> str:
        # the salt must never reach a log line or a traceback
        return f"Account(acc_id={self.acc_id!r}, merchant_id={self.merchant_id!r})"


PUBLIC_ACCOUNTS = {
    PUBLIC_ACCOUNT_A.acc_id: Account(PUBLIC_ACCOUNT_A.client_id, PUBLIC_ACCOUNT_A.acc_id, PUBLIC_ACCOUNT_A.salt, False),
    PUBLIC_ACCOUNT_B.acc_id: Account(PUBLIC_ACCOUNT_B.client_id, PUBLIC_ACCOUNT_B.acc_id, PUBLIC_ACCOUNT_B.salt, True),
}


def find_account(session: Session, acc_id: str) -> Account | None:
    """A public account or one registered with the simulator."""
    if acc_id in PUBLIC_ACCOUNTS:
        return PUBLIC_ACCOUNTS[acc_id]
    row = session.get(SimAccount, acc_id) if acc_id else None
    if row is None:
        return None
    try:
        salt = decrypt(row.salt_encrypted)
    except ValidationError:
        return None
    return Account(row.client_id, row.acc_id, salt, row.three_ds, row.merchant_id)


def millis(moment: datetime) -> str:
    """Times as the gateway sends them: epoch milliseconds in a string."""
    return str(int(moment.timestamp() * 1000))


def description(code: str) -> str:
    text = codes.explain(code, "en")
    return text[:1].upper() + text[1:]


def _described(code: str, detail: str = "", notes: list[str] | None = None, separator: str = ": ") -> str:
    """The answer's description: the code in words, what exactly was wrong, and where the documentation is unclear."""
    text = description(code) + (f"{separator}{detail}" if detail else "")
    if notes:
        text += NOTE_PREFIX + " ".join(notes)
    return text


def _reply(account: Account, sign_type: str, code: str, biz: dict, detail: str = "", notes=None) -> dict:
    """A signed answer: code, description and bizContent."""
    fields = {
        "accId": account.acc_id,
        "clientId": account.client_id,
        "signType": sign_type,
        "code": code,
        "description": _described(code, detail, notes),
        "bizContent": api.biz_json(biz),
    }
    return signed(fields, account.salt)


def unsigned_reply(body: dict, code: str, detail: str = "", separator: str = ": ") -> dict:
    """An answer to a caller whose key is unknown or wrong: nothing it could verify is signed."""
    return {
        "accId": str(body.get("accId") or "")[:64],
        "clientId": str(body.get("clientId") or "")[:64],
        "code": code,
        "description": _described(code, detail, separator=separator),
        "bizContent": "{}",
    }


@dataclass
class Context:
    """One request: its session, account, base URL (for links), time, and what the answer should mention."""

    session: Session
    account: Account
    base_url: str
    now: datetime
    sign_type: str = "SHA256"
    source: str = "merchant"
    notes: list[str] = field(default_factory=list)
    detail: str = ""
    created: list = field(default_factory=list)

    def note(self, text: str) -> None:
        """Say in the answer where the documentation is silent or contradicts itself, and what was chosen."""
        if text not in self.notes:
            self.notes.append(text)


@dataclass
class Outcome:
    """What one call produced: the answer, and what the request log keeps about it."""

    answer: dict
    account: Account | None = None
    sign_type: str | None = None
    diagnosis: dict | None = None
    created: list = field(default_factory=list)


def handle(
    session: Session, path: str, body: object, base_url: str, source: str = "merchant", run_id: int | None = None
) -> dict:
    """The gateway's answer to a POSTed envelope at `path`; a merchant account's call is kept in its request log."""
    began = time.monotonic()
    outcome = _answer(session, path, body, base_url, source)
    account = outcome.account
    if account is not None and account.merchant_id is not None:
        try:
            row = request_log.record(
                session,
                merchant_id=account.merchant_id,
                acc_id=account.acc_id,
                path=path,
                source=source,
                run_id=run_id,
                sign_type=outcome.sign_type,
                request=body,
                answer=outcome.answer,
                diagnosis=outcome.diagnosis,
                salt=account.salt,
                elapsed_ms=int((time.monotonic() - began) * 1000),
            )
            for created in outcome.created:
                created.request_log_id = row.id
                session.add(created)
            session.commit()
            if source == "merchant":
                coverage.credit_from_traffic(session, account.merchant_id)
        except Exception:  # the request log must never cost the caller its answer
            session.rollback()
            log.exception("the sandbox request could not be logged", extra={"acc_id": account.acc_id})
    return outcome.answer


def _answer(session: Session, path: str, body: object, base_url: str, source: str) -> Outcome:
    if not isinstance(body, dict):
        return Outcome(unsigned_reply({}, codes.BAD_PARAMETER, "the body must be a JSON object"))
    account = find_account(session, str(body.get("accId") or ""))
    if account is None:
        return Outcome(unsigned_reply(body, codes.AUTH_INVALID, "no sandbox account has this accId"))
    if body.get("clientId") != account.client_id:
        detail = "the clientId does not belong to this accId (it is the accId without its last three digits)"
        return Outcome(unsigned_reply(body, codes.AUTH_INVALID, detail), account)
    sign_type = str(body.get("signType") or "")
    if sign_type not in SIGN_TYPES:
        answer = _reply(account, "SHA256", codes.BAD_PARAMETER, {}, "signType must be SHA256 or MD5")
        return Outcome(answer, account, sign_type[:10] or None)
    if not verify(body, account.salt):
        # the caller learns only that the signature is wrong; the diagnosis goes to the merchant's request log
        detail = "the request log in the onboarding portal shows the string that should have been signed"
        answer = unsigned_reply(body, codes.BAD_SIGNATURE, detail, separator="; ")
        return Outcome(answer, account, sign_type, diagnose(body, account.salt))
    try:
        biz = json.loads(body.get("bizContent") or "")
    except (TypeError, ValueError):
        biz = None
    if not isinstance(biz, dict) or body.get("version") != api.VERSION:
        detail = "bizContent must be a JSON object in a string, and version 1.0"
        return Outcome(_reply(account, sign_type, codes.BAD_PARAMETER, {}, detail), account, sign_type)
    context = Context(session, account, base_url.rstrip("/"), clock.now(), sign_type, source)
    try:
        code, answer = HANDLERS[path](context, biz)
        session.commit()
    except Refusal as refusal:
        session.rollback()
        reply = _reply(account, sign_type, refusal.code, {}, refusal.detail, context.notes)
        return Outcome(reply, account, sign_type)
    except IntegrityError:
        # two requests raced for the same merchantTransactionId or operation id: the first one wins
        session.rollback()
        return Outcome(_reply(account, sign_type, codes.DUPLICATE, {}), account, sign_type)
    reply = _reply(account, sign_type, code, answer, context.detail, context.notes)
    return Outcome(reply, account, sign_type, None, context.created)


def _text(biz: dict, name: str, required: bool = False, limit: int | None = None) -> str | None:
    """A text field checked against the documented length: too long is refused, never cut."""
    value = biz.get(name)
    if value is None or value == "":
        if required:
            raise Refusal(codes.BAD_PARAMETER, f"{name} is missing")
        return None
    if isinstance(value, (dict, list, bool)):
        raise Refusal(codes.BAD_PARAMETER, f"{name} must be a string")
    text = str(value)
    limit = limit or rules.LIMITS.get(name)
    if limit is not None and len(text) > limit:
        raise Refusal(codes.BAD_PARAMETER, f"{name} is {len(text)} characters long; at most {limit} are allowed")
    return text


def _capture_delay(context: Context, biz: dict) -> int:
    """captureDelayHours: 0 or -1, as an int or (like the documentation's prePay example) a string."""
    raw = biz.get("captureDelayHours")
    if raw is None or raw == "":
        context.note("captureDelayHours is missing: treated as 0 (the documentation marks it mandatory).")
        return 0
    if isinstance(raw, str) and raw.strip() in ("0", "-1"):
        context.note(
            f'captureDelayHours was sent as the string "{raw.strip()}": the table says int while the '
            "documentation's own prePay example sends a string; both are accepted here."
        )
        return int(raw.strip())
    if isinstance(raw, int) and not isinstance(raw, bool) and raw in (0, -1):
        return raw
    raise Refusal(codes.BAD_PARAMETER, "captureDelayHours must be 0 (capture at once) or -1 (pre-authorise)")


def _amount(context: Context, biz: dict, name: str = "amount") -> Decimal:
    raw = biz.get(name)
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        context.note(
            f"{name} was sent as a JSON number: the table says string while the documentation's own unifiedPay "
            "example sends a number; both are accepted here."
        )
    return rules.amount_of(raw, biz.get("currency"))


def _three_ds_mode(context: Context, biz: dict) -> tuple[str | None, dict]:
    """threeDSRequestData.executeThreeD (Y, depends or external) and the block itself."""
    block = biz.get("threeDSRequestData")
    if isinstance(block, str) and block.strip():
        try:
            block = json.loads(block)
        except ValueError:
            raise Refusal(codes.BAD_PARAMETER, "threeDSRequestData is not JSON") from None
        context.note(
            "threeDSRequestData was sent as a JSON string: the table types it String but lists fields inside "
            "it; a string and an object are both accepted here."
        )
    if not isinstance(block, dict) or not block.get("executeThreeD"):
        return None, {}
    mode = str(block["executeThreeD"])
    if mode not in THREE_DS_MODES:
        raise Refusal(codes.BAD_PARAMETER, "threeDSRequestData.executeThreeD must be Y, depends or external")
    return mode, block


def _by_merchant_id(context: Context, merchant_transaction_id: str) -> SimTransaction | None:
    return context.session.exec(
        select(SimTransaction).where(
            SimTransaction.acc_id == context.account.acc_id,
            SimTransaction.merchant_transaction_id == merchant_transaction_id,
        )
    ).first()


def _by_transaction_id(context: Context, transaction_id: str) -> SimTransaction | None:
    return context.session.exec(
        select(SimTransaction).where(
            SimTransaction.acc_id == context.account.acc_id, SimTransaction.transaction_id == transaction_id
        )
    ).first()


def _stored_request(biz: dict) -> str:
    """The request as kept: the card reduced to its first six and last four digits, no CVV or PIN."""
    return json.dumps(redact(biz), ensure_ascii=False)


def charged(txn: SimTransaction) -> Decimal:
    """What the order is worth now: the captured amount after a capture, else the amount paid or authorised."""
    return Decimal(txn.captured_amount or txn.amount)


def _payment_biz(txn: SimTransaction, extra: dict | None = None) -> dict:
    biz = {
        "transactionId": txn.transaction_id,
        "merchantTransactionId": txn.merchant_transaction_id,
        "requestId": txn.request_id,
        "amount": rules.echo(charged(txn)),
        "currency": txn.currency,
        "status": txn.status,
        "transactionTime": millis(txn.created_at),
        "transactionEndingTime": millis(txn.updated_at),
        "captureDelayHours": txn.capture_delay_hours,
        "remark": txn.remark or "",
        "threeDContinue": "false",
        "paymentMethod": {"type": txn.payment_type or "scheme"},
        "issuerInfo": {"issuerResultCode": txn.result_code, "issuerResultMsg": description(txn.result_code)},
    }
    if txn.card_first6:
        biz["cardInfo"] = {
            "firstSixDigits": txn.card_first6,
            "lastFourDigits": txn.card_last4,
            "paymentBrand": rules.brand(txn.card_first6),
            "cardType": "CREDIT",
        }
    biz.update(extra or {})
    return biz


def _new_token() -> str:
    return uuid.uuid4().hex


def _set_id(context: Context, row, prefix: str, attribute: str) -> None:
    context.session.add(row)
    context.session.flush()
    setattr(row, attribute, f"{prefix}{row.id:015d}")


def _succeed(txn: SimTransaction) -> None:
    txn.status = "AUTH_SUCCESS" if txn.capture_delay_hours == -1 else "SUCCESS"
    txn.result_code = codes.SUCCESS


def decide(
    context: Context, txn: SimTransaction, card: dict, email: str, three_ds_mode: str | None = None, block=None
) -> None:
    """Apply the card rules to a payment: decline, risk review, 3-D Secure challenge or success."""
    number = "".join(ch for ch in str(card.get("number") or "") if ch.isdigit())
    if not number:
        raise Refusal(codes.BAD_PARAMETER, "paymentMethod.cardInfo.number is missing")
    txn.card_first6, txn.card_last4 = number[:6], number[-4:]
    amount = Decimal(txn.amount)
    txn.updated_at = context.now
    if number not in rules.TEST_CARDS:
        txn.status, txn.result_code = "FAILED", codes.DO_NOT_HONOUR
        return
    if rules.is_risk_rejected(amount, email):
        txn.status, txn.result_code = "FAILED", codes.HIGH_RISK
        return
    if three_ds_mode == "external":
        missing = [name for name in ("authenticationValue", "eci") if not (block or {}).get(name)]
        if missing:
            raise Refusal(codes.BAD_PARAMETER, f"executeThreeD external needs {' and '.join(missing)}")
        txn.three_ds = True
        _succeed(txn)
        return
    if three_ds_mode == "Y" or (number in rules.THREE_DS_CARDS and context.account.three_ds):
        txn.status, txn.result_code, txn.three_ds = "PROCESSING", codes.PROCESSING, True
        txn.token = txn.token or _new_token()
        return
    _succeed(txn)


def challenge_url(base_url: str, txn: SimTransaction) -> str:
    return f"{base_url}/threeds/{txn.token}"


def apm_url(base_url: str, txn: SimTransaction) -> str:
    return f"{base_url}/apm/{txn.token}"


def payment_answer(context: Context, txn: SimTransaction) -> tuple[str, dict]:
    """The code and bizContent of a payment in its current state."""
    extra: dict = {}
    if txn.status == "PROCESSING" and txn.payment_type:
        url = apm_url(context.base_url, txn)
        qr = rules.is_qr_method(txn.payment_type)
        extra["action"] = (
            {"type": "QR_CODE", "qrCode": url} if qr else {"type": "PAYMENT_REDIRECT_URL", "paymentRedirectUrl": url}
        )
    elif txn.status == "PROCESSING" and txn.three_ds:
        extra = {
            "threeDContinue": "true",
            "threeDUnionParams": {"threeDContinue": "true", "threeDRedirectUrl": challenge_url(context.base_url, txn)},
        }
    else:
        # as in the documentation's own unifiedPay answer
        extra["threeDUnionParams"] = {"threeDContinue": "false"}
    code = (
        codes.SUCCESS
        if txn.status in ("SUCCESS", "AUTH_SUCCESS")
        else (codes.PROCESSING if txn.status == "PROCESSING" else txn.result_code)
    )
    return code, _payment_biz(txn, extra)


def notify_payment(session: Session, account: Account, txn: SimTransaction):
    """Owe the order's notificationUrl a RECHARGE notification once the payment is final (signed like its call)."""
    if not (txn.notification_url and txn.status in FINAL_NOTIFIED):
        return None
    biz = _payment_biz(txn, {"notifyType": "RECHARGE", "threeDSecure": "Y" if txn.three_ds else "N"})
    return delivery.enqueue(
        session, account, txn.notification_url, biz, txn.sign_type or "SHA256", request_log_id=txn.request_log_id
    )


def unified_pay(context: Context, biz: dict) -> tuple[str, dict]:
    """/v4/payment/unifiedPay: a card payment decided by the rules, or an APM answered with an action."""
    merchant_transaction_id = _text(biz, "merchantTransactionId", required=True)
    request_id = _text(biz, "requestId", required=True)
    _text(biz, "currency", required=True)
    amount = _amount(context, biz)
    method = biz.get("paymentMethod") if isinstance(biz.get("paymentMethod"), dict) else {}
    payment_type = str(method.get("type") or "").strip()
    if not payment_type:
        raise Refusal(codes.BAD_PARAMETER, "paymentMethod.type is missing: scheme for cards, or the APM's type")
    apm = payment_type.lower() != "scheme"
    delay = _capture_delay(context, biz)
    if apm and delay == -1:
        raise Refusal(codes.BAD_PARAMETER, "captureDelayHours -1 is not allowed for alternative payment methods")
    notification_url = _text(biz, "notificationUrl")
    pay_result_url = _text(biz, "payResultUrl")
    remark = _text(biz, "remark")
    _text(biz, "shopperIP")
    card = method.get("cardInfo") if isinstance(method.get("cardInfo"), dict) else {}
    for address in (biz.get("billingAddress"), biz.get("shippingAddress")):
        rules.check_address(address)
    if isinstance(biz.get("goods"), dict):
        context.note(
            "goods was sent as an object: the table types it Array while the documentation's own example sends "
            "an object; both are accepted here."
        )
    three_ds_mode, block = _three_ds_mode(context, biz)
    customer = biz.get("customer") if isinstance(biz.get("customer"), dict) else {}
    same_request = context.session.exec(
        select(SimTransaction).where(
            SimTransaction.acc_id == context.account.acc_id, SimTransaction.request_id == request_id
        )
    ).first()
    if same_request is not None:
        # the requestId is the idempotency key: a repeat gets the first answer and charges nothing
        return payment_answer(context, same_request)
    txn = _by_merchant_id(context, merchant_transaction_id)
    if txn is not None and not (txn.kind == "payment" and txn.status == "FAILED"):
        raise Refusal(codes.DUPLICATE)
    if txn is None:
        txn = SimTransaction(
            acc_id=context.account.acc_id,
            merchant_transaction_id=merchant_transaction_id,
            kind="payment",
            created_at=context.now,
            status="INIT",
            result_code=codes.PROCESSING,
            amount="0",
            currency="USD",
            request="{}",
            updated_at=context.now,
        )
    txn.request_id = request_id
    txn.amount, txn.currency, txn.capture_delay_hours = str(amount), str(biz["currency"]).upper(), delay
    txn.notification_url, txn.pay_result_url, txn.remark = notification_url, pay_result_url, remark
    txn.request = _stored_request(biz)
    txn.sign_type, txn.source = context.sign_type, context.source
    if apm:
        txn.payment_type, txn.updated_at = payment_type[:64], context.now
        txn.status, txn.result_code, txn.token = "PROCESSING", codes.PROCESSING, txn.token or _new_token()
        context.note(
            "the action object follows the response table; the Non-Hosted page calls its fields paymentQrCode "
            "and paymentRedirectUrl instead."
        )
    else:
        decide(context, txn, card, str(customer.get("email") or ""), three_ds_mode, block)
    if txn.transaction_id is None:
        _set_id(context, txn, "9", "transaction_id")
    context.session.add(txn)
    context.created.append(txn)
    notification = notify_payment(context.session, context.account, txn)
    if notification is not None:
        context.created.append(notification)
    return payment_answer(context, txn)


def pre_pay(context: Context, biz: dict) -> tuple[str, dict]:
    """/v4/payment/prePay: an order with a hosted checkout URL; the same merchantTransactionId returns it unchanged."""
    merchant_transaction_id = _text(biz, "merchantTransactionId", required=True)
    txn = _by_merchant_id(context, merchant_transaction_id)
    if txn is not None and txn.kind != "prepay":
        raise Refusal(codes.DUPLICATE)
    if txn is None:
        _text(biz, "currency", required=True)
        amount = _amount(context, biz)
        delay = _capture_delay(context, biz)
        mode, _block = _three_ds_mode(context, biz)
        if mode == "external":
            raise Refusal(codes.BAD_PARAMETER, "executeThreeD external is not valid for the hosted checkout")
        for name in ("language", "shopperIP"):
            _text(biz, name)
        txn = SimTransaction(
            acc_id=context.account.acc_id,
            merchant_transaction_id=merchant_transaction_id,
            request_id=_text(biz, "requestId"),
            kind="prepay",
            amount=str(amount),
            currency=str(biz["currency"]).upper(),
            capture_delay_hours=delay,
            status="INIT",
            result_code=codes.PROCESSING,
            token=_new_token(),
            notification_url=_text(biz, "notificationUrl"),
            pay_result_url=_text(biz, "payResultUrl"),
            pay_cancel_url=_text(biz, "payCancelUrl"),
            remark=_text(biz, "remark"),
            request=_stored_request(biz),
            created_at=context.now,
            updated_at=context.now,
            sign_type=context.sign_type,
            source=context.source,
        )
        _set_id(context, txn, "9", "transaction_id")
        context.session.add(txn)
        context.created.append(txn)
    return codes.SUCCESS, {
        "transactionId": txn.transaction_id,
        "merchantTransactionId": txn.merchant_transaction_id,
        "amount": rules.echo(Decimal(txn.amount)),
        "currency": txn.currency,
        "remark": txn.remark or "",
        "token": txn.token,
        "innerJsUrl": f"{context.base_url}/checkout.js?token={txn.token}",
        "paymentUrl": f"{context.base_url}/checkout?token={txn.token}",
    }


def checkout_expired(txn: SimTransaction, now: datetime) -> bool:
    """The hosted checkout URL is valid for 48 hours."""
    created = txn.created_at if txn.created_at.tzinfo else txn.created_at.replace(tzinfo=now.tzinfo)
    return now - created > timedelta(hours=rules.CHECKOUT_VALID_HOURS)


def query(context: Context, biz: dict) -> tuple[str, dict]:
    """/v4/payment/query: the transaction's state by transactionId or merchantTransactionId; 107001 when unknown."""
    transaction_id = _text(biz, "transactionId")
    merchant_transaction_id = _text(biz, "merchantTransactionId")
    _text(biz, "requestId")
    if not transaction_id and not merchant_transaction_id:
        raise Refusal(codes.BAD_PARAMETER, "transactionId or merchantTransactionId is required")
    txn = _by_transaction_id(context, transaction_id) if transaction_id else None
    if txn is None and merchant_transaction_id:
        txn = _by_merchant_id(context, merchant_transaction_id)
    if txn is None:
        raise Refusal(codes.NOT_FOUND)
    if (
        transaction_id
        and merchant_transaction_id
        and (txn.transaction_id != transaction_id or txn.merchant_transaction_id != merchant_transaction_id)
    ):
        context.note(
            "transactionId and merchantTransactionId do not name the same order; the documentation asks for at "
            "least one and does not say which wins: the order of "
            + ("transactionId" if txn.transaction_id == transaction_id else "merchantTransactionId")
            + " is answered."
        )
    _settle(context, txn)
    _, answer = payment_answer(context, txn)
    answer.pop("threeDUnionParams", None)
    answer.pop("action", None)
    answer.update(
        {
            "resultCode": txn.result_code,
            "resultDescription": description(txn.result_code),
            "authenticationInfo": {"threeDSecure": "Y" if txn.three_ds else "N"},
        }
    )
    if txn.three_ds and txn.status in ("SUCCESS", "AUTH_SUCCESS", "CANCEL"):
        answer["threeDSInfo"] = {
            "authenticationResult": "Y",
            "liabilityShift": "Y",
            "eci": "02" if rules.brand(txn.card_first6 or "") == "MASTERCARD" else "05",
            "authentication3DSecure": "Y",
            "specificationVersion": "2.2.0",
        }
    return codes.REQUEST_OK, answer


OPERATION_FIELDS = {
    "refund": ("merchantRefundId", "refundId", "refundTime", "refundEndingTime", "REFUND", "8"),
    "capture": ("merchantCaptureId", "captureId", "captureTime", "captureEndingTime", "CAPTURE", "7"),
    "void": ("merchantVoidId", "voidId", "voidTime", "voidEndingTime", "VOID", "6"),
}


def _operations(context: Context, txn: SimTransaction, kind: str | None = None) -> list[SimOperation]:
    query = select(SimOperation).where(SimOperation.transaction_id == txn.transaction_id)
    if kind:
        query = query.where(SimOperation.kind == kind)
    return list(context.session.exec(query.order_by(col(SimOperation.id))))


def _settle(context: Context, txn: SimTransaction) -> None:
    """Finish the order's PROCESSING operations whose time has come (their notifications are already queued)."""
    for operation in _operations(context, txn):
        if operation.status == "PROCESSING" and rules.effective_status(operation, context.now) == "SUCCESS":
            operation.status, operation.result_code = "SUCCESS", codes.SUCCESS
            context.session.add(operation)
            if operation.kind == "capture":
                txn.status, txn.captured_amount = "SUCCESS", operation.amount
            elif operation.kind == "void":
                txn.status = "CANCEL"
            txn.updated_at = context.now
            context.session.add(txn)


def _operation_biz(operation: SimOperation, with_result: bool, now: datetime | None = None) -> dict:
    merchant_key, id_key, time_key, ending_key, _, _ = OPERATION_FIELDS[operation.kind]
    status = rules.effective_status(operation, now) if now else operation.status
    ended = operation.settle_at if operation.settle_at and status != "PROCESSING" else operation.created_at
    biz = {
        "transactionId": operation.transaction_id,
        "merchantTransactionId": operation.merchant_transaction_id,
        merchant_key: operation.merchant_operation_id,
        id_key: operation.operation_id,
        "amount": rules.echo(Decimal(operation.amount)),
        "currency": operation.currency,
        time_key: millis(operation.created_at),
        "status": status,
        "remark": operation.remark or "",
    }
    if status != "PROCESSING":
        biz[ending_key] = millis(ended)
    result_code = codes.SUCCESS if status == "SUCCESS" else operation.result_code
    if with_result or operation.kind == "refund":
        biz.update({"resultCode": result_code, "resultDescription": description(result_code)})
    return biz


def _operation_code(operation: SimOperation) -> str:
    if operation.status == "SUCCESS":
        return codes.SUCCESS
    return codes.PROCESSING if operation.status == "PROCESSING" else operation.result_code


def _record_operation(
    context: Context, kind: str, txn: SimTransaction, biz: dict, amount: Decimal, status: str, result_code: str
) -> SimOperation:
    merchant_key = OPERATION_FIELDS[kind][0]
    remark_limit = rules.REFUND_REMARK_LIMIT if kind == "refund" else None
    settle_at = None
    if status == "PROCESSING":
        settle_at = context.now + timedelta(seconds=rules.PROCESSING_SECONDS * get_settings().notification_retry_scale)
    operation = SimOperation(
        acc_id=context.account.acc_id,
        kind=kind,
        transaction_id=txn.transaction_id,
        merchant_transaction_id=txn.merchant_transaction_id,
        merchant_operation_id=str(biz[merchant_key]),
        amount=str(amount),
        currency=txn.currency,
        status=status,
        result_code=result_code,
        remark=_text(biz, "remark", limit=remark_limit),
        created_at=context.now,
        settle_at=settle_at,
        source=context.source,
    )
    _set_id(context, operation, OPERATION_FIELDS[kind][5], "operation_id")
    context.session.add(operation)
    context.created.append(operation)
    url = _text(biz, "notificationUrl") or txn.notification_url
    if url:
        # a PROCESSING operation's notification is owed when it settles, with its final state
        notification = _operation_biz(operation, True, settle_at)
        notification["notifyType"] = OPERATION_FIELDS[kind][4]
        row = delivery.enqueue(context.session, context.account, url, notification, context.sign_type, due_at=settle_at)
        context.created.append(row)
    return operation


def _original(context: Context, biz: dict, kind: str) -> tuple[SimTransaction, Decimal, SimOperation | None]:
    merchant_key = OPERATION_FIELDS[kind][0]
    merchant_transaction_id = _text(biz, "merchantTransactionId", required=True)
    merchant_operation_id = _text(biz, merchant_key, required=True)
    _text(biz, "currency", required=True)
    _text(biz, "notificationUrl")
    existing = context.session.exec(
        select(SimOperation).where(
            SimOperation.acc_id == context.account.acc_id,
            SimOperation.kind == kind,
            SimOperation.merchant_operation_id == merchant_operation_id,
        )
    ).first()
    txn = _by_merchant_id(context, merchant_transaction_id)
    if txn is None or txn.transaction_id is None:
        raise Refusal(codes.ORIGINAL_NOT_FOUND)
    amount = _amount(context, biz)
    if str(biz["currency"]).upper() != txn.currency:
        raise Refusal(codes.CURRENCY, "the currency differs from the original payment")
    _settle(context, txn)
    return txn, amount, existing


def _answer_existing(context: Context, existing: SimOperation, with_result: bool) -> tuple[str, dict]:
    """A repeated operation id answers the first operation again and changes nothing."""
    return _operation_code(existing), _operation_biz(existing, with_result, context.now)


def refund(context: Context, biz: dict) -> tuple[str, dict]:
    """/v4/payment/refund: full or partial; more than paid → 108000, more than what is left → 108003."""
    txn, amount, existing = _original(context, biz, "refund")
    if existing is not None:
        return _answer_existing(context, existing, True)
    if txn.status == "AUTH_SUCCESS":
        raise Refusal(codes.ORIGINAL_TYPE, "capture the authorisation before refunding it")
    if txn.status != "SUCCESS":
        raise Refusal(codes.INVALID_TRANSACTION, "only a successful payment can be refunded")
    refunded = sum(
        (
            Decimal(op.amount)
            for op in _operations(context, txn, "refund")
            if rules.effective_status(op, context.now) in ("SUCCESS", "PROCESSING")
        ),
        Decimal(0),
    )
    original, left = Decimal(txn.amount), charged(txn) - refunded
    if txn.captured_amount is not None and Decimal(txn.captured_amount) != original:
        context.note(
            "after a partial capture the documentation does not say what can be refunded: the simulator allows "
            "the captured amount."
        )
    if amount > original:
        status, code = "FAILED", codes.REFUND_TOO_LARGE
        context.detail = f"the refund ({amount} {txn.currency}) is more than the payment ({original} {txn.currency})"
    elif amount > left:
        status, code = "FAILED", codes.REFUND_OVER_BALANCE
        context.detail = (
            f"the refund ({amount} {txn.currency}) is more than what is left to refund ({left} {txn.currency})"
        )
    elif rules.is_processing(amount):
        status, code = "PROCESSING", codes.PROCESSING
    else:
        status, code = "SUCCESS", codes.SUCCESS
    operation = _record_operation(context, "refund", txn, biz, amount, status, code)
    return _operation_code(operation), _operation_biz(operation, True)


def capture(context: Context, biz: dict) -> tuple[str, dict]:
    """/v4/payment/capture: turns an AUTH_SUCCESS payment into SUCCESS, for the amount captured."""
    txn, amount, existing = _original(context, biz, "capture")
    if existing is not None:
        return _answer_existing(context, existing, False)
    if txn.capture_delay_hours != -1:
        raise Refusal(codes.ORIGINAL_TYPE, "only an authorisation (captureDelayHours -1) can be captured")
    if txn.status == "CANCEL":
        raise Refusal(codes.CAPTURE_ON_REVERSED)
    pending = [op for op in _operations(context, txn) if op.status == "PROCESSING"]
    if pending:
        raise Refusal(codes.INVALID_TRANSACTION, f"a {pending[0].kind} of this order is still PROCESSING")
    if txn.status == "SUCCESS":
        context.note("the documentation does not mention several captures of one authorisation: one is allowed.")
        raise Refusal(codes.INVALID_TRANSACTION, "the authorisation was captured already")
    if txn.status != "AUTH_SUCCESS":
        raise Refusal(codes.INVALID_TRANSACTION, f"the payment is {txn.status}")
    if amount > Decimal(txn.amount):
        raise Refusal(codes.CAPTURE_TOO_LARGE)
    if amount < Decimal(txn.amount):
        context.note(
            "partial capture: the documentation does not say what happens to the rest of the authorisation; the "
            "simulator releases it, and the order's amount (query, refunds) becomes the captured amount."
        )
    processing = rules.is_processing(amount)
    if not processing:
        txn.status, txn.captured_amount, txn.updated_at = "SUCCESS", str(amount), context.now
        context.session.add(txn)
    status, code = ("PROCESSING", codes.PROCESSING) if processing else ("SUCCESS", codes.SUCCESS)
    operation = _record_operation(context, "capture", txn, biz, amount, status, code)
    return _operation_code(operation), _operation_biz(operation, False)


def void(context: Context, biz: dict) -> tuple[str, dict]:
    """/v4/payment/void: cancels a whole authorisation; a captured payment is refused with 109002."""
    _text(biz, "notificationUrl", required=True)
    txn, amount, existing = _original(context, biz, "void")
    if existing is not None:
        return _answer_existing(context, existing, False)
    if txn.status == "SUCCESS":
        raise Refusal(codes.VOID_ON_CAPTURED)
    if txn.status != "AUTH_SUCCESS":
        raise Refusal(codes.INVALID_TRANSACTION, f"the payment is {txn.status}")
    pending = [op for op in _operations(context, txn) if op.status == "PROCESSING"]
    if pending:
        raise Refusal(codes.INVALID_TRANSACTION, f"a {pending[0].kind} of this order is still PROCESSING")
    if amount != Decimal(txn.amount):
        context.note(
            "the documentation does not say whether a void can be partial: the simulator voids whole "
            "authorisations only."
        )
        raise Refusal(
            codes.BAD_PARAMETER,
            f"the void amount ({amount} {txn.currency}) must be the authorised amount ({txn.amount} {txn.currency})",
        )
    processing = rules.is_processing(amount)
    if not processing:
        txn.status, txn.updated_at = "CANCEL", context.now
        context.session.add(txn)
    status, code = ("PROCESSING", codes.PROCESSING) if processing else ("SUCCESS", codes.SUCCESS)
    operation = _record_operation(context, "void", txn, biz, amount, status, code)
    answer = _operation_biz(operation, False)
    answer["description"] = description(code)
    return _operation_code(operation), answer


def _operation_query(kind: str, *required: str):
    def run(context: Context, biz: dict) -> tuple[str, dict]:
        merchant_transaction_id = _text(biz, "merchantTransactionId", required=True)
        merchant_key, id_key = OPERATION_FIELDS[kind][:2]
        values = {name: _text(biz, name) for name in (merchant_key, id_key)}
        if not any(values.get(name) for name in required):
            raise Refusal(codes.BAD_PARAMETER, f"{' or '.join(required)} is required")
        query = select(SimOperation).where(
            SimOperation.acc_id == context.account.acc_id,
            SimOperation.kind == kind,
            SimOperation.merchant_transaction_id == merchant_transaction_id,
        )
        if values.get(merchant_key):
            query = query.where(SimOperation.merchant_operation_id == values[merchant_key])
        if values.get(id_key):
            query = query.where(SimOperation.operation_id == values[id_key])
        operation = context.session.exec(query).first()
        if operation is None:
            raise Refusal(codes.NOT_FOUND)
        txn = _by_merchant_id(context, merchant_transaction_id)
        if txn is not None:
            _settle(context, txn)
        return codes.REQUEST_OK, _operation_biz(operation, True, context.now)

    run.__doc__ = f"/v4/{kind}/query: the {kind}'s state; 107001 when unknown."
    return run


HANDLERS = {
    api.PAY: unified_pay,
    api.PREPAY: pre_pay,
    api.QUERY: query,
    api.REFUND: refund,
    api.REFUND_QUERY: _operation_query("refund", "merchantRefundId", "refundId"),
    api.CAPTURE: capture,
    api.CAPTURE_QUERY: _operation_query("capture", "merchantCaptureId"),
    api.VOID: void,
    api.VOID_QUERY: _operation_query("void", "merchantVoidId"),
}


def by_token(session: Session, token: str) -> SimTransaction | None:
    """The order behind a hosted checkout, 3-D Secure or APM link."""
    if not token:
        return None
    return session.exec(select(SimTransaction).where(SimTransaction.token == token)).first()


def _after_page(session: Session, account: Account, txn: SimTransaction) -> None:
    """What follows a payment decided on a page: the notification, and the merchant's traffic credited."""
    session.add(txn)
    notify_payment(session, account, txn)
    session.commit()
    if account.merchant_id is not None and txn.source == "merchant":
        coverage.credit_from_traffic(session, account.merchant_id)


def _stored_three_ds(txn: SimTransaction) -> tuple[str | None, dict]:
    try:
        block = json.loads(txn.request or "{}").get("threeDSRequestData")
        block = json.loads(block) if isinstance(block, str) else block
    except (TypeError, ValueError, AttributeError):
        return None, {}
    return (str(block.get("executeThreeD")), block) if isinstance(block, dict) else (None, {})


def pay_on_checkout(session: Session, txn: SimTransaction, card: dict, email: str, base_url: str) -> SimTransaction:
    """A shopper paid on the hosted checkout page: the same rules as unifiedPay."""
    account = find_account(session, txn.acc_id)
    context = Context(session, account, base_url.rstrip("/"), clock.now())
    mode, block = _stored_three_ds(txn)
    try:
        decide(context, txn, card, email, mode if mode == "Y" else None, block)
    except Refusal:
        # no card number typed: the order stays open and the page asks again
        session.rollback()
        session.refresh(txn)
        return txn
    _after_page(session, account, txn)
    return txn


def complete_challenge(session: Session, txn: SimTransaction, code: str, base_url: str) -> SimTransaction:
    """The shopper answered the 3-D Secure challenge: 1234 completes it, anything else fails it (400000)."""
    if txn.status != "PROCESSING":
        return txn
    if code.strip() == rules.THREE_DS_CODE:
        _succeed(txn)
    else:
        txn.status, txn.result_code = "FAILED", codes.THREE_DS_FAILED
    txn.updated_at = clock.now()
    _after_page(session, find_account(session, txn.acc_id), txn)
    return txn


def complete_apm(session: Session, txn: SimTransaction, approved: bool) -> SimTransaction:
    """The tester approved or declined an alternative payment on its page."""
    if txn.status != "PROCESSING" or not txn.payment_type:
        return txn
    if approved:
        _succeed(txn)
    else:
        txn.status, txn.result_code = "FAILED", codes.DO_NOT_HONOUR
    txn.updated_at = clock.now()
    _after_page(session, find_account(session, txn.acc_id), txn)
    return txn


def register(
    session: Session,
    acc_id: str,
    client_id: str,
    salt_encrypted: str,
    merchant_id: int | None,
    by: str,
    three_ds: bool = False,
    origin: str = "registered",
) -> SimAccount:
    """Make an account known to the simulator (what "support configured the sandbox account" does here)."""
    row = session.get(SimAccount, acc_id) or SimAccount(
        acc_id=acc_id, client_id=client_id, salt_encrypted="", registered_by_name=by, registered_at=clock.now()
    )
    row.client_id, row.salt_encrypted, row.merchant_id, row.three_ds = client_id, salt_encrypted, merchant_id, three_ds
    row.registered_by_name, row.registered_at, row.origin = by, clock.now(), origin
    session.add(row)
    return row
