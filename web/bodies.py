"""Request bodies read with a size limit while they arrive, never buffered whole first.

Every route reads its body through `read` or `form` with its own limit; `BodyLimit` also caps every route that
forgets to (routes added later included), so no request can make the server hold more than the ceiling.
"""

from starlette.datastructures import FormData, Headers
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from web import replies

KIB = 1024
MIB = 1024 * KIB
# what any route may receive at most; Streamlit's own upload route keeps its own limit (server.maxUploadSize)
CEILING = 1 * MIB
FORM_FIELDS = 50
STREAMLIT_PREFIX = "/_stcore/"


class BodyTooLarge(HTTPException):
    """The body is over the route's limit: answered 413, whatever the route was doing with it."""

    def __init__(self, limit: int):
        super().__init__(status_code=413, detail=f"The request body is larger than {limit} bytes.")
        self.limit = limit


def _declared_length(headers: Headers) -> int | None:
    declared = headers.get("content-length")
    if declared is None:
        return None
    return int(declared) if declared.strip().isdigit() else -1


async def read(request: Request, limit: int) -> bytes:
    """The request body, refused (BodyTooLarge) as soon as it is known to be over `limit` bytes."""
    declared = _declared_length(request.headers)
    if declared is not None and (declared < 0 or declared > limit):
        raise BodyTooLarge(limit)
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge(limit)
        chunks.append(chunk)
    return b"".join(chunks)


async def form(request: Request, limit: int) -> FormData:
    """The submitted form fields (URL-encoded or multipart without files), read with `read`'s limit."""
    raw = await read(request, limit)

    async def replay() -> Message:
        return {"type": "http.request", "body": raw, "more_body": False}

    return await Request(request.scope, replay).form(max_files=0, max_fields=FORM_FIELDS)


class BodyLimit:
    """ASGI middleware: no request body outside Streamlit's own routes may exceed `ceiling` bytes."""

    def __init__(self, app: ASGIApp, ceiling: int = CEILING):
        self.app = app
        self.ceiling = ceiling

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(STREAMLIT_PREFIX):
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        declared = _declared_length(headers)
        if declared is not None and (declared < 0 or declared > self.ceiling):
            # answered before a byte of the body is read
            response = replies.refusal(scope["path"], headers, 413, "security.too_large", limit=self.ceiling // KIB)
            await response(scope, receive, send)
            return
        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.ceiling:
                    raise BodyTooLarge(self.ceiling)
            return message

        await self.app(scope, counted, send)
