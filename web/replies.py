"""Short answers a person or a client may see when a request is refused: JSON under /api/, a small page elsewhere."""

import html

from starlette.datastructures import Headers
from starlette.responses import HTMLResponse, JSONResponse, Response

from onboarding.core.i18n import translate


def language_of(headers: Headers) -> str:
    """The page language a browser asks for (Chinese or English)."""
    return "zh" if headers.get("accept-language", "").lower().startswith("zh") else "en"


# the simulator's gateway API, standalone and mounted in the app: its callers read the gateway's own JSON
GATEWAY_API = ("/v4/", "/sandbox/v4/")


def wants_json(path: str) -> bool:
    """Clients of the API and the gateway read JSON; people read pages."""
    return path.startswith("/api/")


def page(title: str, body: str, status: int, language: str = "en", headers: dict | None = None) -> HTMLResponse:
    """A small self-contained page (text escaped here) with a link back to the app."""
    back = html.escape(translate("security.back_to_app", language))
    return HTMLResponse(
        f"<!doctype html><html lang='{language}'><meta charset='utf-8'><title>{html.escape(title)}</title>"
        "<body style='font-family:system-ui,sans-serif;max-width:36em;margin:4em auto;padding:0 1em;color:#1f2a44'>"
        f"<h1 style='font-size:1.4em'>{html.escape(title)}</h1><p>{html.escape(body)}</p>"
        f"<p><a href='/'>{back}</a></p></body></html>",
        status_code=status,
        headers=headers,
    )


def refusal(path: str, headers: Headers, status: int, key: str, request_id: str | None = None, **params) -> Response:
    """A refusal in the client's form: the gateway's JSON for the simulator's API (an oversized body),
    `{"error", "request_id"}` JSON for the API, a page in its language otherwise."""
    if status == 413 and path.startswith(GATEWAY_API):
        from onboarding.gateway import codes
        from onboarding.gateway.simulator import engine

        reply = engine.unsigned_reply({}, codes.BAD_PARAMETER, translate(f"{key}.body", "en", **params))
        return JSONResponse(reply, status_code=status)
    if wants_json(path):
        body = {"error": translate(f"{key}.body", "en", **params)}
        if request_id:
            body["request_id"] = request_id
        return JSONResponse(body, status_code=status, headers={"X-Request-ID": request_id} if request_id else None)
    language = language_of(headers)
    return page(
        translate(f"{key}.title", language, **params), translate(f"{key}.body", language, **params), status, language
    )
