"""The client against the simulator over real HTTP: signed calls, verified answers, failures told apart."""

import json
import time

import httpx
import pytest

from onboarding.gateway import codes
from onboarding.gateway.client import GatewayClient, GatewayUnavailable, ProductionRefused, ResponseNotTrusted, new_id
from onboarding.gateway.credentials import PUBLIC_ACCOUNT_A, PUBLIC_ACCOUNT_B, Credentials
from onboarding.gateway.signature import signed
from tests.conftest import free_port
from tests.gateway_servers import StubServer


def card_payment(amount="1.00", card="4111111111111111", **extra) -> dict:
    return {
        "merchantTransactionId": new_id("T"),
        "amount": amount,
        "currency": "USD",
        "captureDelayHours": 0,
        "shopperIP": "203.0.113.10",
        "customer": {"email": "shopper@example.com"},
        "paymentMethod": {
            "type": "scheme",
            "cardInfo": {"number": card, "cvv": "333", "expireMonth": "12", "expireYear": "2030"},
        },
        **extra,
    }


@pytest.fixture
def client(shared_simulator):
    with GatewayClient(shared_simulator, PUBLIC_ACCOUNT_A) as client:
        yield client


def test_a_documented_card_pays_and_the_query_confirms_it(client):
    paid = client.pay(card_payment("12.34"))
    assert (paid.code, paid.status, paid.signed) == ("000000", "SUCCESS", True)
    assert paid.biz["amount"] == "12.340000"
    found = client.query(merchant_transaction_id=paid.biz["merchantTransactionId"])
    assert (found.code, found.status, found.biz["transactionId"]) == ("001000", "SUCCESS", paid.biz["transactionId"])


def test_md5_signed_calls_get_md5_signed_answers(shared_simulator):
    with GatewayClient(shared_simulator, PUBLIC_ACCOUNT_B, sign_type="MD5") as client:
        paid = client.pay(card_payment(card="4200000000000000"))
    assert paid.status == "SUCCESS"
    assert paid.exchange.response["signType"] == "MD5" and len(paid.exchange.response["sign"]) == 32


def test_the_same_request_id_returns_the_first_answer_and_charges_once(client):
    biz = card_payment(requestId=new_id("REQ"))
    first, again = client.pay(biz), client.pay(biz)
    assert again.biz["transactionId"] == first.biz["transactionId"]
    other_request = client.pay({**biz, "requestId": new_id("REQ")})
    assert other_request.code == codes.DUPLICATE


def test_unknown_transaction_is_107001_in_plain_words(client):
    result = client.query(merchant_transaction_id="NO-SUCH-ORDER")
    assert result.result_code == codes.NOT_FOUND
    assert result.words() == "the transaction was not found"


def test_a_wrong_salt_is_told_as_104000_check_the_salt(shared_simulator):
    wrong = Credentials(PUBLIC_ACCOUNT_A.client_id, PUBLIC_ACCOUNT_A.acc_id, "NOT-THE-SALT")
    with GatewayClient(shared_simulator, wrong) as client:
        result = client.query(merchant_transaction_id="ANY")
    assert (result.code, result.signed) == ("104000", False)
    assert result.words() == "the signature does not match: check the salt"


def test_an_unknown_account_is_103000(shared_simulator):
    stranger = Credentials("2099010100000000001", "2099010100000000001001", "SALT")
    with GatewayClient(shared_simulator, stranger) as client:
        assert client.query(merchant_transaction_id="ANY").code == "103000"


def test_a_tampered_request_is_refused_with_104000(shared_simulator):
    with GatewayClient(shared_simulator, PUBLIC_ACCOUNT_A) as client:
        envelope = client.envelope(card_payment("1.00"))
    envelope["bizContent"] = envelope["bizContent"].replace('"1.00"', '"0.01"')
    answer = httpx.post(f"{shared_simulator}/v4/payment/unifiedPay", json=envelope, timeout=10).json()
    assert answer["code"] == "104000" and "sign" not in answer


class TamperingTransport(httpx.HTTPTransport):
    """Real HTTP to the simulator, with the answer's status changed on the way back."""

    def handle_request(self, request):
        response = super().handle_request(request)
        body = json.loads(response.read())
        body["bizContent"] = body["bizContent"].replace("FAILED", "SUCCESS")
        return httpx.Response(response.status_code, json=body)


def test_a_tampered_response_raises_and_is_never_a_result(shared_simulator):
    with GatewayClient(shared_simulator, PUBLIC_ACCOUNT_A, transport=TamperingTransport()) as client:
        with pytest.raises(ResponseNotTrusted) as raised:
            client.pay(card_payment(card="5204740000001002"))
    assert raised.value.exchange.response is not None


