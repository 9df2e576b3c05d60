"""The request log, sandbox credentials and acceptance coverage on the Test transactions page and in the portal."""

import json

from sqlmodel import select
from streamlit.testing.v1 import AppTest

from models import HistoryEvent
from onboarding.core.access import Actor
from onboarding.gateway import sandbox_accounts
from onboarding.gateway.client import GatewayClient
from onboarding.gateway.credentials import PUBLIC_ACCOUNT_A
from tests.conftest import ROOT
from tests.test_gateway_client import card_payment
from tests.test_request_log import call, envelope, payment

APP = str(ROOT / "app.py")


def open_page(actor: Actor, page: str, language: str = "en", **query) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state["actor"] = actor
    at.session_state["language"] = language
    at.switch_page(page)
    for key, value in query.items():
        at.query_params[key] = value
    return at.run()


def rendered(at: AppTest) -> str:
    """Every text the page shows, tables and JSON included."""
    parts = []
    for kind in ("markdown", "caption", "text", "code", "json", "info", "warning", "error", "success", "text_input"):
        parts += [str(element.value) for element in getattr(at, kind)]
    parts += [frame.value.to_csv() for frame in [*at.dataframe, *at.table]]
    return "\n".join(parts)


def traffic(session, account) -> None:
    """A paid order, a declined card and a call whose signature left out version."""
    call(session, "/v4/payment/unifiedPay", envelope(account, payment("12.34")))
    call(session, "/v4/payment/unifiedPay", envelope(account, payment("9.99", card="5204740000001002")))
    body = envelope(account, payment("2.50"))
    body["sign"] = envelope(account, payment("2.50"), version="")["sign"]
    call(session, "/v4/payment/unifiedPay", body)


def test_staff_see_the_merchants_calls_with_the_diagnosis_and_never_the_salt(session, admin, merchant):
    account = sandbox_accounts.sandbox_credentials(session, admin, merchant.id)
    traffic(session, account)
    at = open_page(admin, "pages/test_transactions.py", id=str(merchant.id), tab="log")
    assert not at.exception
    log = next(frame.value for frame in at.dataframe if "endpoint" in frame.value.columns)
    assert list(log["code"]) == ["104000", "301002", "000000"]
    assert set(log["source"]) == {"Merchant's integration"}
    text = rendered(at)
    assert f"<salt>accId={account['accId']}&bizContent=" in text
    assert "Left out or missing: version" in text
    assert account["salt"] not in text and "5204740000001002" not in text and "C9V7" not in text
    coverage = at.table[0].value
    assert coverage.loc["A", "Seen in the merchant's traffic"].startswith("✓ 9")


def test_revealing_the_sandbox_salt_is_recorded(session, admin, merchant):
    account = sandbox_accounts.ensure_sandbox_account(session, admin, merchant.id)
    at = open_page(admin, "pages/test_transactions.py", id=str(merchant.id), tab="log")
    next(b for b in at.button if b.key == f"tt_obs_reveal_{account.acc_id}").click().run()
    assert not at.exception
    assert len(at.code) >= 1 and any(len(code.value) == 24 for code in at.code)
    assert session.exec(select(HistoryEvent).where(HistoryEvent.action == "sandbox_salt_revealed")).one()


def test_staff_create_the_embedded_account_from_the_page(session, admin, merchant):
    at = open_page(admin, "pages/test_transactions.py", id=str(merchant.id), tab="log")
    next(b for b in at.button if b.label == "Create the embedded sandbox account").click().run()
    assert not at.exception
    accounts = sandbox_accounts.accounts_for(session, admin, merchant.id)
    assert [account.origin for account in accounts] == ["embedded"]
    assert any(box.value == accounts[0].acc_id for box in at.text_input)


def test_a_notification_can_be_sent_again_from_the_log(session, admin, merchant):
    account = sandbox_accounts.sandbox_credentials(session, admin, merchant.id)
    call(session, "/v4/payment/unifiedPay", envelope(account, payment(notificationUrl="https://10.9.9.9/hook")))
    at = open_page(admin, "pages/test_transactions.py", id=str(merchant.id), tab="log")
    resend = next(b for b in at.button if b.label == "Send again")
    resend.click().run()
    assert not at.exception
    assert session.exec(select(HistoryEvent).where(HistoryEvent.action == "sandbox_notification_resent")).one()


