"""Acceptance cases credited from the merchant's own sandbox traffic, apart from the app's own runs, and verified by
query for merchants on PingPong's sandbox."""

import dataclasses
from datetime import timedelta

import pytest
from sqlmodel import select

from models import ChecklistItem, HistoryEvent
from models.observatory import AcceptanceCheck
from onboarding.core import clock
from onboarding.core.access import Actor
from onboarding.core.config import get_settings
from onboarding.core.errors import AccessDenied, ValidationError
from onboarding.gateway import coverage, sandbox_accounts
from onboarding.gateway.client import GatewayClient, GatewayUnavailable
from onboarding.gateway.credentials import PUBLIC_ACCOUNT_A
from onboarding.gateway.simulator import engine
from onboarding.process.merchants import create_merchant
from tests.test_gateway_client import card_payment
from tests.test_request_log import call, envelope, payment
from tools.local_processes import free_port


@pytest.fixture
def full_merchant(session, admin, merchant_input):
    """A merchant that uses refunds, pre-authorisation and 3-D Secure: every case A–H applies."""
    return create_merchant(
        session, admin, dataclasses.replace(merchant_input, uses_refunds=True, uses_preauth=True, uses_3ds=True)
    )


@pytest.fixture
def account(session, admin, full_merchant):
    return sandbox_accounts.sandbox_credentials(session, admin, full_merchant.id)


def item_status(session, merchant_id: int) -> str:
    row = session.exec(
        select(ChecklistItem).where(
            ChecklistItem.merchant_id == merchant_id, ChecklistItem.item_key == "sandbox_acceptance"
        )
    ).one()
    session.refresh(row)
    return row.status


def seen(session, admin, merchant_id) -> dict[str, bool]:
    return {case.key: case.seen_in_merchant_traffic for case in coverage.coverage_for(session, admin, merchant_id)}


def pay(session, account, amount, order, source="merchant", **extra):
    body = payment(amount, merchantTransactionId=order, requestId=f"R-{order}", **extra)
    return call(session, "/v4/payment/unifiedPay", envelope(account, body), source)


def operation(session, account, path, order, amount, key, value, source="merchant"):
    biz = {"merchantTransactionId": order, key: value, "amount": amount, "currency": "USD"}
    if path.endswith("void"):
        biz["notificationUrl"] = "https://shop.example.com/notify"
    return call(session, path, envelope(account, biz), source)


def test_the_merchants_own_traffic_credits_every_case_and_passes_the_item(session, admin, full_merchant, account):
    merchant_id = full_merchant.id
    pay(session, account, "12.34", "A-1")
    assert seen(session, admin, merchant_id)["A"]
    address = {"street": "1 King St", "postcode": "M5V", "city": "Toronto", "state": "ON", "country": "CA"}
    pay(session, account, "5.00", "B-1", shippingAddress=address)
    pay(session, account, "2.00", "C-1", customer={"email": "approve@example.com"})
    pay(session, account, "2.00", "C-2", customer={"email": "reject@example.com"})
    challenged = pay(
        session, account, "3.00", "D-1", paymentMethod={"type": "scheme", "cardInfo": {"number": "5200000000001096"}}
    )
    token = challenged["bizContent"].split("/threeds/")[1].split('"')[0]
    engine.complete_challenge(session, engine.by_token(session, token), "1234", "http://127.0.0.1:9/sandbox")
    pay(session, account, "4.00", "E-1")
    operation(session, account, "/v4/payment/refund", "E-1", "4.00", "merchantRefundId", "E-R1")
    pay(session, account, "6.00", "F-1")
    operation(session, account, "/v4/payment/refund", "F-1", "2.50", "merchantRefundId", "F-R1")
    assert not seen(session, admin, merchant_id)["F"], "one partial refund is not yet case F"
    assert item_status(session, merchant_id) == "todo"
    operation(session, account, "/v4/payment/refund", "F-1", "3.50", "merchantRefundId", "F-R2")
    pay(session, account, "7.00", "G-1", captureDelayHours=-1)
    operation(session, account, "/v4/payment/capture", "G-1", "7.00", "merchantCaptureId", "G-C1")
    cases = {case.key: case for case in coverage.coverage_for(session, admin, merchant_id)}
    assert all(case.seen_in_merchant_traffic and not case.run_by_app for case in cases.values())
    assert [item["merchant_transaction_id"] for item in cases["C"].traffic] == ["C-1", "C-2"]
    assert cases["D"].traffic[0]["merchant_transaction_id"] == "D-1"
    assert item_status(session, merchant_id) == "passed"
    event = session.exec(select(HistoryEvent).where(HistoryEvent.action == "check_passed")).one()
    assert "seen in the merchant's own sandbox traffic" in event.detail and event.actor_name == "Sandbox request log"