def test_an_unsigned_success_is_not_trusted():
    def answer(_stub, _handler, _body):
        return (
            200,
            {"Content-Type": "application/json"},
            json.dumps({"code": "000000", "description": "ok", "bizContent": '{"status":"SUCCESS"}'}).encode(),
        )

    with StubServer(answer) as stub, GatewayClient(stub.url, PUBLIC_ACCOUNT_A) as client:
        with pytest.raises(ResponseNotTrusted):
            client.pay(card_payment())


def test_a_gateway_that_is_down_is_unavailable_and_queries_are_retried():
    url = f"http://127.0.0.1:{free_port()}"
    with GatewayClient(url, PUBLIC_ACCOUNT_A, retry_delays=(0.01, 0.01)) as client:
        with pytest.raises(GatewayUnavailable) as raised:
            client.query(merchant_transaction_id="X")
    assert "could not be reached" in str(raised.value)


def test_payments_are_never_retried_but_queries_are():
    def answer(stub, _handler, _body):
        return 502, {}, b"bad gateway"

    with StubServer(answer) as stub, GatewayClient(stub.url, PUBLIC_ACCOUNT_A, retry_delays=(0.01, 0.01)) as client:
        with pytest.raises(GatewayUnavailable):
            client.pay(card_payment())
        assert len(stub.requests) == 1
        with pytest.raises(GatewayUnavailable):
            client.query(merchant_transaction_id="X")
        assert len(stub.requests) == 1 + 3


def test_a_slow_gateway_times_out_with_a_clear_error():
    def answer(_stub, _handler, _body):
        time.sleep(1.5)
        return 200, {}, b"{}"

    with StubServer(answer) as stub, GatewayClient(stub.url, PUBLIC_ACCOUNT_A, timeout=0.3, retry_delays=()) as client:
        started = time.monotonic()
        with pytest.raises(GatewayUnavailable) as raised:
            client.pay(card_payment())
    assert time.monotonic() - started < 1.4
    assert "did not answer in time" in str(raised.value)


class NoNetwork(httpx.BaseTransport):
    """Fails the test if the client ever tries to send anything."""

    def handle_request(self, request):
        pytest.fail(f"the client tried to reach {request.url}")


class SignedAnswer(httpx.BaseTransport):
    """Answers any query locally with a signed 'found' answer; nothing leaves the process."""

    def __init__(self):
        self.urls = []

    def handle_request(self, request):
        self.urls.append(str(request.url))
        body = signed(
            {
                "accId": PUBLIC_ACCOUNT_A.acc_id,
                "clientId": PUBLIC_ACCOUNT_A.client_id,
                "signType": "SHA256",
                "code": "001000",
                "description": "ok",
                "bizContent": '{"status":"SUCCESS","amount":"1.000000","currency":"USD"}',
            },
            PUBLIC_ACCOUNT_A.salt,
        )
        return httpx.Response(200, json=body)


@pytest.mark.parametrize("call", ["pay", "pre_pay", "refund", "capture", "void"])
def test_production_refuses_everything_but_queries_before_sending(call, data_dir):
    with GatewayClient("https://acquirer-payment.pingpongx.com", PUBLIC_ACCOUNT_A, transport=NoNetwork()) as client:
        arguments = {
            "pay": (card_payment(),),
            "pre_pay": (card_payment(),),
            "refund": ("M", "1.00"),
            "capture": ("M", "1.00"),
            "void": ("M", "1.00", "https://shop.example.com/notify"),
        }[call]
        with pytest.raises(ProductionRefused):
            getattr(client, call)(*arguments)


def test_production_queries_are_allowed(data_dir):
    transport = SignedAnswer()
    with GatewayClient("https://acquirer-payment.pingpongx.com", PUBLIC_ACCOUNT_A, transport=transport) as client:
        assert client.query(transaction_id="9000000000000001").status == "SUCCESS"
        assert client.refund_query("M", merchant_refund_id="R").status == "SUCCESS"
    assert transport.urls[0] == "https://acquirer-payment.pingpongx.com/v4/payment/query"


def test_the_configured_production_url_and_the_environment_both_count_as_production(data_dir, monkeypatch):
    from onboarding.core.config import get_settings

    monkeypatch.setenv("PINGPONG_PRODUCTION_BASE_URL", "http://127.0.0.1:9")
    get_settings.cache_clear()
    for client in (
        GatewayClient("http://127.0.0.1:9", PUBLIC_ACCOUNT_A, transport=NoNetwork()),
        GatewayClient("http://localhost:9", PUBLIC_ACCOUNT_A, environment="production", transport=NoNetwork()),
    ):
        with pytest.raises(ProductionRefused):
            client.refund("M", "1.00")
        client.close()
