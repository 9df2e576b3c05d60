"""POST /api/pingpong/notify: verified notifications are kept once and answered OK; bad signatures get 401."""

import hashlib
import json
import time

import httpx
from sqlmodel import Session, create_engine, select

from models import HistoryEvent
from models.gateway import ReceivedNotification
from onboarding.gateway import credentials, runs
from onboarding.gateway.client import GatewayClient, biz_json, new_id
from onboarding.gateway.notifications import receive, received_for
from onboarding.gateway.signature import signed
from tests.test_gateway_client import card_payment

PUBLIC = credentials.PUBLIC_ACCOUNT_A


def notification(status="SUCCESS", salt=PUBLIC.salt, **biz) -> dict:
    content = {
        "notifyType": "RECHARGE",
        "transactionId": "9000000000000042",
        "merchantTransactionId": "ORDER-42",
        "amount": "1.000000",
        "currency": "USD",
        "status": status,
        **biz,
    }
    return signed(
        {
            "accId": PUBLIC.acc_id,
            "clientId": PUBLIC.client_id,
            "signType": "SHA256",
            "version": "1.0",
            "bizContent": biz_json(content),
        },
        salt,
    )


def rows(session):
    session.expire_all()
    return session.exec(select(ReceivedNotification)).all()


def test_a_verified_notification_is_kept_once_even_when_sent_again(session):
    body = json.dumps(notification()).encode()
    assert receive(session, body) and receive(session, body)
    (row,) = rows(session)
    assert (row.signature_ok, row.status, row.times_received) == (True, "SUCCESS", 2)


def test_a_later_status_of_the_same_order_is_a_new_notification(session):
    assert receive(session, json.dumps(notification("FAILED")).encode())
    assert receive(session, json.dumps(notification("SUCCESS")).encode())
    assert len(rows(session)) == 2


def test_a_bad_signature_is_refused_and_recorded_by_excerpt_size_and_hash(session):
    forged = notification()
    forged["bizContent"] = forged["bizContent"].replace("1.000000", "999.000000")
    bodies = [json.dumps(forged).encode(), b"not json at all", json.dumps(notification(salt="WRONG")).encode()]
    for body in bodies:
        assert not receive(session, body, "203.0.113.9")
    kept = rows(session)
    assert [row.signature_ok for row in kept] == [False, False, False]
    assert [(row.body_size, row.body_sha256, row.source) for row in kept] == [
        (len(body), hashlib.sha256(body).hexdigest(), "203.0.113.9") for body in bodies
    ]
    assert kept[1].body == "not json at all"
    # the notification rows are the record; the audit trail of merchants gets nothing from anonymous posts
    assert session.exec(select(HistoryEvent).where(HistoryEvent.action == "notification_rejected")).all() == []


def test_a_notification_signed_with_a_merchants_own_salt_is_tied_to_that_merchant(session, admin, merchant):
    salt = "MERCHANTSALT0123456789AB"
    credentials.save(session, admin, merchant.id, "sandbox", "2026112600000000077", "2026112600000000077001", salt)
    body = signed(
        {
            "accId": "2026112600000000077001",
            "clientId": "2026112600000000077",
            "signType": "MD5",
            "version": "1.0",
            "bizContent": biz_json(
                {"notifyType": "REFUND", "status": "SUCCESS", "merchantTransactionId": "M-1", "merchantRefundId": "R-1"}
            ),
        },
        salt,
    )
    assert receive(session, json.dumps(body).encode())
    (row,) = rows(session)
    assert (row.merchant_id, row.notify_type) == (merchant.id, "REFUND")


def test_a_notification_that_arrives_before_its_case_is_stored_is_still_listed_for_the_merchant(
    session, admin, merchant
):
    assert receive(session, json.dumps(notification(merchantTransactionId="EARLY-1")).encode())
    assert received_for(session, merchant.id) == []
    run = runs.start(session, admin, merchant.id, "sandbox", "payment", PUBLIC.acc_id)
    runs.add_case(
        session,
        run,
        0,
        "payment",
        "passed",
        {},
        [{"request": {"bizContent": {"merchantTransactionId": "EARLY-1"}}}],
        None,
        run.started_at,
        5,
    )
    assert [row.merchant_transaction_id for row in received_for(session, merchant.id)] == ["EARLY-1"]


def test_the_app_answers_200_ok_and_401_over_http_and_the_embedded_simulator_notifies_it(server):
    url = server["url"]
    good = notification(merchantTransactionId=new_id("HTTP"))
    first = httpx.post(f"{url}/api/pingpong/notify", json=good, timeout=10)
    again = httpx.post(f"{url}/api/pingpong/notify", json=good, timeout=10)
    assert (first.status_code, first.text, again.status_code, again.text) == (200, "OK", 200, "OK")
    forged = {**good, "sign": "0" * 64}
    assert httpx.post(f"{url}/api/pingpong/notify", json=forged, timeout=10).status_code == 401

    with GatewayClient(f"{url}/sandbox", PUBLIC) as client:
        biz = card_payment(notificationUrl=f"{url}/api/pingpong/notify")
        assert client.pay(biz).status == "SUCCESS"
    engine = create_engine(f"sqlite:///{server['data_dir'] / 'onboarding.db'}")
    try:
        deadline, found = time.monotonic() + 20, None
        while found is None and time.monotonic() < deadline:
            with Session(engine) as session:
                found = session.exec(
                    select(ReceivedNotification).where(
                        ReceivedNotification.merchant_transaction_id == biz["merchantTransactionId"]
                    )
                ).first()
            time.sleep(0.2)
        with Session(engine) as session:
            kept = session.exec(select(ReceivedNotification)).all()
    finally:
        engine.dispose()
    assert found is not None and found.signature_ok and found.status == "SUCCESS"
    assert sorted(row.signature_ok for row in kept) == [False, True, True]


def test_the_simulator_is_mounted_only_when_sandbox_calls_use_it(data_dir, monkeypatch):
    from onboarding.core.config import get_settings
    from web import gateway

    assert [route.path for route in gateway.routes()] == ["/api/pingpong/notify", "/sandbox"]
    monkeypatch.setenv("PINGPONG_SANDBOX_BASE_URL", "https://sandbox-acquirer-payment.pingpongx.com")
    get_settings.cache_clear()
    assert [route.path for route in gateway.routes()] == ["/api/pingpong/notify"]
