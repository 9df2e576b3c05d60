"""Merchant credentials: validated, encrypted at rest, shown masked, every reveal in the history; the automatic
"sandbox credentials work" item runs a signed query for an unknown transaction."""

import stat

import pytest
from sqlmodel import SQLModel, select

from models import ChecklistItem, HistoryEvent
from models.db import dispose_engines
from onboarding.core.access import Actor
from onboarding.core.config import get_settings
from onboarding.core.errors import AccessDenied, ValidationError
from onboarding.gateway import credentials, verification
from onboarding.gateway.client import GatewayUnavailable
from tests.conftest import free_port
from tests.gateway_servers import start_simulator, stop

SALT = "Q7ZK2M9XW4VB8NCT6RJH3PLD"
ACC_ID = "2026112600000000042123"
CLIENT_ID = "2026112600000000042"


def item(session, merchant, key):
    row = session.exec(
        select(ChecklistItem).where(ChecklistItem.merchant_id == merchant.id, ChecklistItem.item_key == key)
    ).one()
    session.refresh(row)
    return row


def test_client_id_must_be_the_acc_id_without_its_last_three_digits(session, admin, merchant):
    with pytest.raises(ValidationError) as refused:
        credentials.save(session, admin, merchant.id, "sandbox", "2026112600000000041", ACC_ID, SALT)
    assert "must be the accId without its last three digits (2026112600000000042)" in str(refused.value)
    with pytest.raises(ValidationError):
        credentials.save(session, admin, merchant.id, "sandbox", CLIENT_ID, "acc-id", SALT)
    with pytest.raises(ValidationError):
        credentials.save(session, admin, merchant.id, "sandbox", CLIENT_ID, ACC_ID, "")
    with pytest.raises(ValidationError):
        credentials.save(session, admin, merchant.id, "staging", CLIENT_ID, ACC_ID, SALT)


def test_the_salt_is_shown_masked_and_every_reveal_is_in_the_history(session, admin, merchant):
    shown = credentials.save(session, admin, merchant.id, "production", CLIENT_ID, ACC_ID, SALT)
    assert shown.masked_salt == "••••••••" + SALT[-4:]
    assert credentials.reveal(session, admin, merchant.id, "production") == SALT
    actions = [
        event.action for event in session.exec(select(HistoryEvent).where(HistoryEvent.merchant_id == merchant.id))
    ]
    assert actions.count("credentials_saved") == 1 and actions.count("salt_revealed") == 1


def test_saving_without_a_salt_keeps_the_stored_one(session, admin, merchant):
    credentials.save(session, admin, merchant.id, "sandbox", CLIENT_ID, ACC_ID, SALT)
    credentials.save(session, admin, merchant.id, "sandbox", CLIENT_ID, ACC_ID, "")
    assert credentials.reveal(session, admin, merchant.id, "sandbox") == SALT


def test_another_merchants_user_cannot_read_or_reveal(session, admin, merchant):
    credentials.save(session, admin, merchant.id, "sandbox", CLIENT_ID, ACC_ID, SALT)
    stranger = Actor(id=None, name="Other", role="merchant", merchant_id=merchant.id + 1)
    with pytest.raises(AccessDenied):
        credentials.reveal(session, stranger, merchant.id, "sandbox")
    own = Actor(id=None, name="Emily", role="merchant", merchant_id=merchant.id)
    assert credentials.shown(session, own, merchant.id, "sandbox").acc_id == ACC_ID


def test_the_key_file_is_created_once_with_mode_0600(data_dir, monkeypatch):
    monkeypatch.delenv("ONBOARDING_SECRET_KEY", raising=False)
    get_settings.cache_clear()
    token = credentials.encrypt(SALT)
    key_file = data_dir / credentials.KEY_FILE
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    first = key_file.read_bytes()
    assert credentials.decrypt(token) == SALT and key_file.read_bytes() == first


