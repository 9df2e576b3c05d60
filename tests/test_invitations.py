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


def _waiting_account(session, merchant_id, email="emily@aurora.example.com") -> User:
    """A merchant's person with an account but no password yet, like every demo contact."""
    user = User(email=email, name="Emily Carter", role="merchant", merchant_id=merchant_id, created_at=clock.now())
    session.add(user)
    session.commit()
    return user


def test_inviting_an_account_without_a_password_lets_it_set_one(session, admin, merchant):
    waiting = _waiting_account(session, merchant.id)
    _, token = invitations.invite(session, admin, merchant.id, "Emily@Aurora.example.com")
    user = invitations.accept(session, token, "Emily C.", "a long enough password")
    assert user.id == waiting.id and user.name == "Emily C."
    assert verify_password(user.password_hash, "a long enough password")
    assert len(session.exec(select(User).where(User.email == "emily@aurora.example.com")).all()) == 1
    with pytest.raises(ValidationError) as caught:
        invitations.invite(session, admin, merchant.id, "emily@aurora.example.com")
    assert caught.value.key == "error.email_taken"  # it can sign in now: "Forgot your password?" instead


def test_an_address_of_staff_or_of_another_merchant_is_refused(session, admin, merchant, merchant_input):
    import dataclasses

    from onboarding.process.merchants import create_merchant

    other = create_merchant(
        session, admin, dataclasses.replace(merchant_input, name="Kyoto Tea House"), allow_duplicate=True
    )
    _waiting_account(session, other.id, "haruto@kyoto.example.jp")
    with pytest.raises(ValidationError) as caught:
        invitations.invite(session, admin, merchant.id, "haruto@kyoto.example.jp")
    assert caught.value.key == "error.email_other_account"


def test_sending_again_replaces_the_link_and_queues_a_new_mail(session, admin, merchant):
    from models.notifications import OutboxMessage

    invitation, first = invitations.invite(session, admin, merchant.id, "dev@aurora.example.com")
    again, second = invitations.resend(session, admin, invitation.id)
    assert again.id == invitation.id and first != second
    with pytest.raises(NotFound):
        invitations.find_open(session, first)
    assert invitations.find_open(session, second).id == invitation.id
    mails = session.exec(select(OutboxMessage).where(OutboxMessage.category == "invitation")).all()
    assert len(mails) == 2 and all(mail.secret for mail in mails)
    invitations.accept(session, second, "Dana", "a long enough password")
    with pytest.raises(ValidationError) as caught:
        invitations.resend(session, admin, invitation.id)
    assert caught.value.key == "error.invitation_used_resend"


def test_a_withdrawn_invitation_can_be_neither_used_nor_sent_again(session, admin, merchant):
    invitation, token = invitations.invite(session, admin, merchant.id, "dev@aurora.example.com")
    invitations.revoke(session, admin, invitation.id)
    with pytest.raises(NotFound):
        invitations.accept(session, token, "Dana", "a long enough password")
    with pytest.raises(NotFound):
        invitations.resend(session, admin, invitation.id)
    assert invitations.pending(session, admin, merchant.id) == []
