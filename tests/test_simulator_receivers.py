"""Where the simulator may deliver notifications and send shoppers, and the setting that turns it off."""

import json

import httpx
import pytest
from starlette.routing import Mount

from models.gateway import SimAccount
from onboarding.core.access import Actor
from onboarding.core.config import REAL_SANDBOX_URL, get_settings
from onboarding.core.errors import AccessDenied, ValidationError
from onboarding.gateway import request_log, runs, sandbox_accounts
from onboarding.gateway.simulator import delivery
from tests.gateway_servers import StubServer
from tests.test_request_log import call, envelope, payment

BODY = json.dumps({"accId": "1", "bizContent": "{}"})


def ok(_stub, _handler, _body):
    return 200, {"Content-Type": "text/plain"}, b"OK"


@pytest.fixture
def own_port(data_dir, monkeypatch):
    """The app's own receiver is a stub on the app's PORT."""
    with StubServer(ok) as stub:
        monkeypatch.setenv("PORT", str(stub.port))
        monkeypatch.delenv("PUBLIC_BASE_URL", raising=False)
        get_settings.cache_clear()
        yield stub
    get_settings.cache_clear()


def test_the_apps_own_receiver_is_reached_on_its_exact_host_and_port_only(own_port):
    own = f"http://127.0.0.1:{own_port.port}{runs.NOTIFY_PATH}"
    assert delivery.may_reach_privately(own, None)
    assert delivery.may_reach_privately(f"http://localhost:{own_port.port}{runs.NOTIFY_PATH}", None)
    sent = delivery.attempt(own, BODY, delivery.may_reach_privately(own, None))
    assert sent.delivered and len(own_port.requests) == 1
    for other in (
        f"http://127.0.0.1:{own_port.port + 1}{runs.NOTIFY_PATH}",
        f"http://127.0.0.1:{own_port.port}/somewhere-else",
        f"http://127.0.0.1:{own_port.port}{runs.NOTIFY_PATH}?x=1",
    ):
        assert not delivery.may_reach_privately(other, None)
        refused = delivery.attempt(other, BODY, delivery.may_reach_privately(other, None))
        assert not refused.delivered and refused.error.startswith("refused")
    assert len(own_port.requests) == 1, "nothing else on loopback was contacted"


def test_public_https_addresses_are_reached_and_private_ones_never(data_dir):
    seen = []

    def answer(request):
        seen.append(request)
        return httpx.Response(204)

    transport = httpx.MockTransport(answer)
    public = delivery.attempt(
        "https://shop.example.com/pingpong", BODY, resolver=lambda host, port: ["93.184.216.34"], transport=transport
    )
    assert public.delivered and public.http_status == 204
    for private in ("https://intranet.example.com/hook", "http://shop.example.com/hook"):
        refused = delivery.attempt(private, BODY, resolver=lambda host, port: ["10.0.0.8"], transport=transport)
        assert not refused.delivered
    assert len(seen) == 1


def test_a_local_receiver_is_reached_only_when_an_admin_allowed_it_and_only_that_one(session, admin, merchant):
    account = sandbox_accounts.sandbox_credentials(session, admin, merchant.id)
    owner = Actor(id=None, name="Emily", role="merchant", merchant_id=merchant.id)
    with StubServer(ok) as stub:
        receiver = f"http://127.0.0.1:{stub.port}/pingpong/notify"
        with pytest.raises(ValidationError):
            sandbox_accounts.set_local_receiver(session, owner, merchant.id, account["accId"], receiver)
        with pytest.raises(AccessDenied):
            sandbox_accounts.allow_local_receiver(session, owner, merchant.id, account["accId"], True)
        sandbox_accounts.allow_local_receiver(session, admin, merchant.id, account["accId"], True)
        with pytest.raises(ValidationError):
            sandbox_accounts.set_local_receiver(session, owner, merchant.id, account["accId"], receiver + "?a=1")
        sandbox_accounts.set_local_receiver(session, owner, merchant.id, account["accId"], receiver)
        call(session, "/v4/payment/unifiedPay", envelope(account, payment("1.10", notificationUrl=receiver)))
        elsewhere = f"http://127.0.0.1:{stub.port}/other"
        call(session, "/v4/payment/unifiedPay", envelope(account, payment("1.20", notificationUrl=elsewhere)))
        delivery.deliver_due(get_settings().resolved_database_url)
        assert [path for _method, path, _body in stub.requests] == ["/pingpong/notify"]
        states = {
            item.row.merchant_transaction_id: item.notifications[0].row.state
            for item in request_log.requests_for(session, admin, merchant.id).items
        }
        assert states == {"ORDER-1.10-1111-1": "delivered", "ORDER-1.20-1111-1": "pending"}
        sandbox_accounts.allow_local_receiver(session, admin, merchant.id, account["accId"], False)
        row = session.get(SimAccount, account["accId"])
        session.refresh(row)
        assert not delivery.may_reach_privately(receiver, row) and row.local_receiver_url is None


def test_a_setting_turns_the_embedded_simulator_off(data_dir, session, admin, merchant, monkeypatch):
    from web import gateway

    assert any(isinstance(route, Mount) for route in gateway.routes())
    monkeypatch.setenv("PINGPONG_EMBEDDED_SIMULATOR", "false")
    get_settings.cache_clear()
    try:
        assert not any(isinstance(route, Mount) for route in gateway.routes())
        assert not runs.is_embedded_simulator() and runs.base_url("sandbox") == REAL_SANDBOX_URL
        with pytest.raises(ValidationError):
            sandbox_accounts.ensure_sandbox_account(session, admin, merchant.id)
    finally:
        get_settings.cache_clear()
