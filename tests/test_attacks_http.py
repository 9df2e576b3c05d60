"""The attacks of issue 10, tried over real HTTP against the running app, as an attacker would."""

import socket
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from sqlmodel import select

from models import AuthSession, HistoryEvent, Invitation, LoginThrottle
from models.db import session_for
from models.gateway import ReceivedNotification
from onboarding.accounts import auth, invitations
from onboarding.accounts.users import SYSTEM, create_user
from onboarding.process.merchants import create_merchant
from tests.conftest import start_server
from tools.local_processes import free_port, stop

PASSWORD = "correct horse battery staple"
EMAIL = "lead@support.example.com"
EVIL = "http://evil.example"
MIB = 1024 * 1024


@pytest.fixture
def app(server):
    url = f"sqlite:///{server['data_dir'] / 'onboarding.db'}"
    with session_for(url) as session:
        create_user(session, SYSTEM, email=EMAIL, name="Lead", role="admin", password=PASSWORD)
    return {**server, "database_url": url}


def _login(base: str, email: str = EMAIL, password: str = PASSWORD, **headers) -> httpx.Response:
    # generous: every password check takes its turn, and this machine is shared
    return httpx.post(f"{base}/auth/login", data={"email": email, "password": password}, headers=headers, timeout=600)


def _rss_peak_mib(pid: int) -> float:
    """The process's highest resident memory so far (VmHWM), in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmHWM")


def test_thirty_parallel_wrong_guesses_get_no_500_and_lock_the_account(app):
    with ThreadPoolExecutor(30) as pool:
        statuses = list(pool.map(lambda _: _login(app["url"], password="a wrong guess!").status_code, range(30)))
    assert 500 not in statuses
    # every guess was counted once: the first four are told "wrong", every later one "locked"
    assert (statuses.count(303), statuses.count(429)) == (4, 26), statuses
    right = _login(app["url"])
    assert right.status_code == 429 and "set-cookie" not in right.headers
    with session_for(app["database_url"]) as session:
        throttle = session.get(LoginThrottle, EMAIL)
        assert throttle.locked_until is not None and throttle.failures >= 5
        locked = session.exec(select(HistoryEvent).where(HistoryEvent.action == "login_locked")).all()
        assert len(locked) == 1, "locked once, not once per racing guess"


def test_a_burst_of_forty_sign_ins_neither_fails_nor_exhausts_memory(app):
    before = _rss_peak_mib(app["pid"])
    # more at once than the server has threads (28) and pooled connections (15); unknown e-mails cost the same
    emails = [f"nobody{n}@example.com" for n in range(30)] + [EMAIL] * 10

    def attempt(email: str) -> int:
        return _login(app["url"], email=email, password=PASSWORD if email == EMAIL else "not the password").status_code

    with ThreadPoolExecutor(len(emails)) as pool:
        statuses = list(pool.map(attempt, emails))
    assert 500 not in statuses and set(statuses) <= {303}
    grown = _rss_peak_mib(app["pid"]) - before
    # each argon2 hash takes 64 MiB; unbounded, 20 at once took the server past 1 GB
    assert grown < 6 * 64, f"peak memory grew by {grown:.0f} MiB"


def test_a_login_form_on_another_site_gets_no_session(app):
    for headers in (
        {"Origin": EVIL},
        {"Sec-Fetch-Site": "cross-site"},
        {"Origin": "null"},
        {"Sec-Fetch-Site": "same-site"},
    ):
        response = _login(app["url"], **headers)
        assert response.status_code == 403 and "set-cookie" not in response.headers, headers
        assert "another website" in response.text
    with session_for(app["database_url"]) as session:
        assert session.exec(select(AuthSession)).all() == []
    same_origin = _login(app["url"], Origin=app["url"], **{"Sec-Fetch-Site": "same-origin"})
    assert same_origin.status_code == 303 and auth.COOKIE_NAME in same_origin.cookies


def test_every_state_changing_route_refuses_other_sites_and_clients_without_a_browser_pass(app, merchant_input):
    with session_for(app["database_url"]) as session:
        merchant = create_merchant(session, SYSTEM, merchant_input)
        _, token = invitations.invite(session, SYSTEM, merchant.id, "dev@aurora.example.com")
    form = {
        "token": token,
        "full_name": "Mallory",
        "password": "a long password!",
        "password_again": "a long password!",
    }
    refused = {
        "/auth/accept-invite": httpx.post(f"{app['url']}/auth/accept-invite", data=form, headers={"Origin": EVIL}),
        "/api/pingpong/notify": httpx.post(f"{app['url']}/api/pingpong/notify", json={}, headers={"Origin": EVIL}),
        "/sandbox/checkout": httpx.post(f"{app['url']}/sandbox/checkout?token=x", headers={"Origin": EVIL}),
        # a route nobody has written yet is covered too: the check wraps the whole route table
        "/a/route/added/later": httpx.put(f"{app['url']}/a/route/added/later", headers={"Origin": EVIL}),
    }
    assert {path: response.status_code for path, response in refused.items()} == dict.fromkeys(refused, 403)
    assert refused["/api/pingpong/notify"].json()["error"]
    with session_for(app["database_url"]) as session:
        assert session.exec(select(Invitation)).one().used_at is None
    # the gateway and API clients send no Origin: they are not browsers and pass as before
    assert httpx.post(f"{app['url']}/api/pingpong/notify", json={}).status_code == 401


def test_sign_out_revokes_the_session_whatever_the_origin(app):
    token = _login(app["url"]).cookies[auth.COOKIE_NAME]
    # a page of another origin of the same site (another port) gets the cookie sent along: it is revoked
    out = httpx.post(
        f"{app['url']}/auth/logout",
        cookies={auth.COOKIE_NAME: token},
        headers={"Origin": "http://127.0.0.1:1", "Sec-Fetch-Site": "same-site"},
    )
    assert out.status_code == 303 and f"{auth.COOKIE_NAME}=" in out.headers["set-cookie"]
    with session_for(app["database_url"]) as session:
        assert auth.resolve(session, token) is None
    # from another site the (SameSite) cookie stays home: nothing is cleared that could not be revoked
    second = _login(app["url"]).cookies[auth.COOKIE_NAME]
    cross = httpx.post(f"{app['url']}/auth/logout", headers={"Origin": EVIL, "Sec-Fetch-Site": "cross-site"})
    assert cross.status_code == 200 and "set-cookie" not in cross.headers
    assert "action='/auth/logout'" in cross.text, "a same-origin button finishes the sign-out"
    with session_for(app["database_url"]) as session:
        assert auth.resolve(session, second) is not None


def _promise_then_listen(port: int, path: str, length: int) -> bytes:
    """Promise `length` bytes of body, send none, and return what the server answers meanwhile."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        head = (
            f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {length}\r\n\r\n"
        )
        sock.sendall(head.encode())
        return sock.recv(4096)


