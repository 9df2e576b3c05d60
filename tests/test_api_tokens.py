"""Personal API tokens: staff only, stored hashed, shown once, revocable, last use kept."""

import pytest
from sqlmodel import select
from streamlit.testing.v1 import AppTest

from models import User
from models.api_tokens import ApiToken
from onboarding.accounts import api_tokens
from onboarding.core import clock
from onboarding.core.access import Actor, actor_for
from onboarding.core.errors import AccessDenied, ValidationError


def _user(session, role: str, name: str, merchant_id: int | None = None) -> Actor:
    user = User(
        email=f"{name.lower().replace(' ', '.')}@example.com",
        name=name,
        role=role,
        merchant_id=merchant_id,
        created_at=clock.now(),
    )
    session.add(user)
    session.commit()
    return actor_for(user)


def test_staff_member_gets_a_token_that_is_stored_only_as_its_hash(session, admin):
    row, plain = api_tokens.create_token(session, admin, "  CRM sync  ")
    assert plain.startswith("ppo_") and len(plain) > 40
    assert row.label == "CRM sync" and row.user_id == admin.id
    stored = session.exec(select(ApiToken)).one()
    assert stored.token_hash == api_tokens.hash_token(plain) and plain not in stored.token_hash
    assert plain not in repr(stored.model_dump())
    assert api_tokens.authenticate(session, plain) == admin


def test_merchant_user_cannot_get_a_token(session, merchant):
    contact = _user(session, "merchant", "Emily Carter", merchant.id)
    with pytest.raises(AccessDenied):
        api_tokens.create_token(session, contact, "My script")
    with pytest.raises(AccessDenied):
        api_tokens.list_tokens(session, contact)


def test_a_token_needs_a_short_label(session, admin):
    with pytest.raises(ValidationError):
        api_tokens.create_token(session, admin, "   ")
    with pytest.raises(ValidationError):
        api_tokens.create_token(session, admin, "x" * 101)


def test_revoked_token_no_longer_authenticates(session, admin):
    row, plain = api_tokens.create_token(session, admin, "Weekly report")
    api_tokens.revoke_token(session, admin, row.id)
    assert api_tokens.authenticate(session, plain) is None
    assert api_tokens.list_tokens(session, admin)[0].revoked_at is not None


def test_only_the_owner_or_an_admin_can_revoke_a_token(session, admin):
    alice, bob = _user(session, "support", "Alice Support"), _user(session, "support", "Bob Support")
    row, plain = api_tokens.create_token(session, alice, "Alice's CRM")
    with pytest.raises(AccessDenied):
        api_tokens.revoke_token(session, bob, row.id)
    assert api_tokens.authenticate(session, plain) == alice
    api_tokens.revoke_token(session, admin, row.id)
    assert api_tokens.authenticate(session, plain) is None


def test_each_person_lists_only_their_own_tokens(session, admin):
    alice = _user(session, "support", "Alice Support")
    api_tokens.create_token(session, alice, "Alice's CRM")
    api_tokens.create_token(session, admin, "Admin report")
    assert [token.label for token in api_tokens.list_tokens(session, alice)] == ["Alice's CRM"]


def test_using_a_token_records_its_last_use(session, admin):
    row, plain = api_tokens.create_token(session, admin, "CRM sync")
    assert row.last_used_at is None
    api_tokens.authenticate(session, plain)
    session.refresh(row)
    assert row.last_used_at is not None


def test_token_of_a_deactivated_or_demoted_user_stops_working(session, merchant):
    alice = _user(session, "support", "Alice Support")
    _, plain = api_tokens.create_token(session, alice, "CRM sync")
    user = session.get(User, alice.id)
    user.role = "merchant"
    session.add(user)
    session.commit()
    assert api_tokens.authenticate(session, plain) is None
    user.role, user.active = "support", False
    session.add(user)
    session.commit()
    assert api_tokens.authenticate(session, plain) is None


def test_unknown_or_malformed_tokens_are_refused(session, admin):
    api_tokens.create_token(session, admin, "CRM sync")
    for presented in (None, "", "ppo_not-a-real-token", "Bearer something", "x" * 500):
        assert api_tokens.authenticate(session, presented) is None


def _panel(actor_id: int, name: str, role: str) -> None:
    from onboarding.core.access import Actor
    from ui.api_tokens import render_api_tokens

    render_api_tokens(Actor(id=actor_id, name=name, role=role))


def test_panel_shows_a_new_token_once_lists_it_and_revokes_it_after_confirmation(session, admin):
    at = AppTest.from_function(
        _panel, kwargs={"actor_id": admin.id, "name": admin.name, "role": "admin"}, default_timeout=60
    ).run()
    assert not at.exception
    at.text_input[0].input("CRM sync")
    at.button[0].click().run()
    assert not at.exception
    plain = at.code[0].value
    assert plain.startswith("ppo_") and api_tokens.authenticate(session, plain) == admin
    at.run()
    assert all(block.value != plain for block in at.code), "the plain token is shown only once"
    assert any("CRM sync" in text.value for text in at.text), "the label is listed as plain text"
    next(b for b in at.button if b.label == "Revoke").click().run()
    assert "Revoke the token 'CRM sync'?" in at.warning[0].value
    assert api_tokens.authenticate(session, plain) == admin, "nothing happens before the confirmation"
    next(b for b in at.button if b.label == "Yes, revoke it").click().run()
    assert not at.exception
    assert api_tokens.authenticate(session, plain) is None
    assert not any(b.label == "Revoke" for b in at.button)


def test_panel_offers_merchant_users_no_token(session, merchant):
    at = AppTest.from_function(
        _panel, kwargs={"actor_id": 999, "name": "Emily", "role": "merchant"}, default_timeout=60
    ).run()
    assert not at.exception
    assert "only" in at.info[0].value and not at.text_input
