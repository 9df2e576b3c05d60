"""Invitations are single use, expire, and keep only a hash of their token."""

from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import select

from models import Invitation, User
from onboarding.accounts import auth, invitations
from onboarding.accounts.passwords import verify_password
from onboarding.core import clock
from onboarding.core.errors import NotFound, ValidationError


def test_an_invitation_creates_a_merchant_user_once(session, admin, merchant):
    invitation, token = invitations.invite(session, admin, merchant.id, "Dev@Aurora.example.com")
    assert invitation.email == "dev@aurora.example.com"
    assert token in invitations.link_for(token)
    user = invitations.accept(session, token, "Dana Developer", "a long enough password")
    assert (user.role, user.merchant_id, user.email) == ("merchant", merchant.id, "dev@aurora.example.com")
    assert verify_password(user.password_hash, "a long enough password")
    with pytest.raises(ValidationError) as caught:
        invitations.accept(session, token, "Someone Else", "another long password")
    assert caught.value.key == "error.invitation_used"
    assert len(session.exec(select(User).where(User.role == "merchant")).all()) == 1


@pytest.mark.sqlite_only  # reads the SQLite file itself
def test_the_token_is_not_stored_in_clear(session, admin, merchant, database_url):
    _, token = invitations.invite(session, admin, merchant.id, "dev@aurora.example.com")
    stored = session.exec(select(Invitation)).one()
    assert stored.token_hash == auth.token_hash(token) and token not in stored.token_hash
    raw = database_url.split("///", 1)[1]
    session.close()
    from models.db import dispose_engines

    dispose_engines()
    assert token.encode() not in Path(raw).read_bytes()


def test_an_expired_invitation_gives_a_clear_message(session, admin, merchant):
    with clock.frozen_at(clock.now() - timedelta(days=8)):
        _, token = invitations.invite(session, admin, merchant.id, "dev@aurora.example.com")
    with pytest.raises(ValidationError) as caught:
        invitations.accept(session, token, "Dana", "a long enough password")
    assert caught.value.key == "error.invitation_expired"
    assert "expired" in str(caught.value)


def test_an_unknown_token_and_a_short_password_are_refused(session, admin, merchant):
    with pytest.raises(NotFound):
        invitations.accept(session, "made-up-token", "Dana", "a long enough password")
    _, token = invitations.invite(session, admin, merchant.id, "dev@aurora.example.com")
    with pytest.raises(ValidationError) as caught:
        invitations.accept(session, token, "Dana", "short")
    assert caught.value.key == "error.password_too_short"
    invitations.find_open(session, token)  # still usable after the refused attempt
