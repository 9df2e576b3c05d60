"""Sign-in over real HTTP against the running app: cookie, reload, sign-out, expiry and lockout."""

from datetime import timedelta

import httpx
import pytest
from sqlmodel import select

from models import AuthSession, HistoryEvent, LoginThrottle
from models.db import session_for
from onboarding.accounts import auth
from onboarding.accounts.users import SYSTEM, create_user
from onboarding.core import clock

PASSWORD = "correct horse battery staple"


@pytest.fixture
def app_with_user(server):
    url = f"sqlite:///{server['data_dir'] / 'onboarding.db'}"
    with session_for(url) as session:
        create_user(session, SYSTEM, email="lead@support.example.com", name="Lead", role="admin", password=PASSWORD)
    return server, url


def _login(base: str, email: str, password: str) -> httpx.Response:
    return httpx.post(f"{base}/auth/login", data={"email": email, "password": password}, timeout=20)


def test_login_sets_an_httponly_samesite_cookie_that_opens_a_session(app_with_user):
    server, url = app_with_user
    response = _login(server["url"], "Lead@Support.example.com", PASSWORD)
    assert response.status_code == 303 and response.headers["location"] == "/"
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"{auth.COOKIE_NAME}=") and "HttpOnly" in cookie and "SameSite=lax" in cookie
    token = response.cookies[auth.COOKIE_NAME]
    with session_for(url) as session:
        assert auth.resolve(session, token).email == "lead@support.example.com"
        assert session.exec(select(AuthSession)).one().token_hash == auth.token_hash(token)


def test_wrong_password_and_unknown_email_get_the_same_answer_and_no_cookie(app_with_user):
    server, _ = app_with_user
    wrong = _login(server["url"], "lead@support.example.com", "not the password at all")
    unknown = _login(server["url"], "nobody@support.example.com", "not the password at all")
    for response in (wrong, unknown):
        assert auth.COOKIE_NAME not in response.cookies
    assert (wrong.status_code, wrong.headers["location"], wrong.content) == (
        unknown.status_code,
        unknown.headers["location"],
        unknown.content,
    )
    assert wrong.status_code == 303 and wrong.headers["location"] == "/?login=failed"


def test_logout_revokes_the_session(app_with_user):
    server, url = app_with_user
    token = _login(server["url"], "lead@support.example.com", PASSWORD).cookies[auth.COOKIE_NAME]
    response = httpx.post(f"{server['url']}/auth/logout", cookies={auth.COOKIE_NAME: token}, timeout=20)
    assert response.status_code == 303
    with session_for(url) as session:
        assert auth.resolve(session, token) is None
        assert session.exec(select(AuthSession)).one().revoked_at is not None


def test_an_idle_session_expires(app_with_user):
    server, url = app_with_user
    token = _login(server["url"], "lead@support.example.com", PASSWORD).cookies[auth.COOKIE_NAME]
    with session_for(url) as session:
        row = session.exec(select(AuthSession)).one()
        row.last_seen_at = clock.now() - timedelta(hours=12, minutes=1)
        session.add(row)
        session.commit()
        assert auth.resolve(session, token) is None


def test_five_failures_lock_the_account_and_the_lock_lifts_after_the_window(app_with_user):
    server, url = app_with_user
    for _ in range(4):
        assert _login(server["url"], "lead@support.example.com", "wrong password again").status_code == 303
    fifth = _login(server["url"], "lead@support.example.com", "wrong password again")
    assert fifth.status_code == 429
    locked = _login(server["url"], "lead@support.example.com", PASSWORD)
    assert locked.status_code == 429 and "set-cookie" not in locked.headers
    assert "Too many failed sign-ins" in locked.text
    with session_for(url) as session:
        assert session.exec(select(HistoryEvent).where(HistoryEvent.action == "login_locked")).first() is not None
        throttle = session.get(LoginThrottle, "lead@support.example.com")
        throttle.locked_until = clock.now() - timedelta(seconds=1)
        session.add(throttle)
        session.commit()
    assert _login(server["url"], "lead@support.example.com", PASSWORD).status_code == 303


def test_accepting_an_invitation_signs_the_merchant_in_once(app_with_user, merchant_input):
    from onboarding.accounts import invitations
    from onboarding.process.merchants import create_merchant

    server, url = app_with_user
    with session_for(url) as session:
        merchant = create_merchant(session, SYSTEM, merchant_input)
        _, token = invitations.invite(session, SYSTEM, merchant.id, "dev@aurora.example.com")
    form = {
        "token": token,
        "full_name": "Dana Developer",
        "password": "a long enough password",
        "password_again": "a long enough password",
    }
    differ = httpx.post(
        f"{server['url']}/auth/accept-invite", data={**form, "password_again": "something else!"}, timeout=20
    )
    assert differ.status_code == 303 and differ.headers["location"].endswith(
        "error_password_again=error.passwords_differ"
    )
    accepted = httpx.post(f"{server['url']}/auth/accept-invite", data=form, timeout=20)
    assert accepted.status_code == 303 and accepted.headers["location"] == "/"
    with session_for(url) as session:
        user = auth.resolve(session, accepted.cookies[auth.COOKIE_NAME])
        assert (user.name, user.role, user.merchant_id) == ("Dana Developer", "merchant", merchant.id)
    again = httpx.post(f"{server['url']}/auth/accept-invite", data=form, timeout=20)
    assert again.headers["location"].endswith("error=invitation_used") and auth.COOKIE_NAME not in again.cookies
