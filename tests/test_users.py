"""User administration: only admins, sessions end on deactivation, reset and role change."""

import email
import socketserver
import threading

import pytest
from sqlmodel import select

from models import AuthSession, HistoryEvent
from onboarding.accounts import auth, invitations, users
from onboarding.core.access import Actor, actor_for
from onboarding.core.config import get_settings
from onboarding.core.errors import AccessDenied, ValidationError

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


class _Recorder(socketserver.StreamRequestHandler):
    """Just enough SMTP to receive one message on loopback."""

    def handle(self):
        self.wfile.write(b"220 test ready\r\n")
        data, in_data = [], False
        for raw in self.rfile:
            line = raw.decode()
            if in_data:
                if line.rstrip("\r\n") == ".":
                    in_data = False
                    self.server.messages.append("".join(data))
                    self.wfile.write(b"250 queued\r\n")
                else:
                    data.append(line)
                continue
            command = line[:4].upper()
            if command in ("EHLO", "HELO"):
                self.wfile.write(b"250 test\r\n")
            elif command == "DATA":
                in_data = True
                self.wfile.write(b"354 go ahead\r\n")
            elif command == "QUIT":
                self.wfile.write(b"221 bye\r\n")
                return
            else:
                self.wfile.write(b"250 ok\r\n")


def test_invitation_is_emailed_when_smtp_is_configured(session, admin, merchant, monkeypatch):
    server = socketserver.TCPServer(("127.0.0.1", 0), _Recorder)
    server.messages = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        monkeypatch.setenv("SMTP_HOST", "127.0.0.1")
        monkeypatch.setenv("SMTP_PORT", str(server.server_address[1]))
        monkeypatch.setenv("PUBLIC_BASE_URL", "https://onboarding.example.com")
        get_settings.cache_clear()
        invitation, token = invitations.invite(session, admin, merchant.id, "dev@aurora.example.com")
        assert invitations.send_email(invitation, token, merchant.name)
    finally:
        server.shutdown()
        server.server_close()
        get_settings.cache_clear()
    assert len(server.messages) == 1
    message = email.message_from_string(server.messages[0])
    assert message["To"] == "dev@aurora.example.com"
    assert f"https://onboarding.example.com/?invite={token}" in message.get_payload(decode=True).decode()


def test_without_smtp_nothing_is_sent(session, admin, merchant):
    invitation, token = invitations.invite(session, admin, merchant.id, "dev@aurora.example.com")
    assert invitations.send_email(invitation, token, merchant.name) is False


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