def test_the_portal_shows_a_merchant_its_own_credentials_log_and_cases(session, admin, merchant):
    account = sandbox_accounts.sandbox_credentials(session, admin, merchant.id)
    traffic(session, account)
    me = Actor(id=None, name="Emily", role="merchant", merchant_id=merchant.id)
    at = open_page(me, "pages/portal.py", tab="sandbox")
    assert not at.exception
    text = rendered(at)
    assert account["accId"] in text and account["clientId"] in text
    assert account["salt"] not in text and "••••" in text
    log = next(frame.value for frame in at.dataframe if "endpoint" in frame.value.columns)
    assert set(log["source"]) == {"Your integration"} and len(log) == 3
    coverage = at.table[0].value
    assert coverage.loc["A", "Seen in your traffic"].startswith("✓ 9")
    assert not any(b.label == "Allow a local notification receiver" for b in at.toggle)


def test_the_portal_speaks_chinese(session, admin, merchant):
    account = sandbox_accounts.sandbox_credentials(session, admin, merchant.id)
    traffic(session, account)
    me = Actor(id=None, name="Emily", role="merchant", merchant_id=merchant.id)
    at = open_page(me, "pages/portal.py", language="zh", tab="sandbox")
    assert not at.exception
    assert "沙箱凭证" in rendered(at)
    log = next(frame.value for frame in at.dataframe if "endpoint" in frame.value.columns)
    assert set(log["source"]) == {"您的集成"}


def test_on_pingpongs_sandbox_the_merchant_names_a_transaction_per_case(session, admin, merchant, sandbox):
    with GatewayClient(sandbox, PUBLIC_ACCOUNT_A) as gateway:
        paid = gateway.pay(card_payment("12.34"))
    me = Actor(id=None, name="Emily", role="merchant", merchant_id=merchant.id)
    at = open_page(me, "pages/portal.py", tab="sandbox")
    assert not at.exception
    at.selectbox(key="portal_obs_verify_case").select("A").run()
    at.text_input[-1].input(paid.biz["transactionId"])
    next(b for b in at.button if b.label == "Verify by query").click().run()
    assert not at.exception
    assert any("Verified through the query API" in message.value for message in at.success)
    assert (
        json.loads(
            session.exec(select(HistoryEvent).where(HistoryEvent.action == "acceptance_case_checked")).one().detail
        )["case"]
        == "A"
    )


def test_every_text_the_observatory_builds_from_a_value_is_in_both_languages():
    import re

    from onboarding.core.i18n import catalogue
    from onboarding.gateway import coverage, diagnosis, request_log
    from onboarding.gateway.simulator.rules import RULE_KEYS

    source = (ROOT / "onboarding/gateway/diagnosis.py").read_text() + (
        ROOT / "onboarding/gateway/coverage.py"
    ).read_text()
    keys = {f"observatory.diagnosis.{key}" for key in re.findall(r'"key": "(\w+)"', source) if key != "key"}
    keys |= {f"observatory.check.{key}" for key in re.findall(r'_problem\("(\w+)"', source)}
    keys |= {f"observatory.source.{source}" for source in request_log.SOURCES} | {"observatory.source.merchant_own"}
    keys |= {f"observatory.state.{state}" for state in ("pending", "delivered", "gave_up")}
    keys |= {f"observatory.origin.{origin}" for origin in ("embedded", "registered")}
    keys |= {f"observatory.field.{name}" for names in coverage.REFERENCE_FIELDS.values() for name in names}
    keys |= {f"gateway.rules.{key}" for key in RULE_KEYS}
    assert len(keys) > 50 and diagnosis.SALT_PLACEHOLDER == "<salt>"
    for language in ("en", "zh"):
        assert sorted(key for key in keys if key not in catalogue(language)) == [], language
