"""Sign in: the first admin on a new install, invitations, and the e-mail and password form."""

import html
from urllib.parse import urlencode, urlsplit

import streamlit as st

from onboarding.accounts import invitations, password_reset, typed_input, users
from onboarding.core.errors import DomainError
from onboarding.core.i18n import catalogue
from ui.context import db, error_text, flash, show_error, show_flash, t
from ui.field_errors import FieldErrors
from ui.text import inert

show_flash()
FORM_STYLE = (
    "<style>.auth-form{display:flex;flex-direction:column;gap:10px;max-width:420px;font-family:'Source Sans Pro',"
    "sans-serif}.auth-form label{font-size:14px;color:#31333f}.auth-form input{padding:9px 10px;border:1px solid "
    "#8a93a6;border-radius:8px;font-size:15px;background:#f8f9fb;color:#1f2a44}.auth-form button{margin-top:6px;"
    "padding:10px;border:0;border-radius:8px;background:#1f5ed6;color:#fff;font-size:15px;font-weight:600;"
    "cursor:pointer}.auth-form .field-error{margin:-4px 0 2px;font-size:14px;color:#a4161a}"
    ".auth-form input[aria-invalid=true]{border-color:#a4161a}"
    ".auth-form .auth-link{font-size:14px;color:#1f5ed6;text-decoration:none;margin-top:2px}</style>"
)


def _field(name: str, label: str, kind: str = "text", value: str = "", extra: str = "", error: str = "") -> str:
    """A labelled input, with its error right below it (and tied to it for screen readers)."""
    described = f" aria-invalid='true' aria-describedby='{name}-error'" if error else ""
    below = f"<div class='field-error' id='{name}-error'>{html.escape(error)}</div>" if error else ""
    return (
        f"<label for='{name}'>{html.escape(label)}</label><input id='{name}' name='{name}' type='{kind}' "
        f"value='{html.escape(value, quote=True)}' {extra}{described}>{below}"
    )


def _typed() -> dict[str, str]:
    """What this browser typed into the form the server just refused."""
    return typed_input.decode((st.context.cookies or {}).get(typed_input.COOKIE))


def _come_back_to() -> str:
    """This page's own address (path and query), where signing in leads back to."""
    path = urlsplit(st.context.url or "").path or "/"
    query = {key: value for key, value in st.query_params.to_dict().items() if key != "login"}
    return path + (f"?{urlencode(query)}" if query else "")


def _first_admin() -> None:
    st.title(t("auth.first_admin_title"))
    st.write(t("auth.first_admin_body"))
    errors = FieldErrors()
    with st.form("first_admin"):
        name = st.text_input(t("auth.name"))
        errors.place("name")
        email = st.text_input(t("auth.email"))
        errors.place("email")
        password = st.text_input(t("auth.password"), type="password")
        errors.place("password")
        again = st.text_input(t("auth.password_again"), type="password")
        errors.place("password_again")
        if st.form_submit_button(t("auth.create_admin"), type="primary"):
            if errors.show(users.first_admin_problems(email, name, password, again)):
                return
            try:
                with db() as session:
                    users.create_first_admin(session, email, name, password)
            except DomainError as error:
                show_error(error)
            else:
                flash(t("auth.admin_created"))
                st.rerun()


def _accept_invitation(token: str) -> None:
    st.title(t("auth.invite_title"))
    try:
        with db() as session:
            invitation = invitations.find_open(session, token)
    except DomainError as error:
        show_error(error)
        st.page_link("pages/sign_in.py", label=t("auth.go_sign_in"), icon=":material/login:")
        return
    problem = st.query_params.get("error")
    # the address bar is anyone's to write: only known messages are shown, never its text
    if problem and f"error.{problem}" in catalogue("en"):
        st.error(t(f"error.{problem}", field=t("field.contact_name"), minimum=12, maximum=1024))
    st.write(t("auth.invite_body", email=inert(invitation.email)))

    def beside(field: str) -> str:
        key = st.query_params.get(f"error_{field}", "")
        known = key.startswith("error.") and key != t(key)
        return error_text(DomainError(key, field="person_name", minimum=12, maximum=1024)) if known else ""

    st.html(
        FORM_STYLE + "<form class='auth-form' method='post' action='/auth/accept-invite'>"
        f"<input type='hidden' name='token' value='{html.escape(token, quote=True)}'>"
        # not "name": the HTML sanitiser drops name attributes that would shadow form properties
        + _field(
            "full_name",
            t("auth.name"),
            value=_typed().get("full_name", ""),
            extra="required autocomplete='name'",
            error=beside("full_name"),
        )
        + _field(
            "password",
            t("auth.password_hint"),
            "password",
            extra="required minlength='12' autocomplete='new-password'",
            error=beside("password"),
        )
        + _field(
            "password_again",
            t("auth.password_again"),
            "password",
            extra="required minlength='12' autocomplete='new-password'",
            error=beside("password_again"),
        )
        + f"<button type='submit'>{html.escape(t('auth.set_password'))}</button></form>"
    )


