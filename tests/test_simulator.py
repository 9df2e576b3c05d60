"""The embedded sandbox simulator: its documented rules, its pages, its notifications and its memory."""

import json
import time

import httpx
import pytest
from sqlmodel import Session, create_engine, select

from models.gateway import SimNotification
from onboarding.gateway import codes
from onboarding.gateway.client import GatewayClient, new_id
from onboarding.gateway.credentials import PUBLIC_ACCOUNT_A, PUBLIC_ACCOUNT_B
from onboarding.gateway.signature import verify
from tests.gateway_servers import StubServer, start_simulator, stop
from tests.test_gateway_client import card_payment


@pytest.fixture
def a(shared_simulator):
    with GatewayClient(shared_simulator, PUBLIC_ACCOUNT_A) as client:
        yield client


@pytest.fixture
def b(shared_simulator):
    with GatewayClient(shared_simulator, PUBLIC_ACCOUNT_B) as client:
        yield client


def test_a_card_that_is_not_a_documented_test_card_is_declined_with_301002(a):
    result = a.pay(card_payment(card="5204740000001002"))
    assert (result.code, result.status) == ("301002", "FAILED")
    assert result.biz["threeDContinue"] == "false"


def test_amounts_with_more_than_two_decimals_or_other_currencies_are_refused(a):
    assert a.pay(card_payment("1.005")).code == codes.BAD_PARAMETER
    assert a.pay({**card_payment(), "currency": "EUR"}).code == codes.CURRENCY


def test_a_us_or_canadian_address_needs_a_two_letter_state(a):
    good = {"street": "1 King St", "postcode": "M5V", "city": "Toronto", "state": "ON", "country": "CA"}
    assert a.pay(card_payment(billingAddress=good)).status == "SUCCESS"
    bad = {**good, "state": "Ontario"}
    assert a.pay(card_payment(billingAddress=bad)).code == codes.BAD_PARAMETER


def test_at_two_dollars_the_risk_review_rejects_reject_at_and_approves_anyone_else(a):
    approved = a.pay(card_payment("2.00", customer={"email": "approve@example.com"}))
    rejected = a.pay(card_payment("2.00", customer={"email": "reject@example.com"}))
    assert approved.status == "SUCCESS"
    assert (rejected.status, rejected.code) == ("FAILED", "200000")


def test_three_ds_card_on_account_b_asks_for_a_challenge_that_1234_completes(b, shared_simulator):
    biz = card_payment("3.00", card="5200000000001096")
    result = b.pay(biz)
    assert (result.status, result.code, result.biz["threeDContinue"]) == ("PROCESSING", "002000", "true")
    redirect = result.biz["threeDUnionParams"]["threeDRedirectUrl"]
    assert redirect.startswith(shared_simulator + "/threeds/")
    page = httpx.get(redirect, timeout=10)
    assert page.status_code == 200 and "1234" in page.text
    httpx.post(redirect, data={"code": "1234"}, timeout=10)
    found = b.query(merchant_transaction_id=biz["merchantTransactionId"])
    assert found.status == "SUCCESS" and found.biz["threeDSInfo"]["authenticationResult"] == "Y"


def test_a_wrong_challenge_code_fails_the_payment_with_400000(b):
    biz = card_payment("3.00", card="5200000000001096")
    redirect = b.pay(biz).biz["threeDUnionParams"]["threeDRedirectUrl"]
    httpx.post(redirect, data={"code": "0000"}, timeout=10)
    found = b.query(merchant_transaction_id=biz["merchantTransactionId"])
    assert (found.status, found.result_code) == ("FAILED", "400000")


def test_refunds_beyond_the_payment_get_108000_and_beyond_what_is_left_get_108003(a):
    biz = card_payment("6.00")
    a.pay(biz)
    mtid = biz["merchantTransactionId"]
    assert (a.refund(mtid, "6.01").code, a.refund(mtid, "6.01").status) == ("108000", "FAILED")
    assert a.refund(mtid, "2.50").status == "SUCCESS"
    assert a.refund(mtid, "3.50").status == "SUCCESS"
    over = a.refund(mtid, "0.01")
    assert (over.code, over.status) == ("108003", "FAILED")
    first = a.refund(mtid, "1.00", merchant_refund_id="RF-ONCE")
    assert a.refund_query(mtid, merchant_refund_id="RF-ONCE").result_code == first.result_code


def test_refunding_an_unknown_order_is_107002(a):
    assert a.refund("NO-SUCH-ORDER", "1.00").code == codes.ORIGINAL_NOT_FOUND


def test_pre_authorisation_then_capture(a):
    biz = card_payment("7.00", captureDelayHours=-1)
    assert a.pay(biz).status == "AUTH_SUCCESS"
    mtid = biz["merchantTransactionId"]
    assert a.refund(mtid, "1.00").code == codes.ORIGINAL_TYPE
    assert a.capture(mtid, "7.01").code == codes.CAPTURE_TOO_LARGE
    captured = a.capture(mtid, "7.00", merchant_capture_id="CP-1")
    assert captured.status == "SUCCESS"
    assert a.capture_query(mtid, "CP-1").status == "SUCCESS"
    assert a.query(merchant_transaction_id=mtid).status == "SUCCESS"
    assert a.void(mtid, "7.00", "https://shop.example.com/notify").code == codes.VOID_ON_CAPTURED


