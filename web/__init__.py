"""The HTTP face of the app: routes served beside the Streamlit UI (health, sign-in, API, gateway, simulator)."""

from starlette.middleware import Middleware
from starlette.routing import BaseRoute

# Signing out is never harmful, and refusing it would leave the person signed in (web/auth.py revokes it).
OPEN_TO_EVERY_ORIGIN = ("/auth/logout",)


def routes() -> list[BaseRoute]:
    """Every HTTP route of the app; each area contributes its own."""
    from web import api, auth, gateway, health, password_reset

    # the API's catch-all for unknown /api/v1/ paths comes last, so every route listed before it still answers
    return [
        *health.routes(),
        *auth.routes(),
        *password_reset.routes(),
        *gateway.routes(),
        *api.routes(),
        *api.fallback(),
    ]


def middleware() -> list[Middleware]:
    """What wraps every route, Streamlit's included: security headers, cross-site refusal, the body ceiling."""
    from web.bodies import BodyLimit
    from web.cross_site import CrossSiteGuard
    from web.security_headers import SecurityHeaders

    return [
        Middleware(SecurityHeaders),
        Middleware(CrossSiteGuard, open_paths=OPEN_TO_EVERY_ORIGIN),
        Middleware(BodyLimit),
    ]


def exception_handlers() -> dict:
    """A short answer for every failure, with the trace only in the log."""
    from web.incidents import handlers

    return handlers()
