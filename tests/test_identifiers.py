"""Identifier items: the merchant's key is stored encrypted, the item shows only the identifiers."""

from pathlib import Path

import pytest
from sqlmodel import select

from models import ChecklistItem, Submission
from onboarding.core.access import Actor
from onboarding.core.errors import ValidationError
from onboarding.gateway import credentials
from onboarding.review import identifiers
from tests.test_checklist import finish_stage

SALT = "0123456789ABCDEF01234567"


@pytest.fixture
def production_item(session, admin, merchant):
    finish_stage(session, admin, merchant, 0)
    finish_stage(session, admin, merchant, 1)
    return session.exec(
        select(ChecklistItem).where(
            ChecklistItem.merchant_id == merchant.id, ChecklistItem.item_key == "production_credentials"
        )
    ).one()


def test_production_key_is_stored_encrypted_and_the_item_shows_identifiers(session, merchant, production_item):
    developer = Actor(id=None, name="Dev", role="merchant", merchant_id=merchant.id)
    submission = identifiers.submit_credentials(
        session,
        developer,
        production_item.id,
        production_item.version,
        "2099010100000000001",
        "2099010100000000001001",
        SALT,
    )
    assert submission.value == "clientId 2099010100000000001 / accId 2099010100000000001001"
    assert SALT not in (submission.value or "")
    stored = credentials.shown(session, developer, merchant.id, "production")
    assert stored.acc_id == "2099010100000000001001" and SALT not in stored.masked_salt
    assert credentials.for_signing(session, developer, merchant.id, "production").salt == SALT


@pytest.mark.sqlite_only  # reads the SQLite file itself
def test_the_database_file_never_holds_the_key_in_clear(session, merchant, production_item, database_url):
    developer = Actor(id=None, name="Dev", role="merchant", merchant_id=merchant.id)
    identifiers.submit_credentials(
        session,
        developer,
        production_item.id,
        production_item.version,
        "2099010100000000001",
        "2099010100000000001001",
        SALT,
    )
    assert SALT.encode() not in Path(database_url.split("///", 1)[1]).read_bytes()


def test_mismatched_identifiers_write_nothing(session, merchant, production_item):
    developer = Actor(id=None, name="Dev", role="merchant", merchant_id=merchant.id)
    with pytest.raises(ValidationError) as caught:
        identifiers.submit_credentials(
            session,
            developer,
            production_item.id,
            production_item.version,
            "2099010100000000009",
            "2099010100000000001001",
            SALT,
        )
    assert caught.value.key == "error.identifiers_mismatch"
    assert credentials.shown(session, developer, merchant.id, "production") is None
    assert session.exec(select(Submission).where(Submission.item_id == production_item.id)).all() == []
