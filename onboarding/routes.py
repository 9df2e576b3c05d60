"""HTTP routes served beside the Streamlit UI (no Streamlit import here)."""

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Route

from models.db import probe
from onboarding.config import get_settings


async def health(_request: Request) -> JSONResponse:
    """200 when the database answers, 503 naming the failing part otherwise."""
    try:
        probe(get_settings().resolved_database_url)
    except Exception as error:  # any failure of the database means "not healthy"
        return JSONResponse({"status": "error", "database": f"error: {type(error).__name__}"}, status_code=503)
    return JSONResponse({"status": "ok", "database": "ok"})


def routes() -> list[BaseRoute]:
    """Every HTTP route of the app; each area contributes its own."""
    from onboarding import api, auth_routes, gateway

    return [Route("/api/health", health, methods=["GET"]), *auth_routes.routes(), *gateway.routes(), *api.routes()]
