"""HTTP routes of a forgotten password: POST /auth/forgot (mail a link) and POST /auth/reset (use it)."""

import html
from urllib.parse import parse_qs, quote

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from onboarding.accounts import auth, password_reset, rate_limits
from onboarding.core import database
from onboarding.core.errors import DomainError, NotFound, ValidationError
from onboarding.core.i18n import translate
from onboarding.core.validation import validate_email

MAX_FORM_BYTES = 8 * 1024  # an e-mail, a token and two passwords fit many times over
FORM_TYPE = "application/x-www-form-urlencoded"
# These refusals mean the link itself is wrong: they count towards the lockout, a weak password does not.
TOKEN_ERRORS = ("error.reset_unknown", "error.reset_used", "error.reset_expired")


class FormRefused(Exception):
    """The body is not a small url-encoded form; `response` says why."""

    def __init__(self, response: Response):
        super().__init__(response.status_code)
        self.response = response


async def read_form(request: Request) -> dict[str, str]:
    """The url-encoded form of the request, read up to MAX_FORM_BYTES (first value of each field)."""
    if request.headers.get("content-type", "").split(";")[0].strip().lower() != FORM_TYPE:
        raise FormRefused(PlainTextResponse("Send the form as application/x-www-form-urlencoded.", 415))
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_FORM_BYTES:
        raise FormRefused(PlainTextResponse("The form is too large.", 413))
    body = bytearray()
    async for chunk in request.stream():
        body.extend(chunk)
        if len(body) > MAX_FORM_BYTES:
            raise FormRefused(PlainTextResponse("The form is too large.", 413))
    fields = parse_qs(body.decode("utf-8", errors="replace"), keep_blank_values=True, max_num_fields=20)
    return {name: values[0] for name, values in fields.items()}


def _language(request: Request) -> str:
    return "zh" if request.headers.get("accept-language", "").lower().startswith("zh") else "en"


def _limited(request: Request, limited: rate_limits.Limited) -> HTMLResponse:
    language = _language(request)
    message = html.escape(translate("reset.locked", language, time=limited.until.strftime("%H:%M UTC")))
    back = html.escape(translate("auth.back", language))
    return HTMLResponse(
        f"<!doctype html><meta charset=utf-8><title>429</title><body style='font-family:sans-serif;"
        f"max-width:36em;margin:4em auto'><h1>{message}</h1><p><a href='/'>{back}</a></p>",
        status_code=429,
    )


def _wake_mail_worker() -> None:
    """Send the new mail now rather than at the worker's next round."""
    from onboarding.notifications.worker import ensure_worker

    ensure_worker()


async def forgot(request: Request) -> Response:
    """Mail a reset link if the address has an account; the answer is the same either way."""
    try:
        form = await read_form(request)
    except FormRefused as refused:
        return refused.response
    email = form.get("email", "")[: password_reset.MAX_EMAIL]
    try:
        validate_email(email, field="email")
    except ValidationError:
        return RedirectResponse("/?forgot=1&error=bad_email", status_code=303)

    def ask() -> bool:
        with database.session() as session:
            rate_limits.count(session, f"forgot:{password_reset.normalise(email)}")
            return password_reset.request_reset(session, email)

    try:
        queued = await run_in_threadpool(ask)
    except rate_limits.Limited as limited:
        return _limited(request, limited)
    if queued:
        _wake_mail_worker()
    return RedirectResponse("/?forgot=sent", status_code=303)


async def reset(request: Request) -> Response:
    """Set the new password with a reset link's token, end every session of the user, send them to sign in."""
    try:
        form = await read_form(request)
    except FormRefused as refused:
        return refused.response
    token, password = form.get("token", "")[:200], form.get("password", "")[:1024]
    back = f"/?reset=1&token={quote(token)}"
    if "password_again" in form and form["password_again"][:1024] != password:
        return RedirectResponse(f"{back}&error=passwords_differ", status_code=303)
    client = f"reset:{request.client.host if request.client else 'unknown'}"

    def use() -> None:
        with database.session() as session:
            rate_limits.check(session, client)
            try:
                password_reset.reset(session, token, password)
            except (NotFound, ValidationError) as error:
                session.rollback()
                if error.key in TOKEN_ERRORS:
                    rate_limits.count(session, client)
                raise
            rate_limits.clear(session, client)
            session.commit()

    try:
        await run_in_threadpool(use)
    except rate_limits.Limited as limited:
        return _limited(request, limited)
    except DomainError as error:
        return RedirectResponse(f"{back}&error={quote(error.key.split('.', 1)[-1])}", status_code=303)
    response = RedirectResponse("/?reset=done", status_code=303)
    response.delete_cookie(auth.COOKIE_NAME, path="/")
    return response


def routes() -> list[Route]:
    """The password reset routes."""
    return [
        Route("/auth/forgot", forgot, methods=["POST"]),
        Route("/auth/reset", reset, methods=["POST"]),
    ]
