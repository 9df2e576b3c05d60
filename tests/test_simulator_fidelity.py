"""The simulator follows the gateway documentation where it used to diverge, with the documentation's own examples."""

import json
import time

import httpx
import pytest

from onboarding.gateway import codes
from onboarding.gateway.client import GatewayClient, new_id
from onboarding.gateway.credentials import PUBLIC_ACCOUNT_A
from onboarding.gateway.signature import verify
from tests.gateway_servers import StubServer, start_simulator, stop
from tests.pingpong_examples import PRE_PAY_REQUEST, PRE_PAY_RESPONSE, UNIFIED_PAY_REQUEST, UNIFIED_PAY_RESPONSE
from tests.test_gateway_client import card_payment

SALT = PUBLIC_ACCOUNT_A.salt


@pytest.fixture
def a(shared_simulator):
    with GatewayClient(shared_simulator, PUBLIC_ACCOUNT_A) as client:
        yield client


def post(base: str, path: str, body: dict) -> dict:
    return httpx.post(f"{base}{path}", json=body, timeout=10).json()


def biz_of(envelope: dict) -> dict:
    return json.loads(envelope["bizContent"])


def test_the_documentations_own_signed_examples_verify_with_the_documented_salt():
    for example in (PRE_PAY_REQUEST, PRE_PAY_RESPONSE, UNIFIED_PAY_REQUEST, UNIFIED_PAY_RESPONSE):
        assert verify(example, SALT)


def test_the_documented_pre_pay_example_with_its_string_capture_delay_is_accepted(shared_simulator):
    answer = post(shared_simulator, "/v4/payment/prePay", PRE_PAY_REQUEST)
    assert answer["code"] == PRE_PAY_RESPONSE["code"] == "000000"
    assert verify(answer, SALT)
    biz, documented = biz_of(answer), biz_of(PRE_PAY_RESPONSE)
    assert set(documented) <= set(biz)
    assert (biz["merchantTransactionId"], biz["currency"]) == (documented["merchantTransactionId"], "USD")
    assert 'captureDelayHours was sent as the string "0"' in answer["description"]
    script = httpx.get(biz["innerJsUrl"], timeout=10)
    assert script.status_code == 200 and script.headers["content-type"].startswith("application/javascript")
    assert "window.ppPay" in script.text and biz["token"] in script.text
    assert httpx.get(biz["paymentUrl"], timeout=10).status_code == 200


def test_the_documented_unified_pay_example_is_declined_as_documented(shared_simulator):
    answer = post(shared_simulator, "/v4/payment/unifiedPay", UNIFIED_PAY_REQUEST)
    assert answer["code"] == UNIFIED_PAY_RESPONSE["code"] == "301002"
    assert verify(answer, SALT)
    biz, documented = biz_of(answer), biz_of(UNIFIED_PAY_RESPONSE)
    assert set(documented) <= set(biz)
    for name in ("requestId", "merchantTransactionId", "amount", "threeDContinue", "captureDelayHours", "status"):
        assert biz[name] == documented[name], name
    assert biz["threeDUnionParams"] == documented["threeDUnionParams"]
    assert biz["paymentMethod"] == documented["paymentMethod"]
    assert "amount was sent as a JSON number" in answer["description"]
    assert "goods was sent as an object" in answer["description"]


def test_after_capturing_1_of_5_the_order_is_worth_1_and_a_refund_of_5_is_refused_with_108003(a):
    biz = card_payment("5.00", captureDelayHours=-1)
    assert a.pay(biz).status == "AUTH_SUCCESS"
    mtid = biz["merchantTransactionId"]
    captured = a.capture(mtid, "1.00")
    assert captured.status == "SUCCESS" and "partial capture" in captured.description
    assert a.query(merchant_transaction_id=mtid).biz["amount"] == "1.000000"
    over = a.refund(mtid, "5.00")
    assert (over.code, over.status) == (codes.REFUND_OVER_BALANCE, "FAILED")
    assert "1.00 USD" in over.description
    assert a.refund(mtid, "1.00").status == "SUCCESS"


