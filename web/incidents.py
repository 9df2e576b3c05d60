"""What every HTTP route answers when it fails: a short message (JSON under /api/), the trace only in the log."""

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response

from onboarding.core import incidents, storage
from onboarding.core.logs import new_request_id
from web import replies


def _request_id(request: Request) -> str | None:
    return request.headers.get("x-request-id", "")[:64] or None


async def unexpected(request: Request, error: Exception) -> Response:
    """Any exception no route handled: 503 when the disk is full, otherwise 500 naming the incident id."""
    incident = incidents.record(error, f"{request.method} {request.url.path}")
    if storage.is_full(error):
        return replies.refusal(request.url.path, request.headers, 503, "security.storage_full_http", incident=incident)
    return replies.refusal(request.url.path, request.headers, 500, "security.incident_http", incident=incident)


async def http_error(request: Request, error: HTTPException) -> Response:
    """Refusals raised by routing and routes (404, 405, 413, …): JSON for the API, plain text elsewhere."""
    headers = dict(error.headers or {})
    if error.status_code in (204, 304):
        return Response(status_code=error.status_code, headers=headers)
    if replies.wants_json(request.url.path):
        request_id = _request_id(request) or new_request_id()
        body = {"error": error.detail, "request_id": request_id}
        return JSONResponse(body, status_code=error.status_code, headers={**headers, "X-Request-ID": request_id})
    return PlainTextResponse(error.detail, status_code=error.status_code, headers=headers)


def handlers() -> dict:
    """The exception handlers of the whole app."""
    return {Exception: unexpected, HTTPException: http_error}
