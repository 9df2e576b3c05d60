"""Acceptance cases A–H credited from the merchant's own integration, apart from the app's own runs.

On the embedded simulator the merchant's traffic is visible: a case is "seen in your traffic" when the merchant's own
calls exercised it. On PingPong's sandbox it is not: the merchant names a transaction per case and the app checks it
through the query API. The app's acceptance suite ("run by support") proves the credentials, not the integration.
"""

import json
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation

from sqlmodel import Session, col, select

from models import ChecklistItem, Merchant
from models.gateway import GatewayCase, GatewayRun, SimAccount, SimOperation, SimTransaction
from models.observatory import AcceptanceCheck
from onboarding.core import clock
from onboarding.core.access import Actor, require_merchant_access
from onboarding.core.errors import NotFound, ValidationError
from onboarding.gateway import acceptance, codes, credentials, runs
from onboarding.gateway.client import GatewayClient, GatewayResult
from onboarding.gateway.simulator.rules import RISK_REVIEW_AMOUNT, US_CA, effective_status
from onboarding.process import checklist, history

# The app itself records the automatic item when the merchant's own evidence covers every case.
OBSERVER = Actor(id=None, name="Sandbox request log", role="support")
PAID = ("SUCCESS", "AUTH_SUCCESS")
EVIDENCE_SHOWN = 3
# What the merchant names per case when testing on PingPong's sandbox.
REFERENCE_FIELDS = {
    "A": ("order",),
    "B": ("order",),
    "C": ("approved_order", "rejected_order"),
    "D": ("order",),
    "E": ("order", "refund"),
    "F": ("order", "refund", "second_refund"),
    "G": ("order",),
    "H": ("order", "capture"),
}


@dataclass
class CaseCoverage:
    """One acceptance case: whether it applies, and what credits it."""

    key: str
    applies: bool
    traffic: list[dict] = field(default_factory=list)
    app_run: dict | None = None
    query_check: AcceptanceCheck | None = None

    @property
    def seen_in_merchant_traffic(self) -> bool:
        return bool(self.traffic)

    @property
    def run_by_app(self) -> bool:
        return self.app_run is not None and self.app_run["verdict"] == "passed"

    @property
    def verified_by_query(self) -> bool:
        return self.query_check is not None and self.query_check.passed

    @property
    def proven_by_merchant(self) -> bool:
        return self.seen_in_merchant_traffic or self.verified_by_query


def _decimal(value) -> Decimal | None:
    try:
        return Decimal(str(value))
    except (InvalidOperation, TypeError):
        return None


def _evidence(txn: SimTransaction, **extra) -> dict:
    return {
        "transaction_id": txn.transaction_id,
        "merchant_transaction_id": txn.merchant_transaction_id,
        "amount": txn.captured_amount or txn.amount,
        "currency": txn.currency,
        "status": txn.status,
        "at": txn.updated_at,
        **extra,
    }


def _country(txn: SimTransaction) -> str:
    try:
        request = json.loads(txn.request or "{}")
    except ValueError:
        return ""
    for name in ("shippingAddress", "billingAddress"):
        address = request.get(name)
        if isinstance(address, dict) and address.get("country"):
            return str(address["country"]).upper()
    return ""


def _external_three_ds(txn: SimTransaction) -> bool:
    try:
        block = json.loads(txn.request or "{}").get("threeDSRequestData")
        block = json.loads(block) if isinstance(block, str) else block
    except (TypeError, ValueError, AttributeError):
        return False
    return isinstance(block, dict) and block.get("executeThreeD") == "external"