def _stream_until_answered(port: int, path: str, total: int, chunk: int = 64 * 1024) -> tuple[bytes, int]:
    """Send a chunked body slowly; return the answer and how much had been sent when it came."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(
            f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\n"
            "Transfer-Encoding: chunked\r\n\r\n".encode()
        )
        sent = 0
        sock.settimeout(0.02)
        while sent < total:
            try:
                answer = sock.recv(4096)
                if answer:
                    return answer, sent
            except TimeoutError:
                pass
            try:
                sock.sendall(f"{chunk:x}\r\n".encode() + b"x" * chunk + b"\r\n")
            except OSError:  # the server answered and closed the connection
                break
            sent += chunk
        sock.settimeout(10)
        return sock.recv(4096), sent


def test_an_8_mb_anonymous_body_is_refused_with_413_without_being_read(app):
    paths = ("/api/pingpong/notify", "/auth/login", "/auth/accept-invite", "/sandbox/v4/payment/unifiedPay")
    before = _rss_peak_mib(app["pid"])
    for path in paths:
        # a promised 8 MB body is refused before a byte of it arrives
        assert _promise_then_listen(app["port"], path, 8 * MIB).startswith(b"HTTP/1.1 413"), path
        # without a promised length, reading stops at the route's limit
        answer, sent = _stream_until_answered(app["port"], path, 8 * MIB)
        assert answer.startswith(b"HTTP/1.1 413"), (path, answer[:80])
        assert sent < 4 * MIB, f"{path} read {sent} bytes before refusing"
    assert _rss_peak_mib(app["pid"]) - before < 8, "no 8 MB body was held in memory"


def _database_bytes(data_dir: Path) -> int:
    return sum(path.stat().st_size for path in data_dir.glob("onboarding.db*"))


def test_forty_refused_200_kb_notifications_grow_the_database_by_under_1_mb(app):
    junk = [(b'{"accId":"2026","sign":"forged","pad":"' + bytes([65 + n % 26]) * 200 * 1024 + b'"}') for n in range(40)]
    httpx.post(f"{app['url']}/api/pingpong/notify", content=b"{}")  # the table exists and is warm
    before = _database_bytes(app["data_dir"])
    with ThreadPoolExecutor(8) as pool:
        statuses = list(
            pool.map(lambda body: httpx.post(f"{app['url']}/api/pingpong/notify", content=body).status_code, junk)
        )
    assert set(statuses) == {401}
    grown = _database_bytes(app["data_dir"]) - before
    assert grown < MIB, f"the database grew by {grown} bytes"
    with session_for(app["database_url"]) as session:
        kept = session.exec(select(ReceivedNotification)).all()
        assert len(kept) <= 20 and all(len(row.body) <= 500 and row.body_size for row in kept)


def test_security_headers_are_on_the_app_and_every_route(app):
    client = httpx.Client(base_url=app["url"], timeout=20)
    answers = [
        client.get("/"),
        client.get("/api/health"),
        client.get("/api/v1/openapi.json"),
        client.get("/api/v1/merchants"),
        client.get("/api/v1/nothing-here"),
        client.get("/sandbox/checkout?token=unknown"),
        client.post("/auth/login", data={"email": "x@example.com", "password": "wrong password!"}),
        client.post("/auth/login", headers={"Origin": EVIL}),
    ]
    for answer in answers:
        assert answer.headers["x-content-type-options"] == "nosniff", answer.url
        assert answer.headers["x-frame-options"] == "SAMEORIGIN", answer.url
        assert "frame-ancestors 'self'" in answer.headers["content-security-policy"], answer.url
        assert answer.headers["referrer-policy"] == "same-origin", answer.url


def test_unknown_and_malformed_api_requests_get_json_4xx_never_html_or_500(app):
    client = httpx.Client(base_url=app["url"], timeout=20)
    for path, status in [
        ("/api/v1/nothing", 404),
        ("/api/v1/", 404),
        ("/api/v1/merchants/not-a-number", 401),
    ]:
        answer = client.get(path)
        assert (answer.status_code, answer.headers["content-type"]) == (status, "application/json"), path
        assert answer.json()["error"]
    moved = client.post("/api/v1/merchants")
    assert moved.status_code == 405 and moved.headers["allow"] == "GET, HEAD" and moved.json()["error"]


def test_secure_cookies_whenever_the_public_address_is_https(tmp_path):
    port = free_port()
    data = tmp_path / "https-data"
    process = start_server(
        {"ONBOARDING_DATA_DIR": str(data), "PORT": str(port), "PUBLIC_BASE_URL": "https://onboarding.example.test"},
        port,
    )
    try:
        with session_for(f"sqlite:///{data / 'onboarding.db'}") as session:
            create_user(session, SYSTEM, email=EMAIL, name="Lead", role="admin", password=PASSWORD)
        # behind a TLS proxy the app itself is reached over plain http
        answer = _login(f"http://127.0.0.1:{port}")
        assert answer.status_code == 303 and "Secure" in answer.headers["set-cookie"]
        # a form of the public address is the app's own, even though the proxy reached it on another host
        ok = _login(f"http://127.0.0.1:{port}", Origin="https://onboarding.example.test")
        assert ok.status_code == 303
    finally:
        stop(process)
