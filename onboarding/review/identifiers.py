"""Identifier items: the merchant hands in clientId, accId and key; the key goes to encrypted credentials."""

from sqlmodel import Session

from models import ChecklistItem, Submission
from onboarding.core import validation
from onboarding.core.access import Actor, require_merchant_access
from onboarding.core.errors import NotFound, ValidationError
from onboarding.gateway import credentials
from onboarding.process import checklist
from onboarding.process.definition import default_process

ENVIRONMENT_OF_ITEM = {"sandbox_ids": "sandbox", "production_credentials": "production"}


def submit_credentials(
    session: Session,
    actor: Actor,
    item_id: int,
    expected_version: int,
    client_id: str,
    acc_id: str,
    salt: str | None,
    note: str | None = None,
) -> Submission:
    """Store the identifiers and key (encrypted) and submit the item with the identifiers only."""
    row = session.get(ChecklistItem, item_id)
    if row is None:
        raise NotFound("error.item_not_found")
    require_merchant_access(actor, row.merchant_id)
    environment = ENVIRONMENT_OF_ITEM.get(row.item_key)
    if environment is None or default_process().item(row.item_key).evidence != "identifier":
        raise ValidationError("error.no_credentials_for_item")
    value = validation.normalise_identifiers(f"{client_id} {acc_id}")
    if (salt or "").strip():
        # validated before anything is written; both writes below are then expected to succeed
        credentials.validate(client_id, acc_id, salt)
        credentials.save(session, actor, row.merchant_id, environment, client_id, acc_id, salt)
    return checklist.submit(session, actor, item_id, expected_version, value, note=note)
