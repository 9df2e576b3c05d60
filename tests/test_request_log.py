"""The sandbox request log: what it keeps (never a salt, a CVV or a full card number), its diagnosis and its pages."""

import hashlib
import hmac
import json

import pytest
from sqlalchemy import text
from sqlmodel import select

from models import HistoryEvent
from models.gateway import SimNotification
from models.observatory import SandboxRequest, SimNotificationAttempt
from onboarding.core.access import Actor
from onboarding.core.config import get_settings
from onboarding.core.errors import AccessDenied, NotFound, ValidationError
from onboarding.gateway import diagnosis, request_log, runs, sandbox_accounts
from onboarding.gateway.signature import sign, string_to_sign
from onboarding.gateway.simulator import delivery, engine
from onboarding.process.merchants import create_merchant

BASE = "http://127.0.0.1:9/sandbox"


@pytest.fixture
def account(session, admin, merchant):
    """The merchant's embedded sandbox account with its salt in clear (as the command line prints it)."""
    return sandbox_accounts.sandbox_credentials(session, admin, merchant.id)


def envelope(account: dict, biz: dict, sign_type: str = "SHA256", salt: str | None = None, **extra) -> dict:
    fields = {
        "accId": account["accId"],
        "clientId": account["clientId"],
        "signType": sign_type,
        "version": "1.0",
        "bizContent": json.dumps(biz, separators=(",", ":")),
        **extra,
    }
    fields["sign"] = sign(fields, salt or account["salt"])
    return fields


def payment(amount="12.34", card="4111111111111111", **extra) -> dict:
    return {
        "merchantTransactionId": f"ORDER-{amount}-{card[-4:]}-{len(extra)}",
        "requestId": f"REQ-{amount}-{card[-4:]}-{len(extra)}",
        "amount": amount,
        "currency": "USD",
        "captureDelayHours": 0,
        "shopperIP": "203.0.113.10",
        "paymentMethod": {"type": "scheme", "cardInfo": {"number": card, "cvv": "C9V7", "expireYear": "2030"}},
        "customer": {"email": "shopper@example.com"},
        **extra,
    }


def call(session, path, body, source="merchant", run_id=None) -> dict:
    return engine.handle(session, path, body, BASE, source, run_id)


def test_every_call_with_the_merchants_account_is_kept_newest_first(session, admin, merchant, account):
    call(session, "/v4/payment/unifiedPay", envelope(account, payment()))
    call(session, "/v4/payment/query", envelope(account, {"merchantTransactionId": "ORDER-12.34-1111-0"}))
    page = request_log.requests_for(session, admin, merchant.id)
    assert page.total == 2
    assert [item.row.path for item in page.items] == ["/v4/payment/query", "/v4/payment/unifiedPay"]
    assert page.items[1].row.code == "000000" and page.items[1].row.merchant_transaction_id == "ORDER-12.34-1111-0"
    assert page.items[1].response["bizContent"]["status"] == "SUCCESS"


def test_the_log_never_holds_the_salt_a_cvv_or_a_full_card_number(session, admin, merchant, account):
    salt = account["salt"]
    # a careless integration puts the salt into a field and sends a bad signature too
    call(session, "/v4/payment/unifiedPay", envelope(account, payment(remark=f"key {salt.lower()}"), salt=None))
    call(session, "/v4/payment/unifiedPay", {**envelope(account, payment("1.50")), "sign": "0" * 64, "salt": salt})
    call(session, "/v4/payment/unifiedPay", envelope(account, payment("1.60"), salt="WRONG-SALT-0000"))
    rows = session.execute(text("SELECT * FROM sandboxrequest")).all()
    assert len(rows) == 3
    stored = json.dumps([list(map(str, row)) for row in rows])
    assert salt not in stored and salt.lower() not in stored
    assert "4111111111111111" not in stored and "C9V7" not in stored
    assert "411111******1111" in stored and "<salt>" in stored


