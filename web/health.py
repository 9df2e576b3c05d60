"""GET /api/health: whether this instance can serve (the database answers)."""

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Route

from models.db import probe
from onboarding.core.config import get_settings


async def health(_request: Request) -> JSONResponse:
    """200 when the database answers, 503 naming the failing part otherwise."""
    try:
        probe(get_settings().resolved_database_url)
    except Exception as error:  # any failure of the database means "not healthy"
        return JSONResponse({"status": "error", "database": f"error: {type(error).__name__}"}, status_code=503)
    return JSONResponse({"status": "ok", "database": "ok"})


def routes() -> list[BaseRoute]:
    """The health route."""
    return [Route("/api/health", health, methods=["GET"])]