def traffic_evidence(session: Session, merchant_id: int, now: datetime | None = None) -> dict[str, list[dict]]:
    """For each case, the merchant's own transactions that exercised it, newest first (callers check access)."""
    now = now or clock.now()
    accounts = list(session.exec(select(SimAccount.acc_id).where(SimAccount.merchant_id == merchant_id)))
    found: dict[str, list[dict]] = {key: [] for key in REFERENCE_FIELDS}
    if not accounts:
        return found
    txns = list(
        session.exec(
            select(SimTransaction)
            .where(col(SimTransaction.acc_id).in_(accounts), SimTransaction.source == "merchant")
            .order_by(col(SimTransaction.id).desc())
        )
    )
    by_id = {txn.transaction_id: txn for txn in txns}
    operations: dict[str, list[SimOperation]] = {}
    if by_id:
        for operation in session.exec(
            select(SimOperation).where(col(SimOperation.transaction_id).in_(list(by_id))).order_by(col(SimOperation.id))
        ):
            operations.setdefault(operation.transaction_id, []).append(operation)
    approved = rejected = None
    for txn in txns:
        amount = _decimal(txn.amount) or Decimal(0)
        paid = txn.status in PAID
        if paid and txn.currency == "USD" and amount != amount.to_integral_value():
            found["A"].append(_evidence(txn))
        if paid and _country(txn) in US_CA:
            found["B"].append(_evidence(txn, country=_country(txn)))
        if amount == RISK_REVIEW_AMOUNT and approved is None and txn.status in PAID:
            approved = txn
        if amount == RISK_REVIEW_AMOUNT and rejected is None and txn.status == "FAILED":
            rejected = txn if txn.result_code in codes.RISK_CODES else None
        if txn.three_ds and txn.status in ("SUCCESS", "AUTH_SUCCESS", "CANCEL") and not _external_three_ds(txn):
            found["D"].append(_evidence(txn))
        if txn.capture_delay_hours == -1 and txn.status in ("AUTH_SUCCESS", "SUCCESS", "CANCEL"):
            found["G"].append(_evidence(txn))
        done = [op for op in operations.get(txn.transaction_id, []) if effective_status(op, now) == "SUCCESS"]
        worth = _decimal(txn.captured_amount or txn.amount) or Decimal(0)
        refunds = [op for op in done if op.kind == "refund" and op.source == "merchant"]
        full = [op for op in refunds if _decimal(op.amount) == worth]
        if full:
            found["E"].append(_evidence(txn, refund=full[0].merchant_operation_id))
        partial = [op for op in refunds if (_decimal(op.amount) or worth) < worth]
        if len(partial) >= 2:
            found["F"].append(_evidence(txn, refunds=[op.merchant_operation_id for op in partial[:2]]))
        captures = [op for op in done if op.kind == "capture" and op.source == "merchant"]
        if captures:
            found["H"].append(_evidence(txn, capture=captures[0].merchant_operation_id))
    if approved is not None and rejected is not None:
        found["C"] = [_evidence(approved, outcome="approved"), _evidence(rejected, outcome="rejected")]
    return {key: items[:EVIDENCE_SHOWN] if key != "C" else items for key, items in found.items()}


def _app_runs(session: Session, merchant_id: int) -> dict[str, dict]:
    """Each case's newest finished verdict in the app's own acceptance runs."""
    rows = session.exec(
        select(GatewayCase, GatewayRun)
        .join(GatewayRun, col(GatewayRun.id) == GatewayCase.run_id)
        .where(GatewayRun.merchant_id == merchant_id, GatewayRun.kind == "acceptance")
        .order_by(col(GatewayRun.id).desc(), col(GatewayCase.position))
    )
    found: dict[str, dict] = {}
    for case, run in rows:
        if case.case_key not in found:
            found[case.case_key] = {"run_id": run.id, "verdict": case.verdict, "at": case.started_at}
    return found


def _query_checks(session: Session, merchant_id: int) -> dict[str, AcceptanceCheck]:
    found: dict[str, AcceptanceCheck] = {}
    for row in session.exec(
        select(AcceptanceCheck)
        .where(AcceptanceCheck.merchant_id == merchant_id)
        .order_by(col(AcceptanceCheck.id).desc())
    ):
        found.setdefault(row.case_key, row)
    return found


def _coverage(session: Session, merchant: Merchant) -> list[CaseCoverage]:
    applicable = {case.key for case in acceptance.applicable_cases(merchant)}
    traffic = traffic_evidence(session, merchant.id)
    app_runs = _app_runs(session, merchant.id)
    checks = _query_checks(session, merchant.id)
    return [
        CaseCoverage(case.key, case.key in applicable, traffic[case.key], app_runs.get(case.key), checks.get(case.key))
        for case in acceptance.CASES
    ]


def coverage_for(session: Session, actor: Actor, merchant_id: int) -> list[CaseCoverage]:
    """Every case A–H: whether it applies, seen in the merchant's traffic, run by support, verified by query."""
    require_merchant_access(actor, merchant_id)
    merchant = session.get(Merchant, merchant_id)
    if merchant is None:
        raise NotFound("error.merchant_not_found")
    return _coverage(session, merchant)


