"""User administration: only admins, sessions end on deactivation, reset and role change."""

import pytest
from sqlmodel import select

from models import AuthSession, HistoryEvent
from onboarding.accounts import auth, invitations, users
from onboarding.core.access import Actor, actor_for
from onboarding.core.config import get_settings
from onboarding.core.errors import AccessDenied, ValidationError
from onboarding.notifications import outbox
from tests.mailbox import text_of

PASSWORD = "a support password"


@pytest.fixture
def support_user(session, admin):
    return users.create_user(
        session, admin, email="Li.Wei@Support.example.com", name="Li Wei", role="support", password=PASSWORD
    )


def test_admin_creates_accounts_and_duplicates_are_refused(session, admin, support_user):
    assert support_user.email == "li.wei@support.example.com"
    with pytest.raises(ValidationError) as caught:
        users.create_user(
            session, admin, email="li.wei@support.example.com", name="Again", role="support", password=PASSWORD
        )
    assert caught.value.key == "error.email_taken"
    with pytest.raises(AccessDenied):
        users.create_user(
            session, actor_for(support_user), email="x@support.example.com", name="X", role="support", password=PASSWORD
        )


def test_deactivation_ends_every_session_and_blocks_sign_in(session, admin, support_user):
    token = auth.sign_in(session, "li.wei@support.example.com", PASSWORD).token
    users.set_active(session, admin, support_user.id, False)
    assert auth.resolve(session, token) is None
    with pytest.raises(auth.LoginFailed):
        auth.sign_in(session, "li.wei@support.example.com", PASSWORD)
    with pytest.raises(ValidationError):
        users.set_active(session, admin, admin.id, False)
    assert session.exec(select(HistoryEvent).where(HistoryEvent.action == "user_deactivated")).first()


def test_password_reset_replaces_the_password_and_ends_sessions(session, admin, support_user):
    token = auth.sign_in(session, "li.wei@support.example.com", PASSWORD).token
    users.reset_password(session, admin, support_user.id, "a brand new password")
    assert auth.resolve(session, token) is None
    with pytest.raises(auth.LoginFailed):
        auth.sign_in(session, "li.wei@support.example.com", PASSWORD)
    assert auth.sign_in(session, "li.wei@support.example.com", "a brand new password").user.id == support_user.id


def test_role_change_needs_a_merchant_for_merchant_users(session, admin, support_user, merchant):
    with pytest.raises(ValidationError) as caught:
        users.change_role(session, admin, support_user.id, "merchant")
    assert caught.value.key == "error.merchant_required"
    changed = users.change_role(session, admin, support_user.id, "merchant", merchant.id)
    assert (changed.role, changed.merchant_id) == ("merchant", merchant.id)
    with pytest.raises(ValidationError):
        users.change_role(session, admin, admin.id, "support")


def test_first_admin_only_once(session):
    assert users.needs_first_admin(session)
    users.create_first_admin(session, "mei@support.example.com", "Mei", "a long admin password")
    assert not users.needs_first_admin(session)
    with pytest.raises(ValidationError):
        users.create_first_admin(session, "eve@support.example.com", "Eve", "a long admin password")


def test_invitation_is_emailed_when_smtp_is_configured(session, admin, merchant, mailbox, monkeypatch):
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://onboarding.example.com")
    get_settings.cache_clear()
    invitation, token = invitations.invite(session, admin, merchant.id, "dev@aurora.example.com")
    assert invitations.mail_is_sent()
    assert outbox.deliver_due().sent == 1
    (message,) = mailbox.messages
    assert message["To"] == "dev@aurora.example.com"
    assert message["Subject"] == "Your PingPong Checkout onboarding for Aurora Outdoor Gear"
    assert f"https://onboarding.example.com/?invite={token}" in text_of(message)


def test_without_smtp_nothing_is_sent(session, admin, merchant):
    invitations.invite(session, admin, merchant.id, "dev@aurora.example.com")
    assert not invitations.mail_is_sent()
    assert outbox.deliver_due().sent == 0
    assert outbox.status_counts(session, admin)["held"] == 1


def test_a_merchant_user_cannot_administer_users(session, admin, merchant):
    intruder = Actor(id=None, name="M", role="merchant", merchant_id=merchant.id)
    for call in (
        lambda: users.list_users(session, intruder),
        lambda: users.set_active(session, intruder, admin.id, False),
        lambda: users.reset_password(session, intruder, admin.id, "a brand new password"),
    ):
        with pytest.raises(AccessDenied):
            call()
    assert session.exec(select(AuthSession)).all() == []


def test_admins_change_a_stages_sla_and_bad_values_are_refused(session, admin, support_user):
    from onboarding.process import sla

    assert sla.stage_slas(session)["sandbox"] == 5  # the process file's default
    sla.set_sla(session, admin, "sandbox", 9)
    assert sla.stage_slas(session)["sandbox"] == 9
    for stage, days in (("sandbox", 0), ("sandbox", 400), ("nowhere", 3)):
        with pytest.raises(ValidationError):
            sla.set_sla(session, admin, stage, days)
    with pytest.raises(AccessDenied):
        sla.set_sla(session, actor_for(support_user), "sandbox", 2)
    assert sla.stage_slas(session)["sandbox"] == 9


def test_a_password_of_only_spaces_is_refused(session, admin):
    with pytest.raises(ValidationError) as caught:
        users.create_user(session, admin, email="x@support.example.com", name="X", role="support", password=" " * 12)
    assert caught.value.key == "error.password_blank"
    with pytest.raises(ValidationError):
        users.reset_password(session, admin, admin.id, "\t" * 6 + " " * 6)


def test_deactivation_revokes_api_tokens_for_good(session, admin, support_user):
    from onboarding.accounts import api_tokens

    _, plain = api_tokens.create_token(session, actor_for(support_user), "CRM sync")
    assert api_tokens.authenticate(session, plain) is not None
    users.set_active(session, admin, support_user.id, False)
    users.set_active(session, admin, support_user.id, True)
    assert api_tokens.authenticate(session, plain) is None, "reactivation does not bring the old token back"
    assert all(row.revoked_at for row in api_tokens.list_tokens(session, actor_for(support_user)))