def test_a_65_character_merchant_transaction_id_is_refused_rather_than_cut(a):
    long_id = "M" * 65
    refused = a.pay(card_payment(merchantTransactionId=long_id))
    assert refused.code == codes.BAD_PARAMETER and "at most 64" in refused.description
    assert a.query(merchant_transaction_id=long_id[:64]).code == codes.NOT_FOUND
    assert a.pay(card_payment(notificationUrl="https://shop.example.com/" + "n" * 240)).code == codes.BAD_PARAMETER


def test_a_query_needs_only_one_of_the_two_ids(a):
    first, second = a.pay(card_payment("1.10")), a.pay(card_payment("1.20"))
    by_id = a.query(transaction_id=first.biz["transactionId"])
    assert (by_id.code, by_id.biz["merchantTransactionId"]) == ("001000", first.biz["merchantTransactionId"])
    by_order = a.query(merchant_transaction_id=second.biz["merchantTransactionId"])
    assert by_order.biz["transactionId"] == second.biz["transactionId"]
    mixed = a.query(first.biz["transactionId"], second.biz["merchantTransactionId"])
    assert mixed.biz["transactionId"] == first.biz["transactionId"]
    assert "do not name the same order" in mixed.description


def test_a_void_must_name_the_whole_authorised_amount(a):
    biz = card_payment("7.00", captureDelayHours=-1)
    a.pay(biz)
    mtid = biz["merchantTransactionId"]
    partial = a.void(mtid, "6.00", "https://shop.example.com/notify")
    assert partial.code == codes.BAD_PARAMETER and "authorised amount" in partial.description
    assert a.query(merchant_transaction_id=mtid).status == "AUTH_SUCCESS"
    assert a.void(mtid, "7.00", "https://shop.example.com/notify").status == "SUCCESS"


def test_execute_three_d_y_forces_a_challenge_even_for_a_plain_test_card(a):
    biz = card_payment("4.00", threeDSRequestData={"executeThreeD": "Y"})
    started = a.pay(biz)
    assert (started.code, started.status, started.biz["threeDContinue"]) == ("002000", "PROCESSING", "true")
    redirect = started.biz["threeDUnionParams"]["threeDRedirectUrl"]
    finished = httpx.post(redirect, data={"code": "1234"}, timeout=10)
    assert finished.status_code == 200 and "location" not in finished.headers
    found = a.query(merchant_transaction_id=biz["merchantTransactionId"])
    assert found.status == "SUCCESS" and found.biz["threeDSInfo"]["authenticationResult"] == "Y"


def test_execute_three_d_external_takes_the_merchants_own_results(a):
    block = {"executeThreeD": "external", "authenticationValue": "AAABBB", "eci": "05"}
    paid = a.pay(card_payment("4.10", threeDSRequestData=block))
    assert paid.status == "SUCCESS"
    found = a.query(merchant_transaction_id=paid.biz["merchantTransactionId"])
    assert found.biz["authenticationInfo"]["threeDSecure"] == "Y"
    incomplete = a.pay(card_payment(threeDSRequestData={"executeThreeD": "external"}))
    assert incomplete.code == codes.BAD_PARAMETER and "authenticationValue" in incomplete.description


def test_an_alternative_payment_method_answers_an_action_whose_page_completes_it(a):
    qr = a.pay(card_payment("3.50", paymentMethod={"type": "alipay"}))
    assert (qr.code, qr.status, qr.biz["action"]["type"]) == ("002000", "PROCESSING", "QR_CODE")
    redirect = a.pay(card_payment("3.60", paymentMethod={"type": "paypal"}))
    assert redirect.biz["action"]["type"] == "PAYMENT_REDIRECT_URL"
    url = redirect.biz["action"]["paymentRedirectUrl"]
    assert httpx.get(url, timeout=10).status_code == 200
    assert httpx.post(url, data={"decision": "approve"}, timeout=10).status_code == 200
    assert a.query(merchant_transaction_id=redirect.biz["merchantTransactionId"]).status == "SUCCESS"
    assert httpx.post(qr.biz["action"]["qrCode"], data={"decision": "decline"}, timeout=10).status_code == 200
    assert a.query(merchant_transaction_id=qr.biz["merchantTransactionId"]).status == "FAILED"
    preauth = a.pay(card_payment(paymentMethod={"type": "alipay"}, captureDelayHours=-1))
    assert preauth.code == codes.BAD_PARAMETER


