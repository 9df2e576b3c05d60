"""Production verification (real 1 USD transaction, the merchant's refund), the notification endpoint check
and the product link check: all against loopback servers only."""

import json

import pytest
from sqlmodel import select

from models import ChecklistItem
from models.gateway import GatewayRun
from onboarding.core.config import get_settings
from onboarding.core.errors import ValidationError
from onboarding.gateway import client as api
from onboarding.gateway import credentials, verification
from onboarding.gateway.client import GatewayClient, ProductionRefused
from onboarding.gateway.signature import verify
from onboarding.gateway.simulator import engine
from onboarding.process import checklist
from onboarding.process.definition import default_process
from tests.gateway_servers import StubServer, start_simulator, stop

PUBLIC = credentials.PUBLIC_ACCOUNT_A


def item(session, merchant_id, key):
    row = session.exec(
        select(ChecklistItem).where(ChecklistItem.merchant_id == merchant_id, ChecklistItem.item_key == key)
    ).one()
    session.refresh(row)
    return row


@pytest.fixture
def production(session, admin, merchant, data_dir, monkeypatch):
    """A simulator posing as production (the production base URL points at it), sharing this test's database."""
    credentials.save(session, admin, merchant.id, "production", PUBLIC.client_id, PUBLIC.acc_id, PUBLIC.salt)
    process, url = start_simulator(data_dir)
    monkeypatch.setenv("PINGPONG_PRODUCTION_BASE_URL", url)
    get_settings.cache_clear()
    try:
        yield url
    finally:
        stop(process)


def real_purchase(session, amount: str) -> dict:
    """A person's purchase on the merchant's site, made inside the simulator (the tool never pays in production)."""
    signer = GatewayClient("http://unused.invalid", PUBLIC)
    biz = {
        "merchantTransactionId": api.new_id("SHOP"),
        "requestId": api.new_id("REQ"),
        "amount": amount,
        "currency": "USD",
        "captureDelayHours": 0,
        "paymentMethod": {"type": "scheme", "cardInfo": {"number": "4111111111111111"}},
        "customer": {"email": "support@example.com"},
    }
    answer = engine.handle(session, api.PAY, signer.envelope(biz), "http://unused.invalid")
    signer.close()
    return json.loads(answer["bizContent"])


def open_last_stage(session, admin, merchant):
    for stage in range(1, len(default_process().stages)):
        checklist.override_gate(session, admin, merchant.id, stage, "verification test")


def ready_for_the_real_transaction(session, admin, merchant):
    """The last stage open and the verification submission approved: what the real transaction waits for."""
    open_last_stage(session, admin, merchant)
    row = item(session, merchant.id, "verification_submitted")
    checklist.submit(session, admin, row.id, row.version, "screenshots and link ready")
    checklist.approve(session, admin, row.id, item(session, merchant.id, "verification_submitted").version)


def test_the_real_transaction_is_not_queried_before_the_verification_submission_is_approved(
    session, admin, merchant, production
):
    purchase = real_purchase(session, "1.00")
    with pytest.raises(ValidationError) as refused:
        verification.verify_real_transaction(session, admin, merchant.id, purchase["transactionId"])
    assert refused.value.key == "error.waits_for"
    assert session.exec(select(GatewayRun)).all() == [], "production was not queried"


def test_a_real_one_dollar_transaction_marks_the_item_done(session, admin, merchant, production):
    ready_for_the_real_transaction(session, admin, merchant)
    purchase = real_purchase(session, "1.00")
    outcome = verification.verify_real_transaction(session, admin, merchant.id, purchase["transactionId"])
    assert outcome.passed and outcome.run.environment == "production"
    row = item(session, merchant.id, "real_transaction")
    assert row.status == "done" and purchase["transactionId"] in row.value
    assert verification.last_real_transaction(session, admin, merchant.id) == purchase["merchantTransactionId"]


def test_a_real_transaction_of_another_amount_is_not_confirmed(session, admin, merchant, production):
    ready_for_the_real_transaction(session, admin, merchant)
    purchase = real_purchase(session, "2.50")
    outcome = verification.verify_real_transaction(session, admin, merchant.id, purchase["transactionId"])
    assert not outcome.passed
    assert item(session, merchant.id, "real_transaction").status == "todo"


