"""HTTP routes of sign-in: POST /auth/login, /auth/logout and /auth/accept-invite (cookies need real responses).

Cross-site posts never reach these routes (web/cross_site.py), except sign-out, which is safe from anywhere.
"""

import html
import re
from urllib.parse import quote, urlencode

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from onboarding.accounts import auth, invitations, typed_input
from onboarding.core import database
from onboarding.core.config import get_settings
from onboarding.core.errors import DomainError
from onboarding.core.i18n import translate
from web import bodies, replies

# e-mail (320), password (1,024), name and token, URL-encoded: far below this
FORM_LIMIT = 16 * bodies.KIB


def secure_cookies(request: Request) -> bool:
    """Cookies are Secure whenever people reach the app over https (also behind a TLS proxy)."""
    return request.url.scheme == "https" or get_settings().public_url.startswith("https://")


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
        secure=secure_cookies(request),
        max_age=int(get_settings().session_idle_hours * 3600) * 14,
    )


async def login(request: Request) -> Response:
    """Check e-mail and password; success sets the session cookie and redirects to the app."""
    form = await bodies.form(request, FORM_LIMIT)
    email, password = str(form.get("email", ""))[:320], str(form.get("password", ""))[:1024]
    back_to = local_page(form.get("next"))

    def attempt():
        with database.session() as session:
            return auth.sign_in(session, email, password)

    try:
        signed_in = await run_in_threadpool(attempt)
    except auth.LockedOut as locked:
        language = replies.language_of(request.headers)
        message = translate("auth.locked", language, time=locked.until.strftime("%H:%M UTC"))
        return replies.page(message, "", 429, language)
    except auth.LoginFailed:
        refused = RedirectResponse(with_query(back_to, login="failed"), status_code=303)
        _remember_typed(refused, request, email=email)
        return refused
    response = RedirectResponse(back_to, status_code=303)
    _set_cookie(response, request, signed_in.token)
    response.delete_cookie(typed_input.COOKIE, path="/")
    return response


def _confirm_sign_out(request: Request) -> Response:
    """A page of the app's own origin whose button signs out with the cookie the browser withheld cross-site."""
    language = replies.language_of(request.headers)
    say = lambda key: html.escape(translate(key, language))  # noqa: E731
    return Response(
        f"<!doctype html><html lang='{language}'><meta charset='utf-8'><title>{say('security.sign_out.title')}"
        "</title><body style='font-family:system-ui,sans-serif;max-width:36em;margin:4em auto;padding:0 1em'>"
        f"<h1 style='font-size:1.4em'>{say('security.sign_out.title')}</h1><p>{say('security.sign_out.body')}</p>"
        f"<form method='post' action='/auth/logout'><button type='submit'>{say('security.sign_out.button')}"
        "</button></form></body></html>",
        media_type="text/html",
    )


async def logout(request: Request) -> Response:
    """Revoke the session and clear the cookie, whatever the origin; the cookie is only cleared once revoked."""
    await bodies.read(request, FORM_LIMIT)
    token = request.cookies.get(auth.COOKIE_NAME)
    if not token:
        # a cross-site post does not carry the (SameSite) cookie: clearing it here would leave the session valid
        return _confirm_sign_out(request)

    def revoke():
        with database.session() as session:
            auth.sign_out(session, token)

    await run_in_threadpool(revoke)
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(auth.COOKIE_NAME, path="/", secure=secure_cookies(request), httponly=True, samesite="lax")
    return response


async def accept_invite(request: Request) -> Response:
    """Use an invitation: create the account, sign it in, land in the portal."""
    form = await bodies.form(request, FORM_LIMIT)
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
