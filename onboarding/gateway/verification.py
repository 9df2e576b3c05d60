"""Checks that prove an integration: sandbox credentials, single calls, production proof, endpoint and product link."""

import time
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from sqlmodel import Session, select

from models import ChecklistItem
from models.gateway import GatewayRun, MerchantCredential
from onboarding.core import clock
from onboarding.core.access import Actor, require_merchant_access, require_staff
from onboarding.core.errors import NotFound, ValidationError
from onboarding.gateway import codes, credentials, notifications, outbound, runs
from onboarding.gateway.client import GatewayError, GatewayResult, GatewayUnavailable, biz_json, new_id
from onboarding.gateway.signature import signed
from onboarding.process import checklist, history

REAL_AMOUNT = Decimal("1.00")
OPERATIONS = ("payment", "prepay", "query", "refund", "refund_query", "capture", "capture_query", "void", "void_query")


@dataclass
class CheckOutcome:
    """What a check found: the stored run, whether it passed and why."""

    run: GatewayRun
    passed: bool
    detail: dict
    result: GatewayResult | None = None


def _verdict_of(error: GatewayError) -> str:
    return "unavailable" if isinstance(error, GatewayUnavailable) else "error"


def _call(session: Session, run: GatewayRun, call, case_key: str, merchant_transaction_id: str | None = None):
    """Make one gateway call for a run and keep it as the run's case; gateway failures are kept, then raised."""
    started, began = clock.now(), time.monotonic()
    try:
        result = call()
    except GatewayError as error:
        runs.add_case(
            session,
            run,
            0,
            case_key,
            _verdict_of(error),
            {"key": error.key, "params": error.params},
            [runs.exchange_record(error.exchange)],
            merchant_transaction_id,
            started,
            int((time.monotonic() - began) * 1000),
        )
        raise
    return result, started, int((time.monotonic() - began) * 1000)


def _fail_run(session: Session, actor: Actor, run: GatewayRun, error: GatewayError) -> None:
    runs.finish(session, actor, run, _verdict_of(error), str(error))


def check_sandbox_credentials(session: Session, actor: Actor, merchant_id: int) -> CheckOutcome:
    """A signed query for an unknown transaction: 107001 proves accId and salt; 104000/103000 fail the item."""
    signing = credentials.for_signing(session, actor, merchant_id, "sandbox")
    run = runs.start(session, actor, merchant_id, "sandbox", "credentials", signing.acc_id)
    probe_id = new_id("CHECK")
    with runs.client_for(signing, "sandbox", run.id) as client:
        try:
            result, started, duration = _call(
                session, run, lambda: client.query(merchant_transaction_id=probe_id), "credentials", probe_id
            )
        except GatewayError as error:
            _fail_run(session, actor, run, error)
            raise
    passed = result.result_code == codes.NOT_FOUND
    detail = {
        "key": "gateway.verdict.credentials_ok" if passed else "gateway.verdict.credentials_bad",
        "params": {"code": result.result_code},
    }
    runs.add_case(
        session,
        run,
        0,
        "credentials",
        "passed" if passed else "failed",
        detail,
        [runs.exchange_record(result.exchange)],
        probe_id,
        started,
        duration,
    )
    summary = f"run {run.id}: {result.result_code} {codes.explain(result.result_code)}"
    runs.finish(session, actor, run, "passed" if passed else "failed", summary, commit=False)
    checklist.record_result(session, actor, merchant_id, "sandbox_credentials_work", passed, summary)
    return CheckOutcome(run, passed, detail, result)