def test_a_refused_signature_carries_the_string_that_should_have_been_signed(session, admin, merchant, account):
    body = envelope(account, payment("2.50"))
    body["sign"] = sign({k: v for k, v in body.items() if k not in ("sign", "version")}, account["salt"])
    answer = call(session, "/v4/payment/unifiedPay", body)
    assert answer["code"] == "104000" and "request log" in answer["description"]
    assert "<salt>" not in json.dumps(answer), "the caller gets no diagnosis"
    found = request_log.requests_for(session, admin, merchant.id).items[0].diagnosis
    assert found["string_to_sign"].startswith("<salt>accId=" + account["accId"] + "&bizContent=")
    assert found["string_to_sign"].endswith("&signType=SHA256&version=1.0")
    assert '"cvv":"<cvv>"' in found["string_to_sign"] and "411111******1111" in found["string_to_sign"]
    assert found["left_out"] == ["version"] and found["explained"]


@pytest.mark.parametrize(
    ("mistake", "finding"),
    [
        (lambda fields, salt: sign(fields, salt, "MD5"), "other_algorithm"),
        (lambda fields, salt: _sha256(string_to_sign(fields, "") + salt), "salt_at_end"),
        (lambda fields, salt: _hmac(salt, string_to_sign(fields, "")), "hmac"),
        (
            lambda fields, salt: sign({**fields, "bizContent": json.dumps(json.loads(fields["bizContent"]))}, salt),
            "biz_reencoded",
        ),
        (lambda fields, salt: _sha256(salt + _with_empty(fields)), "empty_included"),
        (lambda fields, salt: "F" * 64, "unexplained"),
    ],
)
def test_the_diagnosis_names_the_common_mistakes(mistake, finding):
    salt = "0123456789ABCDEF01234567"
    fields = {
        "accId": "2099010100000000001001",
        "clientId": "2099010100000000001",
        "signType": "SHA256",
        "version": "1.0",
        "remark": "",
        "bizContent": '{"merchantTransactionId":"DEMO-0001","amount":"1.00"}',
    }
    fields["sign"] = mistake(fields, salt)
    found = diagnosis.diagnose(fields, salt)
    assert finding in [item["key"] for item in found["findings"]]
    assert salt not in json.dumps(found)
    assert found["string_to_sign"] == string_to_sign(fields, "<salt>")


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest().upper()


def _hmac(salt: str, text: str) -> str:
    return hmac.new(salt.encode(), text.encode(), hashlib.sha256).hexdigest().upper()


def _with_empty(fields: dict) -> str:
    return "&".join(f"{k}={v}" for k, v in sorted(fields.items()) if k != "sign")


def test_a_body_whose_biz_content_is_an_object_is_told_so(session, admin, merchant, account):
    body = envelope(account, payment())
    body["bizContent"] = json.loads(body["bizContent"])
    call(session, "/v4/payment/unifiedPay", body)
    found = request_log.requests_for(session, admin, merchant.id).items[0].diagnosis
    assert {"key": "not_a_string", "params": {"field": "bizContent"}} in found["findings"]


def test_calls_of_the_apps_own_runs_are_kept_apart_from_the_merchants(session, admin, merchant, account):
    call(session, "/v4/payment/unifiedPay", envelope(account, payment("3.30")), "app", 41)
    call(session, "/v4/payment/unifiedPay", envelope(account, payment("3.40")))
    app = request_log.requests_for(session, admin, merchant.id, source="app")
    mine = request_log.requests_for(session, admin, merchant.id, source="merchant")
    assert [(item.row.source, item.row.run_id) for item in app.items] == [("app", 41)]
    assert [item.row.merchant_transaction_id for item in mine.items] == ["ORDER-3.40-1111-0"]


def test_only_the_app_can_mark_a_call_as_its_own():
    marker = runs.run_marker(12)
    assert runs.run_of_marker(marker) == 12
    assert runs.run_of_marker(runs.run_marker(None)) == 0
    forged = "12." + "0" * 32
    assert runs.run_of_marker(forged) is None and runs.run_of_marker("") is None
    assert runs.run_of_marker("13" + marker[2:]) is None


