"""Password reset over real HTTP against the running app, with its mail caught by a loopback SMTP server."""

import re

import httpx
import pytest
from sqlmodel import select

from models.db import session_for
from models.notifications import OutboxMessage, PasswordReset
from onboarding.accounts import auth
from onboarding.accounts.users import SYSTEM, create_user
from tests.mailbox import text_of

PASSWORD = "correct horse battery staple"
NEW_PASSWORD = "a brand new long password"


@pytest.fixture
def server_env(mailbox) -> dict:
    return {**mailbox.env, "OUTBOX_POLL_SECONDS": "0.5"}


@pytest.fixture
def app(server):
    url = f"sqlite:///{server['data_dir'] / 'onboarding.db'}"
    with session_for(url) as session:
        create_user(session, SYSTEM, email="emily@aurora.example.com", name="Emily", role="admin", password=PASSWORD)
    return server["url"], url


def _post(base: str, path: str, **fields) -> httpx.Response:
    return httpx.post(f"{base}{path}", data=fields, timeout=20)


def _token(message) -> str:
    return re.search(r"token=([A-Za-z0-9_-]+)", text_of(message)).group(1)


def test_reset_works_end_to_end_and_ends_every_session(app, mailbox):
    base, url = app
    signed_in_before = _post(base, "/auth/login", email="emily@aurora.example.com", password=PASSWORD)
    old_cookie = signed_in_before.cookies[auth.COOKIE_NAME]
    asked = _post(base, "/auth/forgot", email="Emily@Aurora.example.com")
    assert asked.status_code == 303 and asked.headers["location"] == "/?forgot=sent"
    (mail,) = mailbox.wait_for(1)
    assert mail["To"] == "emily@aurora.example.com"
    assert f"{base}/?reset=1&token=" in text_of(mail) and "60 minutes" in text_of(mail)
    token = _token(mail)
    with session_for(url) as session:
        stored = session.exec(select(PasswordReset)).one()
        assert stored.token_hash == auth.token_hash(token) and token not in stored.token_hash
        assert token not in session.exec(select(OutboxMessage)).one().body_text
    done = _post(base, "/auth/reset", token=token, password=NEW_PASSWORD)
    assert done.status_code == 303 and done.headers["location"] == "/?reset=done"
    with session_for(url) as session:
        assert auth.resolve(session, old_cookie) is None
    assert _post(base, "/auth/login", email="emily@aurora.example.com", password=PASSWORD).headers["location"] == (
        "/?login=failed"
    )
    signed_in = _post(base, "/auth/login", email="emily@aurora.example.com", password=NEW_PASSWORD)
    assert signed_in.headers["location"] == "/" and auth.COOKIE_NAME in signed_in.cookies
    again = _post(base, "/auth/reset", token=token, password="yet another long password")
    assert again.status_code == 303 and again.headers["location"].endswith("&error=reset_used")


def test_an_unknown_address_gets_the_same_answer_and_no_mail(app, mailbox):
    base, url = app
    unknown = _post(base, "/auth/forgot", email="nobody@aurora.example.com")
    known = _post(base, "/auth/forgot", email="emily@aurora.example.com")
    assert (unknown.status_code, unknown.headers["location"], unknown.content) == (
        known.status_code,
        known.headers["location"],
        known.content,
    )
    mailbox.wait_for(1)
    with session_for(url) as session:
        assert [row.to_address for row in session.exec(select(OutboxMessage))] == ["emily@aurora.example.com"]
    assert [message["To"] for message in mailbox.messages] == ["emily@aurora.example.com"]


def test_a_short_password_keeps_the_link_usable(app, mailbox):
    base, _ = app
    _post(base, "/auth/forgot", email="emily@aurora.example.com")
    token = _token(mailbox.wait_for(1)[0])
    short = _post(base, "/auth/reset", token=token, password="short")
    assert short.status_code == 303 and short.headers["location"].endswith("&error=password_too_short")
    differ = _post(base, "/auth/reset", token=token, password=NEW_PASSWORD, password_again="something else")
    assert differ.headers["location"].endswith("&error=passwords_differ")
    assert _post(base, "/auth/reset", token=token, password=NEW_PASSWORD).headers["location"] == "/?reset=done"


def test_guessing_tokens_and_asking_for_many_links_are_locked_out_like_sign_in(app, mailbox):
    base, _ = app
    answers = [_post(base, "/auth/reset", token=f"guess-{n}", password=NEW_PASSWORD).status_code for n in range(6)]
    assert answers[:4] == [303] * 4 and answers[4:] == [429, 429]
    assert "Too many attempts" in _post(base, "/auth/reset", token="x", password=NEW_PASSWORD).text
    asked = [_post(base, "/auth/forgot", email="emily@aurora.example.com").status_code for _ in range(5)]
    assert asked == [303, 303, 303, 303, 429]
    assert _post(base, "/auth/forgot", email="someone.else@aurora.example.com").status_code == 303
    assert len(mailbox.wait_for(4)) == 4


def test_forms_are_small_same_site_and_checked(app):
    base, _ = app
    huge = httpx.post(f"{base}/auth/forgot", data={"email": "a" * 20_000 + "@example.com"}, timeout=20)
    assert huge.status_code == 413
    elsewhere = httpx.post(
        f"{base}/auth/forgot",
        data={"email": "emily@aurora.example.com"},
        headers={"Origin": "https://attacker.example", "Sec-Fetch-Site": "cross-site"},
        timeout=20,
    )
    assert elsewhere.status_code == 403
    forged = httpx.post(
        f"{base}/auth/reset", data={"token": "x", "password": NEW_PASSWORD}, headers={"Sec-Fetch-Site": "cross-site"}
    )
    assert forged.status_code == 403
    malformed = _post(base, "/auth/forgot", email="not an address")
    assert malformed.status_code == 303 and malformed.headers["location"] == "/?forgot=1&error=bad_email"
