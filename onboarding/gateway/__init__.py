"""PingPong Checkout v4: signature, client, the embedded sandbox simulator and the notification receiver."""

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import BaseRoute, Mount, Route

SIMULATOR_PREFIX = "/sandbox"
NOTIFY_PATH = "/api/pingpong/notify"


def _receive(raw: bytes) -> bool:
    from models.db import session_for
    from onboarding.config import get_settings
    from onboarding.gateway.notifications import receive

    with session_for(get_settings().resolved_database_url) as session:
        return receive(session, raw)


async def notify(request: Request) -> PlainTextResponse:
    """POST /api/pingpong/notify: 200 OK for a verified notification (also a repeat), 401 for a bad signature."""
    from onboarding.gateway.notifications import MAX_BODY

    raw = await request.body()
    if len(raw) > MAX_BODY:
        return PlainTextResponse("too large", status_code=413)
    if await run_in_threadpool(_receive, raw):
        return PlainTextResponse("OK")
    return PlainTextResponse("invalid signature", status_code=401)


def routes() -> list[BaseRoute]:
    """HTTP routes of the gateway area: notifications, and the simulator under /sandbox when sandbox calls use it."""
    from onboarding.config import get_settings
    from onboarding.gateway.simulator.app import create_app

    served: list[BaseRoute] = [Route(NOTIFY_PATH, notify, methods=["POST"])]
    # with a real sandbox configured, nobody needs the simulator, so it is not exposed at all
    if get_settings().pingpong_sandbox_base_url is None:
        served.append(Mount(SIMULATOR_PREFIX, app=create_app()))
    return served


def start_background() -> None:
    """Start the simulator's notification worker now, so pending notifications resume right after a restart."""
    from onboarding.gateway.simulator.delivery import ensure_worker

    ensure_worker()