def test_calls_with_the_public_accounts_are_not_anyones_log(session, admin, merchant):
    from onboarding.gateway.credentials import PUBLIC_ACCOUNT_A

    public = {"accId": PUBLIC_ACCOUNT_A.acc_id, "clientId": PUBLIC_ACCOUNT_A.client_id, "salt": PUBLIC_ACCOUNT_A.salt}
    call(session, "/v4/payment/unifiedPay", envelope(public, payment("4.40")))
    assert session.exec(select(SandboxRequest)).all() == []


def test_a_merchant_user_sees_only_their_own_log(session, admin, merchant, account, merchant_input):
    import dataclasses

    other = create_merchant(
        session,
        admin,
        dataclasses.replace(
            merchant_input,
            name="Other Shop",
            website="https://other.example.org",
            contact_email="sam@other.example.org",
        ),
    )
    intruder = Actor(id=None, name="Someone", role="merchant", merchant_id=other.id)
    owner = Actor(id=None, name="Emily", role="merchant", merchant_id=merchant.id)
    call(session, "/v4/payment/unifiedPay", envelope(account, payment()))
    assert request_log.requests_for(session, owner, merchant.id).total == 1
    with pytest.raises(AccessDenied):
        request_log.requests_for(session, intruder, merchant.id)
    with pytest.raises(NotFound):
        request_log.requests_for(session, admin, 999_999)
    with pytest.raises(ValidationError):
        request_log.requests_for(session, admin, merchant.id, per_page=500)


def test_notifications_a_call_caused_are_listed_with_attempts_and_can_be_sent_again(session, admin, merchant, account):
    call(session, "/v4/payment/unifiedPay", envelope(account, payment(notificationUrl="http://10.1.2.3/notify")))
    delivery.deliver_due(get_settings().resolved_database_url)
    item = request_log.requests_for(session, admin, merchant.id).items[0]
    assert len(item.notifications) == 1
    view = item.notifications[0]
    assert view.row.notify_type == "RECHARGE" and view.row.state == "pending"
    assert [attempt.delivered for attempt in view.attempts] == [False]
    assert view.attempts[0].error.startswith("refused")
    intruder = Actor(id=None, name="Someone", role="merchant", merchant_id=merchant.id + 1)
    with pytest.raises(AccessDenied):
        request_log.resend_notification(session, intruder, merchant.id, view.row.id)
    again = request_log.resend_notification(session, admin, merchant.id, view.row.id)
    assert (again.state, again.attempts) == ("pending", 0)
    assert session.exec(select(HistoryEvent).where(HistoryEvent.action == "sandbox_notification_resent")).one()
    assert len(session.exec(select(SimNotificationAttempt)).all()) == 1, "earlier attempts stay listed"
    other = session.exec(select(SimNotification)).one()
    with pytest.raises(NotFound):
        request_log.resend_notification(session, admin, merchant.id, other.id + 100)


def test_a_busy_integration_keeps_only_the_newest_calls(session, admin, merchant, account):
    for number in range(7):
        call(session, "/v4/payment/query", envelope(account, {"merchantTransactionId": f"Q-{number}"}))
    request_log.prune(session, merchant.id, keep=3)
    session.commit()
    kept = request_log.requests_for(session, admin, merchant.id)
    assert kept.total == 3
    assert [item.row.merchant_transaction_id for item in kept.items] == ["Q-6", "Q-5", "Q-4"]


def test_the_log_pages_and_filters(session, admin, merchant, account):
    for number in range(5):
        call(session, "/v4/payment/query", envelope(account, {"merchantTransactionId": f"P-{number}"}))
    call(session, "/v4/payment/unifiedPay", envelope(account, payment()))
    second = request_log.requests_for(session, admin, merchant.id, page=2, per_page=4)
    assert (second.total, second.pages, len(second.items)) == (6, 2, 2)
    failures = request_log.requests_for(session, admin, merchant.id, failures_only=True)
    assert failures.total == 5 and {item.row.code for item in failures.items} == {"107001"}
    pays = request_log.requests_for(session, admin, merchant.id, paths=("/v4/payment/unifiedPay",))
    assert pays.total == 1
