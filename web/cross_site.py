"""Refusal of cross-site requests that change state, for every route of the app at once.

A browser says where a request comes from (`Sec-Fetch-Site`, `Origin`); a form on another site that posts to
the app (login CSRF, forged actions) is refused before any route sees it. Clients that are not browsers (the
gateway, the API's tools, curl) send neither header and cannot carry a victim's cookies, so they pass.
"""

from urllib.parse import urlsplit

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from onboarding.core.config import get_settings
from onboarding.core.logs import get_logger
from web import replies

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
SAME_ORIGIN_SITES = frozenset({"same-origin", "none"})

log = get_logger("cross_site")


def _netloc(url: str) -> str | None:
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    if not parts.scheme or not parts.hostname:
        return None
    default = {"http": 80, "https": 443}.get(parts.scheme.lower())
    host = parts.hostname.lower()
    host = f"[{host}]" if ":" in host else host
    return host if port in (None, default) else f"{host}:{port}"


def own_hosts(headers: Headers) -> set[str]:
    """The host names (with port) this app answers as: the Host of the request and PUBLIC_BASE_URL's."""
    hosts = set()
    host = headers.get("host", "").strip().lower()
    if host:
        hosts.add(host.removesuffix(":80").removesuffix(":443"))
    public = _netloc(get_settings().public_url)
    if public:
        hosts.add(public)
    return hosts


def is_cross_site(headers: Headers) -> bool:
    """Whether a browser sent this request from a page of another origin."""
    site = headers.get("sec-fetch-site")
    if site is not None and site.lower() not in SAME_ORIGIN_SITES:
        return True
    origin = headers.get("origin")
    if origin is None:
        return False
    return _netloc(origin) not in own_hosts(headers)


class CrossSiteGuard:
    """ASGI middleware: POST, PUT, PATCH and DELETE from another site get 403; `open_paths` are left alone."""

    def __init__(self, app: ASGIApp, open_paths: tuple[str, ...] = ()):
        self.app = app
        self.open_paths = frozenset(open_paths)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in SAFE_METHODS or scope["path"] in self.open_paths:
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        if is_cross_site(headers):
            log.warning(
                "cross-site request refused",
                extra={
                    "action": "cross_site_refused",
                    "path": scope["path"],
                    "origin": headers.get("origin"),
                    "site": headers.get("sec-fetch-site"),
                },
            )
            response = replies.refusal(scope["path"], headers, 403, "security.cross_site")
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)