def credit_from_traffic(session: Session, merchant_id: int) -> bool:
    """Pass the automatic acceptance item when the merchant's own evidence covers every applicable case."""
    merchant = session.get(Merchant, merchant_id)
    item = session.exec(
        select(ChecklistItem).where(
            ChecklistItem.merchant_id == merchant_id,
            ChecklistItem.item_key == acceptance.ITEM_KEY,
            col(ChecklistItem.retired_at).is_(None),
        )
    ).first()
    if merchant is None or item is None or item.status == "passed":
        return False
    covered = [case for case in _coverage(session, merchant) if case.applies]
    if not covered or not all(case.proven_by_merchant for case in covered):
        return False
    summary = "seen in the merchant's own sandbox traffic: " + ", ".join(
        f"{case.key} {case.traffic[0]['transaction_id']}" if case.traffic else f"{case.key} checked by query"
        for case in covered
    )
    checklist.record_result(session, OBSERVER, merchant_id, acceptance.ITEM_KEY, True, summary)
    return True


def _find_order(client: GatewayClient, reference: str, exchanges: list) -> GatewayResult:
    """The order a person named by transactionId or merchantTransactionId (both are tried)."""
    attempts = ("transaction_id", "merchant_transaction_id")
    if not reference.isdigit():
        attempts = attempts[::-1]
    result = None
    for name in attempts:
        result = client.query(**{name: reference})
        exchanges.append(runs.exchange_record(result.exchange))
        if result.result_code != codes.NOT_FOUND and result.ok:
            return result
    return result


def _problem(key: str, **params) -> dict:
    return {"key": f"observatory.check.{key}", "params": params}


def _paid_order(client, reference: str, exchanges: list, statuses=PAID) -> tuple[GatewayResult, dict | None]:
    order = _find_order(client, reference, exchanges)
    if not order.ok or not order.biz:
        return order, _problem("not_found", ref=reference, code=order.result_code)
    if order.status not in statuses:
        return order, _problem("status", ref=reference, expected=" / ".join(statuses), got=order.status or "—")
    if order.biz.get("currency") != "USD":
        return order, _problem("currency", ref=reference, got=order.biz.get("currency") or "—")
    return order, None


def _check_a(client, values, exchanges):
    order, problem = _paid_order(client, values["order"], exchanges)
    if problem:
        return problem
    amount = _decimal(order.biz.get("amount"))
    if amount is None or amount == amount.to_integral_value():
        return _problem("whole_amount", ref=values["order"], amount=order.biz.get("amount") or "—")
    return None


def _check_b(client, values, exchanges):
    return _paid_order(client, values["order"], exchanges)[1]


def _check_c(client, values, exchanges):
    approved, problem = _paid_order(client, values["approved_order"], exchanges, ("SUCCESS",))
    if problem:
        return problem
    rejected = _find_order(client, values["rejected_order"], exchanges)
    if not rejected.ok or not rejected.biz:
        return _problem("not_found", ref=values["rejected_order"], code=rejected.result_code)
    if rejected.status != "FAILED" or rejected.result_code not in codes.RISK_CODES:
        return _problem("not_risk", ref=values["rejected_order"], got=rejected.status or "—", code=rejected.result_code)
    for result, reference in ((approved, values["approved_order"]), (rejected, values["rejected_order"])):
        if _decimal(result.biz.get("amount")) != RISK_REVIEW_AMOUNT:
            return _problem("amount", ref=reference, expected="2.00", got=result.biz.get("amount") or "—")
    return None


def _check_d(client, values, exchanges):
    order, problem = _paid_order(client, values["order"], exchanges)
    if problem:
        return problem
    secure = (order.biz.get("authenticationInfo") or {}).get("threeDSecure") == "Y" or (
        order.biz.get("threeDSInfo") or {}
    ).get("authenticationResult") == "Y"
    return None if secure else _problem("no_three_ds", ref=values["order"])


def _refunded(client, values, names, exchanges) -> tuple[Decimal | None, list[Decimal], dict | None]:
    order, problem = _paid_order(client, values["order"], exchanges, ("SUCCESS",))
    if problem:
        return None, [], problem
    mtid = order.biz.get("merchantTransactionId") or values["order"]
    amounts = []
    for name in names:
        refund = client.refund_query(mtid, merchant_refund_id=values[name])
        exchanges.append(runs.exchange_record(refund.exchange))
        if refund.status != "SUCCESS":
            return None, [], _problem("refund_status", ref=values[name], got=refund.status or refund.result_code)
        amounts.append(_decimal(refund.biz.get("amount")) or Decimal(0))
    return _decimal(order.biz.get("amount")), amounts, None


