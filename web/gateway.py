"""HTTP of the gateway area: the notification receiver, and the embedded simulator under /sandbox."""

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import BaseRoute, Mount, Route

from onboarding.core import database
from onboarding.core.config import get_settings
from onboarding.gateway import notifications
from onboarding.gateway.runs import NOTIFY_PATH
from web import bodies

SIMULATOR_PREFIX = "/sandbox"


def _receive(raw: bytes, source: str | None) -> bool:
    with database.session() as session:
        return notifications.receive(session, raw, source)


async def notify(request: Request) -> PlainTextResponse:
    """POST /api/pingpong/notify: 200 OK for a verified notification (also a repeat), 401 for a bad signature."""
    try:
        raw = await bodies.read(request, notifications.MAX_BODY)
    except bodies.BodyTooLarge:
        return PlainTextResponse("too large", status_code=413)
    source = request.client.host if request.client else None
    if await run_in_threadpool(_receive, raw, source):
        return PlainTextResponse("OK")
    return PlainTextResponse("invalid signature", status_code=401)


def routes() -> list[BaseRoute]:
    """Notifications, and the simulator under /sandbox when sandbox calls use it."""
    from web.simulator import create_app

    served: list[BaseRoute] = [Route(NOTIFY_PATH, notify, methods=["POST"])]
    # with a real sandbox configured, or the simulator turned off, it is not exposed at all
    if get_settings().embedded_simulator:
        served.append(Mount(SIMULATOR_PREFIX, app=create_app()))
    return served
