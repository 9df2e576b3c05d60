"""The HTTP face of the app: routes served beside the Streamlit UI (health, sign-in, API, gateway, simulator)."""

from starlette.routing import BaseRoute


def routes() -> list[BaseRoute]:
    """Every HTTP route of the app; each area contributes its own."""
    from web import api, auth, gateway, health

    return [*health.routes(), *auth.routes(), *gateway.routes(), *api.routes()]