def test_the_secret_key_setting_is_used_and_a_changed_key_is_a_clear_error(data_dir, monkeypatch):
    monkeypatch.setenv("ONBOARDING_SECRET_KEY", "a long passphrase from the vault")
    get_settings.cache_clear()
    token = credentials.encrypt(SALT)
    assert not (data_dir / credentials.KEY_FILE).exists()
    monkeypatch.setenv("ONBOARDING_SECRET_KEY", "another passphrase")
    get_settings.cache_clear()
    with pytest.raises(ValidationError) as refused:
        credentials.decrypt(token)
    assert "ONBOARDING_SECRET_KEY" in str(refused.value)


def test_public_sandbox_credentials_pass_the_automatic_item(session, admin, merchant, sandbox):
    outcome = verification.check_sandbox_credentials(session, admin, merchant.id)
    assert outcome.passed and outcome.result.result_code == "107001"
    assert item(session, merchant, "sandbox_credentials_work").status == "passed"


def test_a_wrong_salt_fails_the_item_with_the_reason(session, admin, merchant, sandbox):
    public = credentials.PUBLIC_ACCOUNT_A
    credentials.save(session, admin, merchant.id, "sandbox", public.client_id, public.acc_id, "WRONG-SALT")
    outcome = verification.check_sandbox_credentials(session, admin, merchant.id)
    assert not outcome.passed
    row = item(session, merchant, "sandbox_credentials_work")
    assert row.status == "failed" and "104000 the signature does not match: check the salt" in row.value


def test_an_unreachable_gateway_records_nothing_on_the_item(session, admin, merchant, monkeypatch):
    monkeypatch.setenv("PINGPONG_SANDBOX_BASE_URL", f"http://127.0.0.1:{free_port()}")
    get_settings.cache_clear()
    with pytest.raises(GatewayUnavailable):
        verification.check_sandbox_credentials(session, admin, merchant.id)
    assert item(session, merchant, "sandbox_credentials_work").status == "todo"


def registered_and_checked(session, admin, merchant, data_dir, monkeypatch) -> None:
    """A self-registered account: unknown to the simulator, then registered, then working."""
    credentials.save(session, admin, merchant.id, "sandbox", CLIENT_ID, ACC_ID, SALT)
    credentials.save(session, admin, merchant.id, "production", CLIENT_ID, ACC_ID, SALT[::-1])
    process, url = start_simulator(data_dir)
    try:
        monkeypatch.setenv("PINGPONG_SANDBOX_BASE_URL", url)
        get_settings.cache_clear()
        unknown = verification.check_sandbox_credentials(session, admin, merchant.id)
        assert unknown.result.result_code == "103000"
        monkeypatch.delenv("PINGPONG_SANDBOX_BASE_URL")
        get_settings.cache_clear()
        verification.register_with_simulator(session, admin, merchant.id)
        monkeypatch.setenv("PINGPONG_SANDBOX_BASE_URL", url)
        get_settings.cache_clear()
        known = verification.check_sandbox_credentials(session, admin, merchant.id)
        assert known.passed
    finally:
        stop(process)


def test_a_registered_account_works_and_no_salt_is_in_any_column(session, admin, merchant, data_dir, monkeypatch):
    registered_and_checked(session, admin, merchant, data_dir, monkeypatch)
    everything = []
    for table in SQLModel.metadata.sorted_tables:
        everything += [str(value) for row in session.execute(table.select()) for value in row]
    text = "\n".join(everything)
    assert ACC_ID in text, "the test reads the right rows"
    assert SALT not in text and SALT[::-1] not in text


@pytest.mark.sqlite_only
def test_the_database_file_never_contains_a_salt_in_clear(session, admin, merchant, data_dir, monkeypatch):
    registered_and_checked(session, admin, merchant, data_dir, monkeypatch)
    session.close()
    dispose_engines()
    stored = b"".join(path.read_bytes() for path in data_dir.glob("onboarding.db*"))
    assert ACC_ID.encode() in stored, "the test reads the right files"
    for secret in (SALT, SALT[::-1]):
        assert secret.encode() not in stored
        assert secret.encode("utf-16-le") not in stored