def test_refunds_captures_and_voids_of_an_amount_ending_in_03_are_processing_first(a):
    paid = card_payment("9.00")
    a.pay(paid)
    refund = a.refund(paid["merchantTransactionId"], "1.03", merchant_refund_id=new_id("RF"))
    assert (refund.code, refund.status) == ("002000", "PROCESSING")
    deadline = time.monotonic() + 10
    while a.refund_query(paid["merchantTransactionId"], refund.biz["merchantRefundId"]).status != "SUCCESS":
        assert time.monotonic() < deadline, "the refund never settled"
        time.sleep(0.05)
    auth = card_payment("2.03", captureDelayHours=-1)
    a.pay(auth)
    capture = a.capture(auth["merchantTransactionId"], "2.03", merchant_capture_id=new_id("CP"))
    assert capture.status == "PROCESSING"
    time.sleep(0.1)
    assert a.query(merchant_transaction_id=auth["merchantTransactionId"]).status == "SUCCESS"


def test_a_pay_result_url_that_is_not_a_web_address_is_never_linked(a):
    mtid = new_id("T")
    url = a.pre_pay(
        {
            "merchantTransactionId": mtid,
            "amount": "1.00",
            "currency": "USD",
            "captureDelayHours": 0,
            "payResultUrl": "javascript:alert(1)",
        }
    ).biz["paymentUrl"]
    page = httpx.post(url, data={"number": "4111111111111111"}, timeout=10)
    assert page.status_code == 200 and "javascript:" not in page.text


def test_an_oversized_body_is_refused_before_it_is_read_whole(shared_simulator):
    url = f"{shared_simulator}/v4/payment/unifiedPay"
    declared = httpx.post(url, content=b"{" + b" " * (2 * 1024 * 1024) + b"}", timeout=30)
    assert declared.status_code == 413 and declared.json()["code"] == codes.BAD_PARAMETER

    def chunks():
        for _ in range(64):
            yield b" " * 65536

    streamed = httpx.post(url, content=chunks(), timeout=30)
    assert streamed.status_code == 413


@pytest.fixture(scope="module")
def receiver(tmp_path_factory):
    """A receiver whose answer depends on the path, and a simulator allowed to reach it on loopback."""
    answers = {"/empty": (200, b""), "/no-content": (204, b""), "/success": (200, b"success"), "/fail": (200, b"FAIL")}

    def answer(_stub, handler, _body):
        status, body = answers.get(handler.path, (200, b"OK"))
        return status, {"Content-Type": "text/plain"}, body

    with StubServer(answer) as stub:
        process, url = start_simulator(
            tmp_path_factory.mktemp("notify"),
            own_database=True,
            NOTIFICATION_RETRY_SCALE="0.002",
            ALLOW_PRIVATE_URLS="true",
        )
        try:
            yield stub, url
        finally:
            stop(process)


def _requests_to(stub, path: str) -> list[dict]:
    return [json.loads(body) for _method, seen, body in stub.requests if seen == path]


def test_any_2xx_answer_counts_as_received_unless_its_body_is_fail(receiver):
    stub, url = receiver
    with GatewayClient(url, PUBLIC_ACCOUNT_A) as client:
        for path in ("/empty", "/no-content", "/success", "/fail"):
            client.pay(card_payment(notificationUrl=f"{stub.url}{path}"))
    deadline = time.monotonic() + 15
    while len(_requests_to(stub, "/fail")) < 3 and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(0.5)
    assert [len(_requests_to(stub, path)) for path in ("/empty", "/no-content", "/success")] == [1, 1, 1]
    assert len(_requests_to(stub, "/fail")) >= 3, "FAIL is retried"


def test_an_md5_merchant_gets_md5_signed_notifications(receiver):
    stub, url = receiver
    with GatewayClient(url, PUBLIC_ACCOUNT_A, sign_type="MD5") as client:
        client.pay(card_payment(notificationUrl=f"{stub.url}/md5"))
    deadline = time.monotonic() + 10
    while not _requests_to(stub, "/md5") and time.monotonic() < deadline:
        time.sleep(0.05)
    body = _requests_to(stub, "/md5")[0]
    assert body["signType"] == "MD5" and len(body["sign"]) == 32 and verify(body, SALT)
