"""Structured logs: JSON lines with request id, user and action; no secret ever reaches a line."""

import io
import json

import httpx
import pytest

from models import User
from models.db import dispose_engines, session_for
from onboarding.accounts import api_tokens
from onboarding.core import clock, logs
from onboarding.core.access import actor_for
from onboarding.core.config import Settings
from onboarding.process import merchants
from tests.conftest import free_port, start_server
from tools.local_processes import output_of, stop

SECRETS = [
    "hunter2-Pa55word",
    "sk_live_51Hx9Qz",
    "ppo_Zm9vYmFyYmF6cXV4cXV1eDEyMzQ1Njc4OTA",
    "s3cr3t-salt-value",
    "4111111111111111",
    "5555 5555 5555 4444",
    "3782-822463-10005",
    "6011000990139424123",
]


@pytest.fixture
def stream():
    """The app's logger writing JSON lines into a buffer."""
    buffer = io.StringIO()
    logs.configure(Settings(log_json=True), stream=buffer)
    yield buffer
    logs.configure(Settings(log_json=False))


def lines(buffer: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in buffer.getvalue().splitlines()]


def test_each_line_is_one_json_object_with_request_id_user_and_action(stream):
    with logs.request_context("req-42", user="Li Wei"):
        logs.get_logger("api").info("API request", extra={"action": "api_list_merchants", "status": 200})
    (entry,) = lines(stream)
    assert entry["request_id"] == "req-42" and entry["user"] == "Li Wei"
    assert entry["action"] == "api_list_merchants" and entry["status"] == 200
    assert entry["level"] == "info" and entry["logger"] == "onboarding.api" and entry["time"]


def test_no_secret_password_token_or_card_number_ever_appears_in_a_line(stream):
    log = logs.get_logger("test")
    password, key, token, salt, visa, master, amex, long_pan = SECRETS
    log.info("sign-in with password=%s", password)
    log.info('settings {"smtp_password": "%s", "signing_key": "%s"}', password, key)
    log.info("Authorization: Bearer %s", token)
    log.info("calling the gateway", extra={"salt": salt, "card": visa, "payload": {"cardNumber": master, "cvv": "123"}})
    log.info("paid with %s, %s and %s", master, amex, long_pan)
    log.info("database postgresql://app:%s@db.internal/onboarding", password)
    log.info("token %s shown once", token)
    try:
        raise ValueError(f"gateway refused card {visa} with secret={key}")
    except ValueError:
        log.exception("gateway call failed")
    output = stream.getvalue()
    assert len(output.splitlines()) == 8
    for secret in SECRETS:
        assert secret not in output, secret
    assert '"cvv": "[redacted]"' in output
    assert "411111…1111" in output and "555555…4444" in output and "378282…0005" in output
    assert all(json.loads(line) for line in output.splitlines())


def test_redaction_keeps_ordinary_numbers_and_names():
    text = "merchant 12 item_key=product_link order 100234 on 2026-11-26T23:21:16 phone +1 415 555 0100"
    assert logs.redact(text) == text


def test_words_after_token_or_basic_stay_while_credentials_after_them_go():
    assert logs.redact("API token created") == "API token created"
    words = "Token revoked by an admin; Basic settings kept"
    assert logs.redact(words) == words
    assert logs.redact("Token ab12cd34ef") == "Token [redacted]"
    assert logs.redact("Basic dXNlcjpwYXNz") == "Basic [redacted]"
    assert logs.redact("Bearer lowercaseonly") == "Bearer [redacted]"


def test_every_history_row_becomes_a_log_line_naming_user_and_action(session, admin, merchant_input, stream):
    merchants.create_merchant(session, admin, merchant_input)
    entries = [entry for entry in lines(stream) if entry["logger"] == "onboarding.history"]
    assert entries[0]["action"] == "merchant_created" and entries[0]["user"] == admin.name
    assert entries[0]["merchant_id"] is not None


def test_the_running_app_logs_api_requests_as_json_without_the_token(tmp_path):
    data = tmp_path / "data"
    port = free_port()
    process = start_server({"ONBOARDING_DATA_DIR": str(data), "LOG_JSON": "true"}, port)
    try:
        url = f"sqlite:///{(data / 'onboarding.db').resolve()}"
        with session_for(url) as session:
            user = User(email="li.wei@support.example.com", name="Li Wei", role="support", created_at=clock.now())
            session.add(user)
            session.commit()
            _, token = api_tokens.create_token(session, actor_for(user), "CRM sync")
        dispose_engines()
        base = f"http://127.0.0.1:{port}/api/v1/merchants"
        assert httpx.get(base, headers={"Authorization": f"Bearer {token}", "X-Request-ID": "crm-1"}).status_code == 200
        assert httpx.get(base, headers={"Authorization": f"Bearer {token}x"}).status_code == 401
    finally:
        process.terminate()
        process.wait(timeout=15)
        output = output_of(process)
        stop(process)
    assert token not in output
    entries = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    served = next(e for e in entries if e.get("request_id") == "crm-1")
    assert served["user"] == "Li Wei" and served["action"] == "api_list_merchants" and served["status"] == 200
    assert any(e.get("status") == 401 and e["user"] is None for e in entries)