def _check_e(client, values, exchanges):
    paid, amounts, problem = _refunded(client, values, ("refund",), exchanges)
    if problem:
        return problem
    return None if amounts[0] == paid else _problem("not_full", ref=values["refund"], got=amounts[0], paid=paid)


def _check_f(client, values, exchanges):
    if values["refund"] == values["second_refund"]:
        return _problem("same_refund")
    paid, amounts, problem = _refunded(client, values, ("refund", "second_refund"), exchanges)
    if problem:
        return problem
    if any(amount >= paid for amount in amounts):
        return _problem("not_partial", paid=paid)
    return None


def _check_g(client, values, exchanges):
    order, problem = _paid_order(client, values["order"], exchanges, ("AUTH_SUCCESS", "SUCCESS", "CANCEL"))
    if problem:
        return problem
    if str(order.biz.get("captureDelayHours")) != "-1":
        return _problem("not_preauth", ref=values["order"])
    return None


def _check_h(client, values, exchanges):
    order, problem = _paid_order(client, values["order"], exchanges, ("SUCCESS",))
    if problem:
        return problem
    mtid = order.biz.get("merchantTransactionId") or values["order"]
    capture = client.capture_query(mtid, values["capture"])
    exchanges.append(runs.exchange_record(capture.exchange))
    if capture.status != "SUCCESS":
        return _problem("capture_status", ref=values["capture"], got=capture.status or capture.result_code)
    return None


CHECKS = {"A": _check_a, "B": _check_b, "C": _check_c, "D": _check_d, "E": _check_e}
CHECKS |= {"F": _check_f, "G": _check_g, "H": _check_h}


def verify_case(session: Session, actor: Actor, merchant_id: int, case_key: str, reference: dict) -> AcceptanceCheck:
    """Check a case the merchant ran on PingPong's sandbox through the query API, and keep the verdict."""
    require_merchant_access(actor, merchant_id)
    if session.get(Merchant, merchant_id) is None:
        raise NotFound("error.merchant_not_found")
    if case_key not in REFERENCE_FIELDS:
        raise ValidationError("observatory.error.bad_case")
    values = {}
    for name in REFERENCE_FIELDS[case_key]:
        value = str((reference or {}).get(name) or "").strip()
        if not value or len(value) > 64:
            raise ValidationError("observatory.error.reference_required", field=name)
        values[name] = value
    signing = credentials.for_signing(session, actor, merchant_id, "sandbox")
    exchanges: list[dict] = []
    with runs.client_for(signing, "sandbox") as client:
        # a gateway that cannot be reached or trusted says nothing about the merchant: nothing is kept
        problem = CHECKS[case_key](client, values, exchanges)
    detail = problem or {"key": "observatory.check.passed_b" if case_key == "B" else "observatory.check.passed"}
    row = AcceptanceCheck(
        merchant_id=merchant_id,
        case_key=case_key,
        reference=json.dumps(values, ensure_ascii=False),
        passed=problem is None,
        detail=json.dumps(detail, ensure_ascii=False, default=str),
        exchanges=json.dumps(exchanges, ensure_ascii=False, default=str),
        checked_by_name=actor.name,
        checked_at=clock.now(),
    )
    session.add(row)
    history.record(
        session, actor, "acceptance_case_checked", merchant_id, case=case_key, passed=problem is None, **values
    )
    session.commit()
    credit_from_traffic(session, merchant_id)
    return row


def detail_of(check: AcceptanceCheck) -> dict:
    return json.loads(check.detail) if check.detail else {}


def _iso(moment) -> str | None:
    return moment.isoformat() if moment else None


def as_json(case: CaseCoverage, title: str) -> dict:
    """One case for the integration API."""
    return {
        "key": case.key,
        "title": title,
        "applies": case.applies,
        "seen_in_merchant_traffic": case.seen_in_merchant_traffic,
        "merchant_traffic": [{**item, "at": _iso(item["at"])} for item in case.traffic],
        "run_by_app": case.run_by_app,
        "app_run": {**case.app_run, "at": _iso(case.app_run["at"])} if case.app_run else None,
        "verified_by_query": case.verified_by_query,
        "query_check": {
            "passed": case.query_check.passed,
            "reference": json.loads(case.query_check.reference),
            "checked_at": _iso(case.query_check.checked_at),
            "checked_by": case.query_check.checked_by_name,
        }
        if case.query_check
        else None,
    }
