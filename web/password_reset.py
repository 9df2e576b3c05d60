"""HTTP routes of a forgotten password: POST /auth/forgot (mail a link) and POST /auth/reset (use it)."""

from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from onboarding.accounts import auth, password_reset, rate_limits
from onboarding.core import database
from onboarding.core.errors import DomainError, NotFound, ValidationError
from onboarding.core.i18n import translate
from onboarding.core.validation import validate_email
from web import bodies, replies

FORM_LIMIT = 8 * bodies.KIB  # an e-mail, a token and two passwords fit many times over
# These refusals mean the link itself is wrong: they count towards the lockout, a weak password does not.
TOKEN_ERRORS = ("error.reset_unknown", "error.reset_used", "error.reset_expired")


def _field(form, name: str, limit: int) -> str:
    return str(form.get(name, ""))[:limit]


def _limited(request: Request, limited: rate_limits.Limited) -> Response:
    language = replies.language_of(request.headers)
    return replies.page(
        translate("reset.locked", language, time=limited.until.strftime("%H:%M UTC")), "", 429, language
    )


def _wake_mail_worker() -> None:
    """Send the new mail now rather than at the worker's next round."""
    from onboarding.notifications.worker import ensure_worker

    ensure_worker()


async def forgot(request: Request) -> Response:
    """Mail a reset link if the address has an account; the answer is the same either way."""
    form = await bodies.form(request, FORM_LIMIT)
    email = _field(form, "email", password_reset.MAX_EMAIL)
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
    form = await bodies.form(request, FORM_LIMIT)
    token, password = _field(form, "token", 200), _field(form, "password", 1024)
    back = f"/?reset=1&token={quote(token)}"
    if "password_again" in form and _field(form, "password_again", 1024) != password:
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