def test_the_apps_own_calls_are_run_by_support_and_never_seen_in_the_merchants_traffic(
    session, admin, full_merchant, account
):
    pay(session, account, "12.34", "APP-A", source="app")
    assert not seen(session, admin, full_merchant.id)["A"]


def test_wrong_amounts_do_not_credit_a_case(session, admin, full_merchant, account):
    pay(session, account, "12.00", "WHOLE-1")
    pay(session, account, "2.00", "C-ONLY-APPROVED")
    pay(
        session,
        account,
        "9.99",
        "DECLINED",
        paymentMethod={"type": "scheme", "cardInfo": {"number": "5204740000001002"}},
    )
    found = seen(session, admin, full_merchant.id)
    assert not found["A"] and not found["C"]


def test_a_processing_refund_counts_once_it_has_settled(session, admin, full_merchant, account):
    pay(session, account, "8.03", "E-P")
    operation(session, account, "/v4/payment/refund", "E-P", "8.03", "merchantRefundId", "E-P1")
    # the refund settles 5 s × NOTIFICATION_RETRY_SCALE later
    assert not seen(session, admin, full_merchant.id)["E"]
    with clock.frozen_at(clock.now() + timedelta(seconds=6)):
        assert seen(session, admin, full_merchant.id)["E"]


def test_coverage_is_the_merchants_own_business(session, admin, full_merchant):
    intruder = Actor(id=None, name="Someone", role="merchant", merchant_id=full_merchant.id + 1)
    with pytest.raises(AccessDenied):
        coverage.coverage_for(session, intruder, full_merchant.id)


@pytest.fixture
def pingpong_sandbox(sandbox):
    """PingPong's sandbox stood in for by the simulator in its own process: the app sees none of its traffic."""
    with GatewayClient(sandbox, PUBLIC_ACCOUNT_A) as client:
        yield client


def test_on_pingpongs_sandbox_a_named_transaction_is_verified_by_query(session, admin, merchant, pingpong_sandbox):
    paid = pingpong_sandbox.pay(card_payment("12.34"))
    owner = Actor(id=None, name="Emily", role="merchant", merchant_id=merchant.id)
    check = coverage.verify_case(session, owner, merchant.id, "A", {"order": paid.biz["transactionId"]})
    assert check.passed and coverage.detail_of(check)["key"] == "observatory.check.passed"
    whole = pingpong_sandbox.pay(card_payment("12.00"))
    refused = coverage.verify_case(session, owner, merchant.id, "A", {"order": whole.biz["merchantTransactionId"]})
    assert not refused.passed and coverage.detail_of(refused)["key"] == "observatory.check.whole_amount"
    case_a = next(case for case in coverage.coverage_for(session, admin, merchant.id) if case.key == "A")
    assert not case_a.verified_by_query and not case_a.seen_in_merchant_traffic
    assert session.exec(select(HistoryEvent).where(HistoryEvent.action == "acceptance_case_checked")).all()


