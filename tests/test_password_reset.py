"""Forgotten passwords in the domain: one-hour single-use links, only their hash kept, attempts limited."""

from datetime import timedelta

import pytest
from sqlmodel import select

from models import AuthSession
from models.notifications import OutboxMessage, PasswordReset
from onboarding.accounts import auth, password_reset, rate_limits
from onboarding.accounts.passwords import verify_password
from onboarding.core import clock
from onboarding.core.errors import NotFound, ValidationError
from onboarding.core.i18n import translate

PASSWORD = "correct horse battery staple"


def _token(session) -> str:
    from onboarding.gateway.credentials import decrypt

    row = session.exec(select(OutboxMessage).where(OutboxMessage.category == "password_reset")).all()[-1]
    return decrypt(row.body_text).split("token=", 1)[1].split()[0]


def test_an_unknown_or_deactivated_address_gets_no_link(session, admin):
    assert not password_reset.request_reset(session, "nobody@example.com")
    from onboarding.accounts import users

    other = users.create_user(session, admin, "li@support.example.com", "Li", "support", PASSWORD)
    users.set_active(session, admin, other.id, False)
    assert not password_reset.request_reset(session, "li@support.example.com")
    assert session.exec(select(OutboxMessage)).all() == []


def test_a_link_sets_the_password_once_and_ends_every_session(session, admin):
    auth.sign_in(session, "admin@example.com", PASSWORD)
    assert password_reset.request_reset(session, " Admin@Example.com ")
    token = _token(session)
    assert session.exec(select(PasswordReset)).one().token_hash == auth.token_hash(token)
    user = password_reset.reset(session, token, "a brand new long password")
    assert verify_password(user.password_hash, "a brand new long password")
    assert all(row.revoked_at is not None for row in session.exec(select(AuthSession)))
    with pytest.raises(ValidationError) as caught:
        password_reset.reset(session, token, "yet another long password")
    assert caught.value.key == "error.reset_used"


def test_a_new_password_ends_every_other_open_link(session, admin):
    password_reset.request_reset(session, "admin@example.com")
    first = _token(session)
    password_reset.request_reset(session, "admin@example.com")
    second = _token(session)
    password_reset.reset(session, second, "a brand new long password")
    with pytest.raises(ValidationError):
        password_reset.reset(session, first, "yet another long password")


def test_a_link_expires_after_an_hour_with_a_message_that_says_so(session, admin):
    with clock.frozen_at(clock.now() - timedelta(minutes=61)):
        password_reset.request_reset(session, "admin@example.com")
    with pytest.raises(ValidationError) as caught:
        password_reset.reset(session, _token(session), "a brand new long password")
    assert caught.value.key == "error.reset_expired" and "one hour" in translate(caught.value.key)
    with pytest.raises(NotFound):
        password_reset.reset(session, "made-up", "a brand new long password")


def test_attempts_are_limited_like_sign_in_and_the_window_passes(session):
    for _ in range(4):
        rate_limits.count(session, "forgot:someone@example.com")
    with pytest.raises(rate_limits.Limited) as caught:
        rate_limits.count(session, "forgot:someone@example.com")
    assert caught.value.until > clock.now() + timedelta(minutes=14)
    with pytest.raises(rate_limits.Limited):
        rate_limits.check(session, "forgot:someone@example.com")
    rate_limits.count(session, "forgot:someone.else@example.com")  # other keys are not affected
    with clock.frozen_at(clock.now() + timedelta(minutes=31)):
        rate_limits.check(session, "forgot:someone@example.com")
        rate_limits.count(session, "forgot:someone@example.com")  # a new window starts at one
        rate_limits.count(session, "forgot:someone@example.com")
