"""HTTP routes of sign-in: POST /auth/login, /auth/logout and /auth/accept-invite (cookies need real responses)."""

import html
import re
from urllib.parse import quote, urlencode

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from onboarding.accounts import auth, invitations, typed_input
from onboarding.core import database
from onboarding.core.config import get_settings
from onboarding.core.errors import DomainError
from onboarding.core.i18n import translate

# Where sign-in may send the browser back to: "/" or one page of this app, with its query; never another site.
LOCAL_PAGE = re.compile(r"/[A-Za-z0-9_-]{0,64}(\?[A-Za-z0-9._~%!$&'()*+,;=:@/?-]{0,2000})?")


def local_page(value) -> str:
    """`value` if it is the address of a page of this app, else "/"."""
    value = str(value or "")
    return value if LOCAL_PAGE.fullmatch(value) else "/"


def with_query(path: str, **params) -> str:
    """`path` with `params` added to its query."""
    return f"{path}{'&' if '?' in path else '?'}{urlencode(params)}"


def _remember_typed(response: Response, request: Request, **values: str) -> None:
    response.set_cookie(
        typed_input.COOKIE,
        typed_input.encode(**values),
        max_age=typed_input.SECONDS,
        httponly=True,
        samesite="lax",
        path="/",
        secure=request.url.scheme == "https",
    )


def _set_cookie(response: Response, request: Request, token: str) -> None:
    response.set_cookie(
        auth.COOKIE_NAME,
        token,
        httponly=True,
        samesite="lax",
        path="/",
        secure=request.url.scheme == "https",
        max_age=int(get_settings().session_idle_hours * 3600) * 14,
    )


def _language(request: Request) -> str:
    return "zh" if request.headers.get("accept-language", "").lower().startswith("zh") else "en"


async def login(request: Request) -> Response:
    """Check e-mail and password; success sets the session cookie and redirects to the app."""
    form = await request.form()
    email, password = str(form.get("email", ""))[:320], str(form.get("password", ""))[:1024]
    back_to = local_page(form.get("next"))
    from starlette.concurrency import run_in_threadpool

    def attempt():
        with database.session() as session:
            return auth.sign_in(session, email, password)

    try:
        signed_in = await run_in_threadpool(attempt)
    except auth.LockedOut as locked:
        language = _language(request)
        message = html.escape(translate("auth.locked", language, time=locked.until.strftime("%H:%M UTC")))
        back = html.escape(translate("auth.back", language))
        return HTMLResponse(
            f"<!doctype html><meta charset=utf-8><title>429</title><body style='font-family:sans-serif;"
            f"max-width:36em;margin:4em auto'><h1>{message}</h1><p><a href='/'>{back}</a></p>",
            status_code=429,
        )
    except auth.LoginFailed:
        refused = RedirectResponse(with_query(back_to, login="failed"), status_code=303)
        _remember_typed(refused, request, email=email)
        return refused
    response = RedirectResponse(back_to, status_code=303)
    _set_cookie(response, request, signed_in.token)
    response.delete_cookie(typed_input.COOKIE, path="/")
    return response


async def logout(request: Request) -> Response:
    """Revoke the session and clear the cookie."""
    from starlette.concurrency import run_in_threadpool

    token = request.cookies.get(auth.COOKIE_NAME)

    def revoke():
        with database.session() as session:
            auth.sign_out(session, token)

    await run_in_threadpool(revoke)
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(auth.COOKIE_NAME, path="/")
    return response


async def accept_invite(request: Request) -> Response:
    """Use an invitation: create the account, sign it in, land in the portal."""
    from starlette.concurrency import run_in_threadpool

    form = await request.form()
    token = str(form.get("token", ""))[:200]
    name, password = str(form.get("full_name", ""))[:200], str(form.get("password", ""))[:1024]
    problems = invitations.acceptance_problems(name, password, str(form.get("password_again", ""))[:1024])
    if problems:
        refused = RedirectResponse(
            "/?" + urlencode([("invite", token), *((f"error_{field}", e.key) for field, e in problems.items())]),
            status_code=303,
        )
        _remember_typed(refused, request, full_name=name)
        return refused

    def use():
        with database.session() as session:
            user = invitations.accept(session, token, name, password)
            return auth.open_session(session, user)

    try:
        session_token = await run_in_threadpool(use)
    except DomainError as error:
        refused = RedirectResponse(
            f"/?invite={quote(token)}&error={quote(error.key.split('.', 1)[-1])}", status_code=303
        )
        _remember_typed(refused, request, full_name=name)
        return refused
    response = RedirectResponse("/", status_code=303)
    _set_cookie(response, request, session_token)
    response.delete_cookie(typed_input.COOKIE, path="/")
    return response


def routes() -> list[Route]:
    """The sign-in routes."""
    return [
        Route("/auth/login", login, methods=["POST"]),
        Route("/auth/logout", logout, methods=["POST"]),
        Route("/auth/accept-invite", accept_invite, methods=["POST"]),
    ]
