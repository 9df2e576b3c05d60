"""GET /api/health: whether this instance can serve (the database answers, the data directory takes writes)."""

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Route

from models.db import probe
from onboarding.core import storage
from onboarding.core.config import get_settings


def _checks() -> dict[str, str]:
    settings = get_settings()
    results = {}
    try:
        probe(settings.resolved_database_url)
        results["database"] = "ok"
    except Exception as error:  # any failure of the database means "not healthy"
        results["database"] = f"error: {type(error).__name__}"
    try:
        storage.check_writable(settings.data_dir)
        results["storage"] = "ok"
    except OSError as error:
        results["storage"] = "error: full" if storage.is_full(error) else f"error: {type(error).__name__}"
    return results


async def health(_request: Request) -> JSONResponse:
    """200 when every part is ok, 503 naming the failing part otherwise."""
    results = await run_in_threadpool(_checks)
    healthy = all(value == "ok" for value in results.values())
    return JSONResponse({"status": "ok" if healthy else "error", **results}, status_code=200 if healthy else 503)


def routes() -> list[BaseRoute]:
    """The health route."""
    return [Route("/api/health", health, methods=["GET"])]