def register_with_simulator(session: Session, actor: Actor, merchant_id: int, three_ds: bool = False) -> str:
    """Make the merchant's self-registered sandbox account known to the embedded simulator."""
    from onboarding.gateway.simulator import engine

    require_staff(actor)
    require_merchant_access(actor, merchant_id)
    if not runs.is_embedded_simulator():
        raise ValidationError("gateway.error.not_embedded")
    row = session.exec(
        select(MerchantCredential).where(
            MerchantCredential.merchant_id == merchant_id, MerchantCredential.environment == "sandbox"
        )
    ).first()
    if row is None:
        raise NotFound("gateway.error.no_credentials")
    engine.register(session, row.acc_id, row.client_id, row.salt_encrypted, merchant_id, actor.name, three_ds)
    history.record(session, actor, "simulator_account_registered", merchant_id, acc_id=row.acc_id, three_ds=three_ds)
    session.commit()
    return row.acc_id


def parse_amount(raw: str) -> str:
    """An amount typed by a person: a positive decimal with at most two places, as the gateway wants it."""
    try:
        amount = Decimal(str(raw).strip())
    except InvalidOperation:
        raise ValidationError("gateway.error.bad_amount") from None
    if not amount.is_finite() or amount <= 0 or -amount.as_tuple().exponent > 2:
        raise ValidationError("gateway.error.bad_amount")
    return f"{amount:.2f}"


def _need(values: dict, *names: str) -> None:
    for name in names:
        if not str(values.get(name) or "").strip():
            raise ValidationError("gateway.error.field_required", name=name)


def run_single(
    session: Session, actor: Actor, merchant_id: int, environment: str, operation: str, values: dict
) -> CheckOutcome:
    """One call from the page's forms (payment, query, refund, capture, void and their queries), kept as a run."""
    require_staff(actor)
    if operation not in OPERATIONS:
        raise ValidationError("gateway.error.bad_operation")
    values = {key: (value.strip() if isinstance(value, str) else value) for key, value in values.items()}
    mtid = values.get("merchantTransactionId") or None
    if operation in ("payment", "prepay"):
        mtid = mtid or new_id("TT")
        values["merchantTransactionId"] = mtid
        values["amount"] = parse_amount(values.get("amount", ""))
    elif operation == "query":
        if not (values.get("transactionId") or mtid):
            raise ValidationError("gateway.error.field_required", name="merchantTransactionId / transactionId")
    else:
        _need(values, "merchantTransactionId")
        if operation in ("refund", "capture", "void"):
            values["amount"] = parse_amount(values.get("amount", ""))
    signing = credentials.for_signing(session, actor, merchant_id, environment)
    run = runs.start(session, actor, merchant_id, environment, operation, signing.acc_id)
    client = runs.client_for(signing, environment, run.id)
    calls = {
        "payment": lambda: client.pay(_payment_biz(values)),
        "prepay": lambda: client.pre_pay(_prepay_biz(values)),
        "query": lambda: client.query(values.get("transactionId") or None, mtid),
        "refund": lambda: client.refund(
            mtid,
            values["amount"],
            merchant_refund_id=values.get("merchantRefundId") or None,
            notificationUrl=runs.notify_url(),
        ),
        "refund_query": lambda: client.refund_query(
            mtid, values.get("merchantRefundId") or None, values.get("refundId") or None
        ),
        "capture": lambda: client.capture(
            mtid,
            values["amount"],
            merchant_capture_id=values.get("merchantCaptureId") or None,
            notificationUrl=runs.notify_url(),
        ),
        "capture_query": lambda: client.capture_query(mtid, values.get("merchantCaptureId", "")),
        "void": lambda: client.void(
            mtid, values["amount"], runs.notify_url(), merchant_void_id=values.get("merchantVoidId") or None
        ),
        "void_query": lambda: client.void_query(mtid, values.get("merchantVoidId", "")),
    }
    try:
        result, started, duration = _call(session, run, calls[operation], operation, mtid)
    except GatewayError as error:
        _fail_run(session, actor, run, error)
        raise
    finally:
        client.close()
    passed = result.ok
    detail = {"key": "gateway.verdict.answer", "params": {"code": result.result_code, "status": result.status or "—"}}
    runs.add_case(
        session,
        run,
        0,
        operation,
        "passed" if passed else "failed",
        detail,
        [runs.exchange_record(result.exchange)],
        result.biz.get("merchantTransactionId") or mtid,
        started,
        duration,
    )
    runs.finish(
        session,
        actor,
        run,
        "passed" if passed else "failed",
        f"{operation}: {result.result_code} {result.status or ''}".strip(),
    )
    return CheckOutcome(run, passed, detail, result)


