"""The simulator's answers: verify the envelope, apply the rules, keep state in the database, sign the reply."""

import json
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from models.gateway import SimAccount, SimOperation, SimTransaction
from onboarding.core import clock
from onboarding.core.errors import ValidationError
from onboarding.gateway import client as api
from onboarding.gateway import codes
from onboarding.gateway.credentials import PUBLIC_ACCOUNT_A, PUBLIC_ACCOUNT_B, decrypt
from onboarding.gateway.signature import SIGN_TYPES, signed, verify
from onboarding.gateway.simulator import delivery, rules
from onboarding.gateway.simulator.rules import Refusal

FINAL_NOTIFIED = ("SUCCESS", "FAILED", "AUTH_SUCCESS")


@dataclass(frozen=True)
class Account:
    """A sandbox account the simulator knows: its ids, its salt and whether 3-D Secure is configured."""

    client_id: str
    acc_id: str
    salt: str
    three_ds: bool


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
    return Account(row.client_id, row.acc_id, salt, row.three_ds)


def millis(moment: datetime) -> str:
    """Times as the gateway sends them: epoch milliseconds in a string."""
    return str(int(moment.timestamp() * 1000))


def description(code: str) -> str:
    text = codes.explain(code, "en")
    return text[:1].upper() + text[1:]


def _reply(account: Account, sign_type: str, code: str, biz: dict, detail: str = "") -> dict:
    """A signed answer: code, description and bizContent."""
    fields = {
        "accId": account.acc_id,
        "clientId": account.client_id,
        "signType": sign_type,
        "code": code,
        "description": detail or description(code),
        "bizContent": api.biz_json(biz),
    }
    return signed(fields, account.salt)


def unsigned_reply(body: dict, code: str) -> dict:
    """An answer to a caller whose key is unknown or wrong: nothing it could verify is signed."""
    return {
        "accId": str(body.get("accId") or ""),
        "clientId": str(body.get("clientId") or ""),
        "code": code,
        "description": description(code),
        "bizContent": "{}",
    }


@dataclass
class Context:
    """One request: its session, account, base URL (for links) and time."""

    session: Session
    account: Account
    base_url: str
    now: datetime


def handle(session: Session, path: str, body: object, base_url: str) -> dict:
    """The gateway's answer to a POSTed envelope at `path`."""
    if not isinstance(body, dict):
        return unsigned_reply({}, codes.BAD_PARAMETER)
    account = find_account(session, str(body.get("accId") or ""))
    if account is None or body.get("clientId") != account.client_id:
        return unsigned_reply(body, codes.AUTH_INVALID)
    sign_type = str(body.get("signType") or "")
    if sign_type not in SIGN_TYPES:
        return _reply(account, "SHA256", codes.BAD_PARAMETER, {}, "signType must be SHA256 or MD5")
    if not verify(body, account.salt):
        return unsigned_reply(body, codes.BAD_SIGNATURE)
    try:
        biz = json.loads(body.get("bizContent") or "")
    except (TypeError, ValueError):
        biz = None
    if not isinstance(biz, dict) or body.get("version") != api.VERSION:
        return _reply(
            account, sign_type, codes.BAD_PARAMETER, {}, "bizContent must be a JSON object string and version 1.0"
        )
    context = Context(session, account, base_url.rstrip("/"), clock.now())
    try:
        code, answer = HANDLERS[path](context, biz)
        session.commit()
    except Refusal as refusal:
        session.rollback()
        return _reply(account, sign_type, refusal.code, {}, refusal.detail)
    except IntegrityError:
        # two requests raced for the same merchantTransactionId or operation id: the first one wins
        session.rollback()
        return _reply(account, sign_type, codes.DUPLICATE, {})
    return _reply(account, sign_type, code, answer)


def _required(biz: dict, *names: str) -> None:
    missing = [name for name in names if biz.get(name) in (None, "")]
    if missing:
        raise Refusal(codes.BAD_PARAMETER, f"missing: {', '.join(missing)}")


def _transaction(
    context: Context, merchant_transaction_id: str | None = None, transaction_id: str | None = None
) -> SimTransaction | None:
    query = select(SimTransaction).where(SimTransaction.acc_id == context.account.acc_id)
    if transaction_id:
        query = query.where(SimTransaction.transaction_id == transaction_id)
    if merchant_transaction_id:
        query = query.where(SimTransaction.merchant_transaction_id == merchant_transaction_id)
    return context.session.exec(query).first()