def test_the_merchants_refund_is_verified_through_the_production_query(session, admin, merchant, production):
    purchase = real_purchase(session, "1.00")
    refunder = GatewayClient("http://unused.invalid", PUBLIC)
    engine.handle(
        session,
        api.REFUND,
        refunder.envelope(
            {
                "merchantTransactionId": purchase["merchantTransactionId"],
                "merchantRefundId": "SHOP-RF-1",
                "amount": "1.00",
                "currency": "USD",
            }
        ),
        "http://unused.invalid",
    )
    refunder.close()
    ready_for_the_real_transaction(session, admin, merchant)
    verification.verify_real_transaction(session, admin, merchant.id, purchase["transactionId"])
    outcome = verification.verify_merchant_refund(
        session, admin, merchant.id, purchase["merchantTransactionId"], merchant_refund_id="SHOP-RF-1"
    )
    assert outcome.passed
    assert item(session, merchant.id, "merchant_refund").status == "approved"


def test_the_tool_refuses_to_refund_in_production_itself(session, admin, merchant, production):
    with pytest.raises(ProductionRefused):
        verification.run_single(
            session, admin, merchant.id, "production", "refund", {"merchantTransactionId": "ANY", "amount": "1.00"}
        )
    run = session.exec(select(GatewayRun).where(GatewayRun.kind == "refund")).one()
    assert run.status == "error"


def test_bad_input_is_a_clear_message_and_nothing_is_sent(session, admin, merchant):
    with pytest.raises(ValidationError):
        verification.run_single(session, admin, merchant.id, "sandbox", "payment", {"amount": "1.999"})
    with pytest.raises(ValidationError):
        verification.verify_real_transaction(session, admin, merchant.id, "  ")
    assert session.exec(select(GatewayRun)).all() == []


def test_the_notification_endpoint_check_counts_any_2xx_but_fail_as_received(session, admin, merchant):
    replies = iter([(200, b"OK"), (200, b""), (204, b""), (200, b"success"), (200, b" fail "), (500, b"OK")])

    def answer(_stub, _handler, _body):
        status, body = next(replies)
        return status, {"Content-Type": "text/plain"}, body

    with StubServer(answer) as stub:
        outcomes = [
            verification.check_notification_endpoint(
                session, admin, merchant.id, f"{stub.url}/pp", allow_private=True
            ).passed
            for _ in range(6)
        ]
    assert outcomes == [True, True, True, True, False, False]
    sent = json.loads(stub.requests[0][2])
    assert verify(sent, PUBLIC.salt) and json.loads(sent["bizContent"])["notifyType"] == "RECHARGE"


def test_the_notification_endpoint_check_refuses_private_addresses(session, admin, merchant):
    outcome = verification.check_notification_endpoint(session, admin, merchant.id, "https://10.0.0.7/notify")
    assert not outcome.passed and outcome.detail["key"] == "gateway.outbound.private_address"


def test_the_product_link_check_records_status_and_final_url(session, admin, merchant):
    def answer(_stub, handler, _body):
        if handler.path == "/p":
            return 301, {"Location": "/product/1-usd"}, b""
        return 200, {"Content-Type": "text/html"}, b"<h1>1 USD</h1>"

    with StubServer(answer) as stub:
        outcome = verification.check_product_link(session, admin, merchant.id, f"{stub.url}/p", allow_private=True)
    assert outcome.passed
    assert outcome.detail["params"]["final_url"] == f"{stub.url}/product/1-usd"


def test_the_product_link_check_refuses_plain_http_and_loopback_by_default(session, admin, merchant):
    outcome = verification.check_product_link(session, admin, merchant.id, "http://127.0.0.1:9/p")
    assert not outcome.passed and outcome.detail["key"] == "gateway.outbound.https_only"
    outcome = verification.check_product_link(session, admin, merchant.id, "https://127.0.0.1:9/p")
    assert not outcome.passed and outcome.detail["key"] == "gateway.outbound.private_address"