def _payment_biz(values: dict) -> dict:
    from onboarding.gateway.acceptance import Suite, payment

    suite = Suite(
        client=None, three_ds_client=None, card=values.get("card") or "4111111111111111", notify_url=runs.notify_url()
    )
    biz = payment(
        suite,
        values["amount"],
        email=values.get("email") or "shopper@example.com",
        country=(values.get("country") or "US").upper(),
        state=(values.get("state") or "NY").upper(),
        capture_delay=-1 if values.get("preauth") else 0,
    )
    biz["merchantTransactionId"] = values["merchantTransactionId"]
    return biz


def _prepay_biz(values: dict) -> dict:
    biz = {
        "merchantTransactionId": values["merchantTransactionId"],
        "amount": values["amount"],
        "currency": "USD",
        "captureDelayHours": -1 if values.get("preauth") else 0,
        "shopperIP": "203.0.113.10",
        "payResultUrl": values.get("payResultUrl") or None,
        "notificationUrl": runs.notify_url(),
        "language": values.get("language") or "en",
        "customer": {"email": values.get("email") or "shopper@example.com"},
    }
    return {key: value for key, value in biz.items() if value is not None}


def _item(session: Session, merchant_id: int, item_key: str) -> ChecklistItem:
    row = session.exec(
        select(ChecklistItem).where(ChecklistItem.merchant_id == merchant_id, ChecklistItem.item_key == item_key)
    ).first()
    if row is None:
        raise NotFound("error.item_not_found")
    return row


def verify_real_transaction(session: Session, actor: Actor, merchant_id: int, transaction_id: str) -> CheckOutcome:
    """Query production for the real purchase: SUCCESS and 1.00 USD mark the real_transaction item done."""
    require_staff(actor)
    transaction_id = (transaction_id or "").strip()
    if not transaction_id or len(transaction_id) > 64:
        raise ValidationError("gateway.error.no_transaction")
    checklist.require_ready(session, actor, merchant_id, "real_transaction")  # before production is queried
    signing = credentials.for_signing(session, actor, merchant_id, "production")
    run = runs.start(session, actor, merchant_id, "production", "real_transaction", signing.acc_id)
    with runs.client_for(signing, "production") as client:
        try:
            result, started, duration = _call(
                session, run, lambda: client.query(transaction_id=transaction_id), "real_transaction"
            )
        except GatewayError as error:
            _fail_run(session, actor, run, error)
            raise
    try:
        amount = Decimal(str(result.biz.get("amount")))
    except InvalidOperation:
        amount = None
    passed = result.status == "SUCCESS" and amount == REAL_AMOUNT and result.biz.get("currency") == "USD"
    detail = {
        "key": "gateway.verdict.real_ok" if passed else "gateway.verdict.real_bad",
        "params": {
            "status": result.status or result.result_code,
            "amount": result.biz.get("amount") or "—",
            "currency": result.biz.get("currency") or "—",
        },
    }
    mtid = result.biz.get("merchantTransactionId")
    runs.add_case(
        session,
        run,
        0,
        "real_transaction",
        "passed" if passed else "failed",
        detail,
        [runs.exchange_record(result.exchange)],
        mtid,
        started,
        duration,
    )
    summary = (
        f"transactionId {transaction_id} (merchantTransactionId {mtid}): {result.status or result.result_code}"
        f" {result.biz.get('amount') or ''} {result.biz.get('currency') or ''}"
    ).strip()
    runs.finish(session, actor, run, "passed" if passed else "failed", summary, commit=False)
    checklist.record_result(session, actor, merchant_id, "real_transaction", passed, summary)
    return CheckOutcome(run, passed, detail, result)


