"""The gateway's sandbox acceptance cases A–H, run against a merchant's sandbox account and kept as a test run."""

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

import httpx
from sqlmodel import Session

from models import Merchant
from models.gateway import GatewayRun
from onboarding.core import clock
from onboarding.core.access import Actor, require_merchant_access, require_staff
from onboarding.core.errors import NotFound
from onboarding.gateway import codes, credentials, runs
from onboarding.gateway.client import GatewayClient, GatewayResult, GatewayUnavailable, ResponseNotTrusted, new_id
from onboarding.process import checklist

ITEM_KEY = "sandbox_acceptance"
CARDS = {
    credentials.PUBLIC_ACCOUNT_A.acc_id: "4111111111111111",
    credentials.PUBLIC_ACCOUNT_B.acc_id: "4200000000000000",
}
DEFAULT_CARD = "4111111111111111"
THREE_DS_CARD = "5200000000001096"
THREE_DS_CODE = "1234"


@dataclass
class Suite:
    """What the cases share: the clients, the card to use and what earlier cases left behind."""

    client: GatewayClient
    three_ds_client: GatewayClient
    card: str
    notify_url: str
    shared: dict = field(default_factory=dict)
    exchanges: list[dict] = field(default_factory=list)
    merchant_transaction_id: str | None = None

    def call(self, result: GatewayResult) -> GatewayResult:
        self.exchanges.append(runs.exchange_record(result.exchange))
        return result


def payment(
    suite: Suite,
    amount: str,
    *,
    card: str | None = None,
    email: str = "shopper@example.com",
    country: str = "US",
    state: str = "NY",
    city: str = "New York",
    capture_delay: int = 0,
) -> dict:
    """A complete unifiedPay bizContent with test data."""
    merchant_transaction_id = new_id("ACC")
    suite.merchant_transaction_id = suite.merchant_transaction_id or merchant_transaction_id
    address = {
        "street": "1 Test Street",
        "postcode": "10001" if country == "US" else "M5V 2T6",
        "city": city,
        "state": state,
        "country": country,
    }
    return {
        "merchantTransactionId": merchant_transaction_id,
        "requestId": new_id("REQ"),
        "amount": amount,
        "currency": "USD",
        "captureDelayHours": capture_delay,
        "shopperIP": "203.0.113.10",
        "paymentMethod": {
            "type": "scheme",
            "cardInfo": {
                "number": card or suite.card,
                "holderFirstName": "Test",
                "holderLastName": "Shopper",
                "expireMonth": "12",
                "expireYear": "2030",
                "cvv": "333",
            },
        },
        "customer": {"email": email, "firstName": "Test", "lastName": "Shopper", "phone": "+12025550100"},
        "goods": [
            {
                "name": "Acceptance test item",
                "unitPrice": amount,
                "number": "1",
                "imgUrl": "https://example.com/item.png",
                "virtualProduct": "N",
            }
        ],
        "billingAddress": address,
        "shippingAddress": address,
        "device": {"orderTerminal": "02"},
        "notificationUrl": suite.notify_url,
    }


def _amount_equals(value, expected: str) -> bool:
    try:
        return Decimal(str(value)) == Decimal(expected)
    except (InvalidOperation, TypeError):
        return False


def _unexpected(result: GatewayResult, expected: str) -> dict:
    return {
        "key": "gateway.verdict.unexpected",
        "params": {"expected": expected, "got": result.status or "—", "code": result.result_code},
    }


def _pay_and_expect(suite: Suite, biz: dict, status: str, client: GatewayClient | None = None) -> dict | None:
    result = suite.call((client or suite.client).pay(biz))
    if result.status != status:
        return _unexpected(result, status)
    if not _amount_equals(result.biz.get("amount"), biz["amount"]):
        return {
            "key": "gateway.verdict.amount_differs",
            "params": {"expected": biz["amount"], "got": result.biz.get("amount")},
        }
    return None


def case_a(suite: Suite) -> dict | None:
    """A: an order with a decimal amount succeeds and the amount comes back unchanged."""
    return _pay_and_expect(suite, payment(suite, "12.34"), "SUCCESS")


def case_b(suite: Suite) -> dict | None:
    """B: an order shipped to Canada (two-letter province) succeeds."""
    return _pay_and_expect(suite, payment(suite, "5.50", country="CA", state="ON", city="Toronto"), "SUCCESS")