def test_void_cancels_an_authorisation(a):
    biz = card_payment("7.00", captureDelayHours=-1)
    a.pay(biz)
    mtid = biz["merchantTransactionId"]
    voided = a.void(mtid, "7.00", "https://shop.example.com/notify", merchant_void_id="VD-1")
    assert voided.status == "SUCCESS"
    assert a.void_query(mtid, "VD-1").status == "SUCCESS"
    assert a.query(merchant_transaction_id=mtid).status == "CANCEL"
    assert a.capture(mtid, "7.00").code == codes.CAPTURE_ON_REVERSED


def test_pre_pay_opens_a_hosted_checkout_where_a_test_card_pays(a):
    mtid = new_id("T")
    intent = a.pre_pay(
        {
            "merchantTransactionId": mtid,
            "amount": "1.00",
            "currency": "USD",
            "captureDelayHours": 0,
            "payResultUrl": "https://shop.example.com/result",
        }
    )
    assert intent.code == "000000" and intent.biz["token"]
    again = a.pre_pay({"merchantTransactionId": mtid, "amount": "9.00", "currency": "USD", "captureDelayHours": 0})
    assert again.biz["paymentUrl"] == intent.biz["paymentUrl"] and again.biz["amount"] == "1.000000"
    page = httpx.get(intent.biz["paymentUrl"], timeout=10)
    assert page.status_code == 200 and mtid in page.text
    paid = httpx.post(
        intent.biz["paymentUrl"], data={"number": "4111111111111111", "email": "s@example.com"}, timeout=10
    )
    # no open redirect: a page names the shop's address and links to it
    assert paid.status_code == 200 and "location" not in paid.headers
    assert "shop.example.com" in paid.text
    assert f"https://shop.example.com/result?merchantTransactionId={mtid}&amp;status=SUCCESS" in paid.text
    assert a.query(merchant_transaction_id=mtid).status == "SUCCESS"


def test_a_restart_loses_nothing(tmp_path):
    process, url = start_simulator(tmp_path / "sim", own_database=True)
    try:
        with GatewayClient(url, PUBLIC_ACCOUNT_A) as client:
            biz = card_payment("4.56")
            client.pay(biz)
    finally:
        stop(process)
    process, url = start_simulator(tmp_path / "sim", own_database=True)
    try:
        with GatewayClient(url, PUBLIC_ACCOUNT_A) as client:
            found = client.query(merchant_transaction_id=biz["merchantTransactionId"])
    finally:
        stop(process)
    assert (found.status, found.biz["amount"]) == ("SUCCESS", "4.560000")


def test_notifications_are_signed_and_retried_until_received(tmp_path):
    answers = iter([(500, b"oops"), (200, b"FAIL"), (200, b"OK")])

    def answer(_stub, _handler, _body):
        status, body = next(answers, (200, b"OK"))
        return status, {"Content-Type": "text/plain"}, body

    with StubServer(answer) as stub:
        process, url = start_simulator(
            tmp_path / "sim", own_database=True, NOTIFICATION_RETRY_SCALE="0.01", ALLOW_PRIVATE_URLS="true"
        )
        try:
            with GatewayClient(url, PUBLIC_ACCOUNT_A) as client:
                client.pay(card_payment(notificationUrl=f"{stub.url}/hooks/pingpong"))
            deadline = time.monotonic() + 20
            while len(stub.requests) < 3 and time.monotonic() < deadline:
                time.sleep(0.1)
            time.sleep(0.5)
        finally:
            stop(process)
    assert len(stub.requests) == 3, "three attempts: 500, 200 FAIL, then OK stops the retries"
    bodies = [json.loads(body) for _method, _path, body in stub.requests]
    assert all(verify(body, PUBLIC_ACCOUNT_A.salt) for body in bodies)
    assert json.loads(bodies[0]["bizContent"])["notifyType"] == "RECHARGE"
    engine = create_engine(f"sqlite:///{tmp_path / 'sim' / 'onboarding.db'}")
    with Session(engine) as session:
        row = session.exec(select(SimNotification)).one()
    engine.dispose()
    assert (row.state, row.attempts) == ("delivered", 3)


def test_notifications_to_private_addresses_are_never_sent(tmp_path):
    process, url = start_simulator(tmp_path / "sim", own_database=True, NOTIFICATION_RETRY_SCALE="0.001")
    try:
        with GatewayClient(url, PUBLIC_ACCOUNT_A) as client:
            client.pay(card_payment(notificationUrl="https://10.0.0.1/notify"))
        time.sleep(1.5)
    finally:
        stop(process)
    engine = create_engine(f"sqlite:///{tmp_path / 'sim' / 'onboarding.db'}")
    with Session(engine) as session:
        row = session.exec(select(SimNotification)).one()
    engine.dispose()
    assert row.last_result.startswith("refused")


def test_the_hosted_checkout_shows_a_decline_and_lets_the_shopper_try_again(a):
    mtid = new_id("T")
    url = a.pre_pay({"merchantTransactionId": mtid, "amount": "1.00", "currency": "USD", "captureDelayHours": 0}).biz[
        "paymentUrl"
    ]
    empty = httpx.post(url, data={"number": ""}, timeout=10)
    assert empty.status_code == 200 and "parameter is missing" in empty.text
    declined = httpx.post(url, data={"number": "5204740000001002"}, timeout=10)
    assert declined.status_code == 200 and "do not honour" in declined.text
    paid = httpx.post(url, data={"number": "4111111111111111"}, timeout=10)
    assert paid.status_code == 200 and "SUCCESS" in paid.text
    assert a.query(merchant_transaction_id=mtid).biz["cardInfo"]["paymentBrand"] == "VISA"