def test_on_pingpongs_sandbox_refunds_and_risk_review_are_checked(session, admin, merchant, pingpong_sandbox):
    order = card_payment("6.00")
    pingpong_sandbox.pay(order)
    mtid = order["merchantTransactionId"]
    pingpong_sandbox.refund(mtid, "2.50", merchant_refund_id=f"{mtid}-1")
    pingpong_sandbox.refund(mtid, "3.50", merchant_refund_id=f"{mtid}-2")
    partial = {"order": mtid, "refund": f"{mtid}-1", "second_refund": f"{mtid}-2"}
    assert coverage.verify_case(session, admin, merchant.id, "F", partial).passed
    full = coverage.verify_case(session, admin, merchant.id, "E", {"order": mtid, "refund": f"{mtid}-1"})
    assert not full.passed and coverage.detail_of(full)["key"] == "observatory.check.not_full"
    approved = pingpong_sandbox.pay(card_payment("2.00", customer={"email": "ok@example.com"}))
    rejected = pingpong_sandbox.pay(card_payment("2.00", customer={"email": "reject@example.com"}))
    both = {"approved_order": approved.biz["transactionId"], "rejected_order": rejected.biz["transactionId"]}
    assert coverage.verify_case(session, admin, merchant.id, "C", both).passed
    swapped = {"approved_order": both["rejected_order"], "rejected_order": both["approved_order"]}
    assert not coverage.verify_case(session, admin, merchant.id, "C", swapped).passed


def test_a_case_needs_its_references_and_an_unreachable_sandbox_records_nothing(
    session, admin, merchant, data_dir, monkeypatch
):
    with pytest.raises(ValidationError):
        coverage.verify_case(session, admin, merchant.id, "E", {"order": "X"})
    with pytest.raises(ValidationError):
        coverage.verify_case(session, admin, merchant.id, "Z", {"order": "X"})
    monkeypatch.setenv("PINGPONG_SANDBOX_BASE_URL", f"http://127.0.0.1:{free_port()}")
    monkeypatch.setenv("PINGPONG_TIMEOUT_SECONDS", "2")
    get_settings.cache_clear()
    with pytest.raises(GatewayUnavailable):
        coverage.verify_case(session, admin, merchant.id, "A", {"order": "9000000000000001"})
    assert session.exec(select(AcceptanceCheck)).all() == []
    get_settings.cache_clear()


def test_every_verified_case_passes_the_item_for_a_merchant_on_pingpongs_sandbox(
    session, admin, merchant, pingpong_sandbox
):
    # the default merchant uses refunds only: A, B, C, E and F apply
    references = {}
    a = pingpong_sandbox.pay(card_payment("12.34"))
    references["A"] = {"order": a.biz["transactionId"]}
    b = pingpong_sandbox.pay(card_payment("5.00"))
    references["B"] = {"order": b.biz["transactionId"]}
    ok = pingpong_sandbox.pay(card_payment("2.00"))
    no = pingpong_sandbox.pay(card_payment("2.00", customer={"email": "reject@example.com"}))
    references["C"] = {"approved_order": ok.biz["transactionId"], "rejected_order": no.biz["transactionId"]}
    full, partial = card_payment("4.00"), card_payment("6.00")
    pingpong_sandbox.pay(full)
    pingpong_sandbox.pay(partial)
    e_id, f_id = full["merchantTransactionId"], partial["merchantTransactionId"]
    pingpong_sandbox.refund(e_id, "4.00", merchant_refund_id=f"{e_id}-R")
    pingpong_sandbox.refund(f_id, "1.00", merchant_refund_id=f"{f_id}-1")
    pingpong_sandbox.refund(f_id, "2.00", merchant_refund_id=f"{f_id}-2")
    references["E"] = {"order": e_id, "refund": f"{e_id}-R"}
    references["F"] = {"order": f_id, "refund": f"{f_id}-1", "second_refund": f"{f_id}-2"}
    for key, reference in references.items():
        assert coverage.verify_case(session, admin, merchant.id, key, reference).passed, key
    assert item_status(session, merchant.id) == "passed"