def case_c(suite: Suite) -> dict | None:
    """C: two 2.00 USD orders under risk review, one approved and one rejected."""
    problem = _pay_and_expect(suite, payment(suite, "2.00", email="approve@example.com"), "SUCCESS")
    if problem:
        return problem
    rejected = suite.call(suite.client.pay(payment(suite, "2.00", email="reject@example.com")))
    if rejected.status != "FAILED" or rejected.result_code not in codes.RISK_CODES:
        return _unexpected(rejected, "FAILED (risk)")
    return None


def case_d(suite: Suite) -> dict | None:
    """D: 3.00 USD on the 3-D Secure account with the 3DS card asks for a challenge; 1234 completes it."""
    biz = payment(suite, "3.00", card=THREE_DS_CARD)
    result = suite.call(suite.three_ds_client.pay(biz))
    redirect = (result.biz.get("threeDUnionParams") or {}).get("threeDRedirectUrl")
    if result.status != "PROCESSING" or result.biz.get("threeDContinue") != "true" or not redirect:
        return _unexpected(result, "PROCESSING + threeDContinue")
    base = suite.three_ds_client.base_url
    if not redirect.startswith(base + "/"):
        # a real gateway's challenge needs a person in a browser: the challenge appearing is the case
        return None
    try:
        with httpx.Client(timeout=10, follow_redirects=False) as browser:
            page = browser.get(redirect)
            answer = browser.post(redirect, data={"code": THREE_DS_CODE})
    except httpx.HTTPError as error:
        raise GatewayUnavailable("gateway.error.unavailable", url=base, reason=type(error).__name__) from None
    suite.exchanges.append(
        {
            "path": redirect,
            "request": {"code": THREE_DS_CODE},
            "response": {"http_status": [page.status_code, answer.status_code]},
        }
    )
    query = suite.call(suite.three_ds_client.query(merchant_transaction_id=biz["merchantTransactionId"]))
    if query.status != "SUCCESS":
        return _unexpected(query, "SUCCESS")
    return None


def _paid(suite: Suite, amount: str, capture_delay: int = 0) -> tuple[dict, dict | None]:
    biz = payment(suite, amount, capture_delay=capture_delay)
    return biz, _pay_and_expect(suite, biz, "SUCCESS" if capture_delay == 0 else "AUTH_SUCCESS")


def case_e(suite: Suite) -> dict | None:
    """E: a full refund succeeds and the refund query confirms it."""
    biz, problem = _paid(suite, "4.00")
    if problem:
        return problem
    refund = suite.call(suite.client.refund(biz["merchantTransactionId"], "4.00", notificationUrl=suite.notify_url))
    if refund.status != "SUCCESS":
        return _unexpected(refund, "SUCCESS")
    check = suite.call(
        suite.client.refund_query(biz["merchantTransactionId"], merchant_refund_id=refund.biz.get("merchantRefundId"))
    )
    return None if check.status == "SUCCESS" else _unexpected(check, "SUCCESS")


def case_f(suite: Suite) -> dict | None:
    """F: two partial refunds on one order both succeed."""
    biz, problem = _paid(suite, "6.00")
    if problem:
        return problem
    for amount in ("2.50", "3.50"):
        refund = suite.call(suite.client.refund(biz["merchantTransactionId"], amount, notificationUrl=suite.notify_url))
        if refund.status != "SUCCESS":
            return _unexpected(refund, "SUCCESS")
    return None


def case_g(suite: Suite) -> dict | None:
    """G: a pre-authorisation (captureDelayHours -1) answers AUTH_SUCCESS and is recorded for H."""
    biz, problem = _paid(suite, "7.00", capture_delay=-1)
    if problem:
        return problem
    query = suite.call(suite.client.query(merchant_transaction_id=biz["merchantTransactionId"]))
    if query.status != "AUTH_SUCCESS":
        return _unexpected(query, "AUTH_SUCCESS")
    suite.shared["authorised"] = biz["merchantTransactionId"]
    return None


def case_h(suite: Suite) -> dict | None:
    """H: capturing order G succeeds and the order is then SUCCESS."""
    authorised = suite.shared.get("authorised")
    if not authorised:
        return {"key": "gateway.verdict.needs_g", "params": {}}
    suite.merchant_transaction_id = authorised
    capture = suite.call(suite.client.capture(authorised, "7.00", notificationUrl=suite.notify_url))
    if capture.status != "SUCCESS":
        return _unexpected(capture, "SUCCESS")
    query = suite.call(suite.client.query(merchant_transaction_id=authorised))
    return None if query.status == "SUCCESS" else _unexpected(query, "SUCCESS")