def _link(href: str, label: str) -> str:
    return f"<a class='auth-link' href='{html.escape(href, quote=True)}'>{html.escape(label)}</a>"


def _forgot() -> None:
    st.title(t("reset.forgot_title"))
    st.write(t("reset.forgot_body"))
    if st.query_params.get("error") == "bad_email":
        st.error(t("error.bad_email", field=t("field.email")), icon=":material/error:")
    st.html(
        FORM_STYLE
        + "<form class='auth-form' method='post' action='/auth/forgot'>"
        + _field("email", t("auth.email"), "email", extra="required autocomplete='username'")
        + f"<button type='submit'>{html.escape(t('reset.send_link'))}</button>"
        + _link("/", t("reset.back_to_sign_in"))
        + "</form>"
    )


def _reset(token: str) -> None:
    st.title(t("reset.title"))
    try:
        with db() as session:
            password_reset.find_open(session, token)
    except DomainError as error:
        show_error(error)
        st.html(FORM_STYLE + f"<div class='auth-form'>{_link('/?forgot=1', t('reset.forgot_link'))}</div>")
        return
    problem = st.query_params.get("error")
    if problem and f"error.{problem}" in catalogue("en"):  # only known messages, never the address bar's text
        st.error(t(f"error.{problem}", minimum=12, maximum=1024), icon=":material/error:")
    st.write(t("reset.body"))
    st.html(
        FORM_STYLE + "<form class='auth-form' method='post' action='/auth/reset'>"
        f"<input type='hidden' name='token' value='{html.escape(token, quote=True)}'>"
        + _field(
            "password", t("auth.password_hint"), "password", extra="required minlength='12' autocomplete='new-password'"
        )
        + _field(
            "password_again",
            t("auth.password_again"),
            "password",
            extra="required minlength='12' autocomplete='new-password'",
        )
        + f"<button type='submit'>{html.escape(t('reset.save'))}</button></form>"
    )


def _sign_in() -> None:
    st.title(t("auth.sign_in_title"))
    st.caption(t("auth.sign_in_body"))
    failed = st.query_params.get("login") == "failed"
    if failed:
        st.error(t("auth.failed"), icon=":material/error:")
    if st.query_params.get("forgot") == "sent":
        st.info(t("reset.sent"), icon=":material/mark_email_read:")
    if st.query_params.get("reset") == "done":
        st.success(t("reset.done"), icon=":material/check_circle:")
    email = _typed().get("email", "")
    # after a refusal the e-mail is kept and the password asked for again
    focus = "autofocus" if not failed or not email else ""
    st.html(
        FORM_STYLE
        + "<form class='auth-form' method='post' action='/auth/login'>"
        + f"<input type='hidden' name='next' value='{html.escape(_come_back_to(), quote=True)}'>"
        + _field("email", t("auth.email"), "email", value=email, extra=f"required autocomplete='username' {focus}")
        + _field(
            "password",
            t("auth.password"),
            "password",
            extra="required autocomplete='current-password'" + ("" if focus else " autofocus"),
        )
        + f"<button type='submit'>{html.escape(t('auth.sign_in'))}</button>"
        + _link("/?forgot=1", t("reset.forgot_link"))
        + "</form>"
    )
    try:
        sso = bool(st.secrets.get("auth"))
    except Exception:  # no secrets file: single sign-on is off
        sso = False
    if sso:
        st.divider()
        if st.button(t("auth.sso"), icon=":material/badge:"):
            st.login()


with db() as session:
    first_run = users.needs_first_admin(session)
invite_token = st.query_params.get("invite")
if invite_token:
    _accept_invitation(invite_token)
elif first_run:
    _first_admin()
elif st.query_params.get("reset") == "1":
    _reset(st.query_params.get("token", ""))
elif st.query_params.get("forgot") == "1":
    _forgot()
else:
    _sign_in()