def verify_merchant_refund(
    session: Session,
    actor: Actor,
    merchant_id: int,
    merchant_transaction_id: str,
    merchant_refund_id: str = "",
    refund_id: str = "",
) -> CheckOutcome:
    """Query production for the merchant's refund; SUCCESS approves the merchant_refund item with the proof."""
    require_staff(actor)
    values = {
        "merchantTransactionId": merchant_transaction_id,
        "merchantRefundId": merchant_refund_id,
        "refundId": refund_id,
    }
    _need(values, "merchantTransactionId")
    if not (merchant_refund_id or "").strip() and not (refund_id or "").strip():
        raise ValidationError("gateway.error.field_required", name="merchantRefundId / refundId")
    checklist.require_ready(session, actor, merchant_id, "merchant_refund")  # before production is queried
    signing = credentials.for_signing(session, actor, merchant_id, "production")
    run = runs.start(session, actor, merchant_id, "production", "refund_verification", signing.acc_id)
    with runs.client_for(signing, "production") as client:
        try:
            result, started, duration = _call(
                session,
                run,
                lambda: client.refund_query(
                    merchant_transaction_id.strip(), merchant_refund_id.strip() or None, refund_id.strip() or None
                ),
                "refund_verification",
                merchant_transaction_id.strip(),
            )
        except GatewayError as error:
            _fail_run(session, actor, run, error)
            raise
    passed = result.status == "SUCCESS"
    detail = {
        "key": "gateway.verdict.refund_ok" if passed else "gateway.verdict.refund_bad",
        "params": {"status": result.status or result.result_code, "amount": result.biz.get("amount") or "—"},
    }
    runs.add_case(
        session,
        run,
        0,
        "refund_verification",
        "passed" if passed else "failed",
        detail,
        [runs.exchange_record(result.exchange)],
        merchant_transaction_id.strip(),
        started,
        duration,
    )
    summary = (
        f"refund of {merchant_transaction_id.strip()}: {result.status or result.result_code} "
        f"{result.biz.get('amount') or ''}"
    ).strip()
    runs.finish(session, actor, run, "passed" if passed else "failed", summary)
    if passed:
        row = _item(session, merchant_id, "merchant_refund")
        if row.status != "approved":
            if row.status != "submitted":
                checklist.submit(
                    session,
                    actor,
                    row.id,
                    row.version,
                    summary,
                    kind="transaction",
                    note="verified through the production refund query",
                )
                session.refresh(row)
            checklist.approve(session, actor, row.id, row.version)
    return CheckOutcome(run, passed, detail, result)


def _record_outbound(
    session: Session,
    actor: Actor,
    merchant_id: int,
    kind: str,
    url: str,
    started,
    began,
    passed: bool,
    detail: dict,
    exchange: dict,
    summary: str,
) -> CheckOutcome:
    run = runs.start(session, actor, merchant_id, "production" if kind == "product_link" else "sandbox", kind, None)
    run.base_url = url[:2048]
    runs.add_case(
        session,
        run,
        0,
        kind,
        "passed" if passed else "failed",
        detail,
        [exchange],
        None,
        started,
        int((time.monotonic() - began) * 1000),
    )
    runs.finish(session, actor, run, "passed" if passed else "failed", summary)
    return CheckOutcome(run, passed, detail)