@dataclass(frozen=True)
class Case:
    """One acceptance case: its letter, when it applies, and what it does."""

    key: str
    applies: Callable[[Merchant], bool]
    run: Callable[[Suite], dict | None]


CASES = (
    Case("A", lambda merchant: True, case_a),
    Case("B", lambda merchant: True, case_b),
    Case("C", lambda merchant: True, case_c),
    Case("D", lambda merchant: merchant.uses_3ds, case_d),
    Case("E", lambda merchant: merchant.uses_refunds, case_e),
    Case("F", lambda merchant: merchant.uses_refunds, case_f),
    Case("G", lambda merchant: merchant.uses_preauth, case_g),
    Case("H", lambda merchant: merchant.uses_preauth, case_h),
)


def applicable_cases(merchant: Merchant) -> list[Case]:
    """The cases this merchant must pass, from the features it uses."""
    return [case for case in CASES if case.applies(merchant)]


Progress = Callable[[int, int, str, object], None]


def run_suite(session: Session, actor: Actor, merchant_id: int, on_progress: Progress | None = None) -> GatewayRun:
    """Run the applicable cases in sandbox; a complete run turns the checklist item passed or failed."""
    require_staff(actor)
    require_merchant_access(actor, merchant_id)
    merchant = session.get(Merchant, merchant_id)
    if merchant is None:
        raise NotFound("error.merchant_not_found")
    signing = credentials.for_signing(session, actor, merchant_id, "sandbox")
    cases = applicable_cases(merchant)
    run = runs.start(session, actor, merchant_id, "sandbox", "acceptance", signing.acc_id)
    client = runs.client_for(signing, "sandbox", run.id)
    three_ds_client = runs.client_for(credentials.PUBLIC_ACCOUNT_B, "sandbox", run.id)
    verdicts: dict[str, str] = {}
    shared: dict = {}
    stopped: str | None = None
    try:
        for position, case in enumerate(cases):
            if on_progress:
                on_progress(position, len(cases), case.key, None)
            suite = Suite(
                client=client,
                three_ds_client=three_ds_client,
                card=CARDS.get(signing.acc_id, DEFAULT_CARD),
                notify_url=runs.notify_url(),
                shared=shared,
            )
            started, began = clock.now(), time.monotonic()
            verdict, detail = _run_case(case, suite, stopped)
            verdicts[case.key] = verdict
            if verdict in ("unavailable", "error") and stopped is None:
                stopped = verdict
            saved = runs.add_case(
                session,
                run,
                position,
                case.key,
                verdict,
                detail,
                suite.exchanges,
                suite.merchant_transaction_id,
                started,
                int((time.monotonic() - began) * 1000),
            )
            if on_progress:
                on_progress(position + 1, len(cases), case.key, saved)
    finally:
        client.close()
        three_ds_client.close()
    passed = sum(1 for verdict in verdicts.values() if verdict == "passed")
    summary = f"run {run.id}: {passed}/{len(cases)} " + ", ".join(
        f"{key} {verdict}" for key, verdict in verdicts.items()
    )
    if stopped:
        # a gateway that cannot be reached or trusted says nothing about the merchant: the item stays as it was
        runs.finish(session, actor, run, stopped, summary)
        return run
    all_passed = passed == len(cases)
    runs.finish(session, actor, run, "passed" if all_passed else "failed", summary, commit=False)
    checklist.record_result(session, actor, merchant_id, ITEM_KEY, all_passed, summary)
    return run


def _run_case(case: Case, suite: Suite, stopped: str | None) -> tuple[str, dict]:
    """The verdict of one case and why; once the gateway failed, the remaining cases are skipped."""
    if stopped:
        return "skipped", {"key": "gateway.verdict.skipped", "params": {}}
    try:
        problem = case.run(suite)
    except GatewayUnavailable as error:
        suite.exchanges.append(runs.exchange_record(error.exchange))
        return "unavailable", {"key": error.key, "params": error.params}
    except ResponseNotTrusted as error:
        suite.exchanges.append(runs.exchange_record(error.exchange))
        return "error", {"key": error.key, "params": error.params}
    if problem:
        return "failed", problem
    return "passed", {"key": "gateway.verdict.passed", "params": {}}