def _stored_request(biz: dict) -> str:
    """The request as kept: the card reduced to its first six and last four digits, no CVV or PIN."""
    copy = json.loads(json.dumps(biz))
    card = (copy.get("paymentMethod") or {}).get("cardInfo") if isinstance(copy.get("paymentMethod"), dict) else None
    if isinstance(card, dict):
        number = str(card.get("number") or "")
        card["number"] = f"{number[:6]}…{number[-4:]}" if len(number) >= 10 else "…"
        card.pop("cvv", None)
        card.pop("pin", None)
    return json.dumps(copy, ensure_ascii=False)


def _payment_biz(txn: SimTransaction, extra: dict | None = None) -> dict:
    biz = {
        "transactionId": txn.transaction_id,
        "merchantTransactionId": txn.merchant_transaction_id,
        "requestId": txn.request_id,
        "amount": rules.echo(Decimal(txn.amount)),
        "currency": txn.currency,
        "status": txn.status,
        "transactionTime": millis(txn.created_at),
        "transactionEndingTime": millis(txn.updated_at),
        "captureDelayHours": txn.capture_delay_hours,
        "remark": txn.remark or "",
        "threeDContinue": "false",
        "paymentMethod": {"type": "scheme"},
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


def decide(context: Context, txn: SimTransaction, card: dict, email: str) -> None:
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
    rejected = rules.is_risk_rejected(amount, email)
    if rejected:
        txn.status, txn.result_code = "FAILED", codes.HIGH_RISK
        return
    if number in rules.THREE_DS_CARDS and context.account.three_ds:
        txn.status, txn.result_code, txn.three_ds = "PROCESSING", codes.PROCESSING, True
        txn.token = txn.token or _new_token()
        return
    txn.status = "AUTH_SUCCESS" if txn.capture_delay_hours == -1 else "SUCCESS"
    txn.result_code = codes.SUCCESS


def challenge_url(base_url: str, txn: SimTransaction) -> str:
    return f"{base_url}/threeds/{txn.token}"


def payment_answer(context: Context, txn: SimTransaction) -> tuple[str, dict]:
    """The code and bizContent of a payment in its current state."""
    extra = {}
    if txn.status == "PROCESSING" and txn.three_ds:
        extra = {
            "threeDContinue": "true",
            "threeDUnionParams": {"threeDRedirectUrl": challenge_url(context.base_url, txn)},
        }
    code = (
        codes.SUCCESS
        if txn.status in ("SUCCESS", "AUTH_SUCCESS")
        else (codes.PROCESSING if txn.status == "PROCESSING" else txn.result_code)
    )
    return code, _payment_biz(txn, extra)


def notify_payment(context: Context, txn: SimTransaction) -> None:
    """Owe the order's notificationUrl a RECHARGE notification once the payment is final."""
    if txn.notification_url and txn.status in FINAL_NOTIFIED:
        biz = _payment_biz(txn, {"notifyType": "RECHARGE", "threeDSecure": "Y" if txn.three_ds else "N"})
        delivery.enqueue(context.session, context.account, txn.notification_url, biz)


def unified_pay(context: Context, biz: dict) -> tuple[str, dict]:
    """/v4/payment/unifiedPay: a card payment decided by the rules."""
    _required(biz, "merchantTransactionId", "requestId", "amount", "currency")
    amount = rules.amount_of(biz.get("amount"), biz.get("currency"))
    delay = biz.get("captureDelayHours", 0)
    if delay not in (0, -1):
        raise Refusal(codes.BAD_PARAMETER, "captureDelayHours must be 0 or -1")
    method = biz.get("paymentMethod") if isinstance(biz.get("paymentMethod"), dict) else {}
    card = method.get("cardInfo") if isinstance(method.get("cardInfo"), dict) else {}
    for address in (biz.get("billingAddress"), biz.get("shippingAddress")):
        rules.check_address(address)
    customer = biz.get("customer") if isinstance(biz.get("customer"), dict) else {}
    request_id = str(biz["requestId"])[:64]
    same_request = context.session.exec(
        select(SimTransaction).where(
            SimTransaction.acc_id == context.account.acc_id, SimTransaction.request_id == request_id
        )
    ).first()
    if same_request is not None:
        # the requestId is the idempotency key: a repeat gets the first answer and charges nothing
        return payment_answer(context, same_request)
    txn = _transaction(context, str(biz["merchantTransactionId"]))
    if txn is not None and not (txn.kind == "payment" and txn.status == "FAILED"):
        raise Refusal(codes.DUPLICATE)
    if txn is None:
        txn = SimTransaction(
            acc_id=context.account.acc_id,
            merchant_transaction_id=str(biz["merchantTransactionId"])[:64],
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
    txn.notification_url = str(biz.get("notificationUrl") or "")[:2048] or None
    txn.pay_result_url = str(biz.get("payResultUrl") or "")[:2048] or None
    txn.remark = str(biz.get("remark") or "")[:256] or None
    txn.request = _stored_request(biz)
    decide(context, txn, card, str(customer.get("email") or ""))
    if txn.transaction_id is None:
        _set_id(context, txn, "9", "transaction_id")
    context.session.add(txn)
    notify_payment(context, txn)
    return payment_answer(context, txn)


def pre_pay(context: Context, biz: dict) -> tuple[str, dict]:
    """/v4/payment/prePay: an order with a hosted checkout URL; the same merchantTransactionId returns it unchanged."""
    _required(biz, "merchantTransactionId", "amount", "currency")
    txn = _transaction(context, str(biz["merchantTransactionId"]))
    if txn is not None and txn.kind != "prepay":
        raise Refusal(codes.DUPLICATE)
    if txn is None:
        amount = rules.amount_of(biz.get("amount"), biz.get("currency"))
        delay = biz.get("captureDelayHours", 0)
        if delay not in (0, -1):
            raise Refusal(codes.BAD_PARAMETER, "captureDelayHours must be 0 or -1")
        txn = SimTransaction(
            acc_id=context.account.acc_id,
            merchant_transaction_id=str(biz["merchantTransactionId"])[:64],
            request_id=str(biz.get("requestId") or "")[:64] or None,
            kind="prepay",
            amount=str(amount),
            currency=str(biz["currency"]).upper(),
            capture_delay_hours=delay,
            status="INIT",
            result_code=codes.PROCESSING,
            token=_new_token(),
            notification_url=str(biz.get("notificationUrl") or "")[:2048] or None,
            pay_result_url=str(biz.get("payResultUrl") or "")[:2048] or None,
            pay_cancel_url=str(biz.get("payCancelUrl") or "")[:2048] or None,
            remark=str(biz.get("remark") or "")[:256] or None,
            request=_stored_request(biz),
            created_at=context.now,
            updated_at=context.now,
        )
        _set_id(context, txn, "9", "transaction_id")
        context.session.add(txn)
    return codes.SUCCESS, {
        "transactionId": txn.transaction_id,
        "merchantTransactionId": txn.merchant_transaction_id,
        "amount": rules.echo(Decimal(txn.amount)),
        "currency": txn.currency,
        "remark": txn.remark or "",
        "token": txn.token,
        "innerJsUrl": f"{context.base_url}/checkout.js",
        "paymentUrl": f"{context.base_url}/checkout?token={txn.token}",
    }


def checkout_expired(txn: SimTransaction, now: datetime) -> bool:
    """The hosted checkout URL is valid for 48 hours."""
    created = txn.created_at if txn.created_at.tzinfo else txn.created_at.replace(tzinfo=now.tzinfo)
    return now - created > timedelta(hours=rules.CHECKOUT_VALID_HOURS)


def query(context: Context, biz: dict) -> tuple[str, dict]:
    """/v4/payment/query: the transaction's state; 107001 when unknown."""
    if not biz.get("transactionId") and not biz.get("merchantTransactionId"):
        raise Refusal(codes.BAD_PARAMETER, "transactionId or merchantTransactionId is required")
    txn = _transaction(context, biz.get("merchantTransactionId"), biz.get("transactionId"))
    if txn is None:
        raise Refusal(codes.NOT_FOUND)
    _, answer = payment_answer(context, txn)
    answer.pop("threeDUnionParams", None)
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
            "eci": "02",
            "authentication3DSecure": "Y",
            "specificationVersion": "2.2.0",
        }
    return codes.REQUEST_OK, answer


def _operation(context: Context, kind: str, merchant_operation_id: str) -> SimOperation | None:
    return context.session.exec(
        select(SimOperation).where(
            SimOperation.acc_id == context.account.acc_id,
            SimOperation.kind == kind,
            SimOperation.merchant_operation_id == merchant_operation_id,
        )
    ).first()


OPERATION_FIELDS = {
    "refund": ("merchantRefundId", "refundId", "refundTime", "refundEndingTime", "REFUND", "8"),
    "capture": ("merchantCaptureId", "captureId", "captureTime", "captureEndingTime", "CAPTURE", "7"),
    "void": ("merchantVoidId", "voidId", "voidTime", "voidEndingTime", "VOID", "6"),
}


def _operation_biz(operation: SimOperation, with_result: bool) -> dict:
    merchant_key, id_key, time_key, ending_key, _, _ = OPERATION_FIELDS[operation.kind]
    biz = {
        "transactionId": operation.transaction_id,
        "merchantTransactionId": operation.merchant_transaction_id,
        merchant_key: operation.merchant_operation_id,
        id_key: operation.operation_id,
        "amount": rules.echo(Decimal(operation.amount)),
        "currency": operation.currency,
        time_key: millis(operation.created_at),
        ending_key: millis(operation.created_at),
        "status": operation.status,
        "remark": operation.remark or "",
    }
    if with_result or operation.kind == "refund":
        biz.update({"resultCode": operation.result_code, "resultDescription": description(operation.result_code)})
    return biz


def _operation_code(operation: SimOperation) -> str:
    return codes.SUCCESS if operation.status == "SUCCESS" else operation.result_code


def _record_operation(
    context: Context, kind: str, txn: SimTransaction, biz: dict, amount: Decimal, status: str, result_code: str
) -> SimOperation:
    merchant_key = OPERATION_FIELDS[kind][0]
    operation = SimOperation(
        acc_id=context.account.acc_id,
        kind=kind,
        transaction_id=txn.transaction_id,
        merchant_transaction_id=txn.merchant_transaction_id,
        merchant_operation_id=str(biz[merchant_key])[:64],
        amount=str(amount),
        currency=txn.currency,
        status=status,
        result_code=result_code,
        remark=str(biz.get("remark") or "")[:256] or None,
        created_at=context.now,
    )
    _set_id(context, operation, OPERATION_FIELDS[kind][5], "operation_id")
    context.session.add(operation)
    url = str(biz.get("notificationUrl") or "") or txn.notification_url
    if url and status in ("SUCCESS", "FAILED"):
        notification = _operation_biz(operation, with_result=True)
        notification["notifyType"] = OPERATION_FIELDS[kind][4]
        delivery.enqueue(context.session, context.account, url, notification)
    return operation


def _original(context: Context, biz: dict, kind: str) -> tuple[SimTransaction, Decimal, SimOperation | None]:
    _required(biz, "merchantTransactionId", OPERATION_FIELDS[kind][0], "amount", "currency")
    existing = _operation(context, kind, str(biz[OPERATION_FIELDS[kind][0]]))
    txn = _transaction(context, str(biz["merchantTransactionId"]))
    if txn is None or txn.transaction_id is None:
        raise Refusal(codes.ORIGINAL_NOT_FOUND)
    amount = rules.amount_of(biz.get("amount"), biz.get("currency"))
    if str(biz["currency"]).upper() != txn.currency:
        raise Refusal(codes.CURRENCY, "the currency differs from the original payment")
    return txn, amount, existing


def refund(context: Context, biz: dict) -> tuple[str, dict]:
    """/v4/payment/refund: full or partial; more than what is left is refused with 108000."""
    txn, amount, existing = _original(context, biz, "refund")
    if existing is not None:
        return _operation_code(existing), _operation_biz(existing, True)
    if txn.status == "AUTH_SUCCESS":
        raise Refusal(codes.ORIGINAL_TYPE, "capture the authorisation before refunding it")
    if txn.status != "SUCCESS":
        raise Refusal(codes.INVALID_TRANSACTION, "only a successful payment can be refunded")
    refunded = sum(
        (
            Decimal(op.amount)
            for op in context.session.exec(
                select(SimOperation).where(
                    SimOperation.transaction_id == txn.transaction_id,
                    SimOperation.kind == "refund",
                    SimOperation.status == "SUCCESS",
                )
            )
        ),
        Decimal(0),
    )
    left = Decimal(txn.amount) - refunded
    status, code = ("SUCCESS", codes.SUCCESS) if amount <= left else ("FAILED", codes.REFUND_TOO_LARGE)
    operation = _record_operation(context, "refund", txn, biz, amount, status, code)
    return _operation_code(operation), _operation_biz(operation, True)


def capture(context: Context, biz: dict) -> tuple[str, dict]:
    """/v4/payment/capture: turns an AUTH_SUCCESS payment into SUCCESS."""
    txn, amount, existing = _original(context, biz, "capture")
    if existing is not None:
        return _operation_code(existing), _operation_biz(existing, False)
    if txn.capture_delay_hours != -1:
        raise Refusal(codes.ORIGINAL_TYPE, "only an authorisation (captureDelayHours -1) can be captured")
    if txn.status == "CANCEL":
        raise Refusal(codes.CAPTURE_ON_REVERSED)
    if txn.status != "AUTH_SUCCESS":
        raise Refusal(codes.INVALID_TRANSACTION, f"the payment is {txn.status}")
    if amount > Decimal(txn.amount):
        raise Refusal(codes.CAPTURE_TOO_LARGE)
    txn.status, txn.updated_at = "SUCCESS", context.now
    context.session.add(txn)
    operation = _record_operation(context, "capture", txn, biz, amount, "SUCCESS", codes.SUCCESS)
    return codes.SUCCESS, _operation_biz(operation, False)


def void(context: Context, biz: dict) -> tuple[str, dict]:
    """/v4/payment/void: cancels an authorisation; a captured payment is refused with 109002."""
    _required(biz, "notificationUrl")
    txn, amount, existing = _original(context, biz, "void")
    if existing is not None:
        return _operation_code(existing), _operation_biz(existing, False)
    if txn.status == "SUCCESS":
        raise Refusal(codes.VOID_ON_CAPTURED)
    if txn.status != "AUTH_SUCCESS":
        raise Refusal(codes.INVALID_TRANSACTION, f"the payment is {txn.status}")
    txn.status, txn.updated_at = "CANCEL", context.now
    context.session.add(txn)
    operation = _record_operation(context, "void", txn, biz, amount, "SUCCESS", codes.SUCCESS)
    answer = _operation_biz(operation, False)
    answer["description"] = description(codes.SUCCESS)
    return codes.SUCCESS, answer


def _operation_query(kind: str, *required: str):
    def run(context: Context, biz: dict) -> tuple[str, dict]:
        _required(biz, "merchantTransactionId")
        merchant_key, id_key = OPERATION_FIELDS[kind][:2]
        if not any(biz.get(name) for name in required):
            raise Refusal(codes.BAD_PARAMETER, f"{' or '.join(required)} is required")
        query = select(SimOperation).where(
            SimOperation.acc_id == context.account.acc_id,
            SimOperation.kind == kind,
            SimOperation.merchant_transaction_id == str(biz["merchantTransactionId"]),
        )
        if biz.get(merchant_key):
            query = query.where(SimOperation.merchant_operation_id == str(biz[merchant_key]))
        if biz.get(id_key):
            query = query.where(SimOperation.operation_id == str(biz[id_key]))
        operation = context.session.exec(query).first()
        if operation is None:
            raise Refusal(codes.NOT_FOUND)
        return codes.REQUEST_OK, _operation_biz(operation, True)

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
    """The order behind a hosted checkout or 3-D Secure link."""
    if not token:
        return None
    return session.exec(select(SimTransaction).where(SimTransaction.token == token)).first()


def pay_on_checkout(session: Session, txn: SimTransaction, card: dict, email: str, base_url: str) -> SimTransaction:
    """A shopper paid on the hosted checkout page: the same rules as unifiedPay."""
    account = find_account(session, txn.acc_id)
    context = Context(session, account, base_url.rstrip("/"), clock.now())
    try:
        decide(context, txn, card, email)
    except Refusal:
        # no card number typed: the order stays open and the page asks again
        session.rollback()
        session.refresh(txn)
        return txn
    session.add(txn)
    notify_payment(context, txn)
    session.commit()
    return txn


def complete_challenge(session: Session, txn: SimTransaction, code: str, base_url: str) -> SimTransaction:
    """The shopper answered the 3-D Secure challenge: 1234 completes it, anything else fails it (400000)."""
    account = find_account(session, txn.acc_id)
    context = Context(session, account, base_url.rstrip("/"), clock.now())
    if txn.status != "PROCESSING":
        return txn
    if code.strip() == rules.THREE_DS_CODE:
        txn.status = "AUTH_SUCCESS" if txn.capture_delay_hours == -1 else "SUCCESS"
        txn.result_code = codes.SUCCESS
    else:
        txn.status, txn.result_code = "FAILED", codes.THREE_DS_FAILED
    txn.updated_at = context.now
    session.add(txn)
    notify_payment(context, txn)
    session.commit()
    return txn


def register(
    session: Session,
    acc_id: str,
    client_id: str,
    salt_encrypted: str,
    merchant_id: int | None,
    by: str,
    three_ds: bool = False,
) -> SimAccount:
    """Make an account known to the simulator (what "support configured the sandbox account" does here)."""
    row = session.get(SimAccount, acc_id) or SimAccount(
        acc_id=acc_id, client_id=client_id, salt_encrypted="", registered_by_name=by, registered_at=clock.now()
    )
    row.client_id, row.salt_encrypted, row.merchant_id, row.three_ds = client_id, salt_encrypted, merchant_id, three_ds
    row.registered_by_name, row.registered_at = by, clock.now()
    session.add(row)
    return row