def check_notification_endpoint(session: Session, actor: Actor, merchant_id: int, url: str, **guard) -> CheckOutcome:
    """POST a signed sample notification to the merchant's URL: it passes when the gateway would count it received."""
    require_staff(actor)
    url = (url or "").strip()
    if not url:
        raise ValidationError("gateway.error.field_required", name="notificationUrl")
    signing = credentials.for_signing(session, actor, merchant_id, "sandbox")
    biz = {
        "notifyType": "RECHARGE",
        "transactionId": "9000000000000000",
        "merchantTransactionId": new_id("NOTIFY"),
        "requestId": new_id("REQ"),
        "amount": "1.000000",
        "currency": "USD",
        "status": "SUCCESS",
        "transactionTime": str(int(clock.now().timestamp() * 1000)),
        "captureDelayHours": 0,
        "threeDSecure": "N",
        "paymentMethod": {"type": "scheme"},
        "remark": "onboarding notification check",
    }
    envelope = signed(
        {
            "accId": signing.acc_id,
            "clientId": signing.client_id,
            "signType": "SHA256",
            "version": "1.0",
            "bizContent": biz_json(biz),
        },
        signing.salt,
    )
    started, began = clock.now(), time.monotonic()
    record = {"path": url, "request": {**envelope, "bizContent": biz}}
    try:
        fetched = outbound.request(
            "POST", url, json_body=envelope, follow_redirects=False, max_bytes=64 * 1024, **guard
        )
    except (outbound.OutboundRefused, outbound.OutboundFailed) as error:
        detail = {"key": error.key, "params": error.params}
        return _record_outbound(
            session,
            actor,
            merchant_id,
            "notification_endpoint",
            url,
            started,
            began,
            False,
            detail,
            {**record, "response": None},
            str(error),
        )
    answer = fetched.text.strip()
    passed = notifications.counts_as_received(fetched.status, answer)
    detail = {
        "key": "gateway.verdict.endpoint_ok" if passed else "gateway.verdict.endpoint_bad",
        "params": {"status": fetched.status, "body": answer[:80]},
    }
    return _record_outbound(
        session,
        actor,
        merchant_id,
        "notification_endpoint",
        url,
        started,
        began,
        passed,
        detail,
        {**record, "response": {"http_status": fetched.status, "body": answer[:200]}},
        f"{url}: HTTP {fetched.status} {answer[:40]!r}",
    )


def check_product_link(
    session: Session, actor: Actor, merchant_id: int, url: str | None = None, **guard
) -> CheckOutcome:
    """Fetch the merchant's 1 USD product link through the outbound guard; record status and final URL."""
    require_staff(actor)
    url = (url or "").strip() or (_item(session, merchant_id, "product_link").value or "").strip()
    if not url:
        raise ValidationError("gateway.error.no_product_link")
    started, began = clock.now(), time.monotonic()
    try:
        fetched = outbound.request("GET", url, **guard)
    except (outbound.OutboundRefused, outbound.OutboundFailed) as error:
        detail = {"key": error.key, "params": error.params}
        return _record_outbound(
            session,
            actor,
            merchant_id,
            "product_link",
            url,
            started,
            began,
            False,
            detail,
            {"path": url, "response": None},
            str(error),
        )
    passed = 200 <= fetched.status < 300
    detail = {
        "key": "gateway.verdict.link_ok" if passed else "gateway.verdict.link_bad",
        "params": {"status": fetched.status, "final_url": fetched.final_url, "size": len(fetched.body)},
    }
    exchange = {
        "path": url,
        "response": {
            "http_status": fetched.status,
            "final_url": fetched.final_url,
            "redirects": fetched.redirects,
            "bytes": len(fetched.body),
        },
    }
    return _record_outbound(
        session,
        actor,
        merchant_id,
        "product_link",
        url,
        started,
        began,
        passed,
        detail,
        exchange,
        f"{url} → {fetched.final_url}: HTTP {fetched.status}",
    )


def last_real_transaction(session: Session, actor: Actor, merchant_id: int) -> str | None:
    """The merchantTransactionId found by the newest real-transaction check, to prefill the refund check."""
    require_merchant_access(actor, merchant_id)
    for run in runs.runs_for(session, actor, merchant_id, limit=50):
        if run.kind == "real_transaction":
            for case in runs.run_view(session, actor, run.id).cases:
                if case.merchant_transaction_id:
                    return case.merchant_transaction_id
    return None
