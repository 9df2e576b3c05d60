"""Sign in: the first admin on a new install, invitations, and the e-mail and password form."""

import html

import streamlit as st

from onboarding.accounts import invitations, users
from onboarding.core.errors import DomainError
from onboarding.core.i18n import catalogue
from ui.context import db, flash, show_error, show_flash, t
from ui.text import inert

show_flash()
FORM_STYLE = (
    "<style>.auth-form{display:flex;flex-direction:column;gap:10px;max-width:420px;font-family:'Source Sans Pro',"
    "sans-serif}.auth-form label{font-size:14px;color:#31333f}.auth-form input{padding:9px 10px;border:1px solid "
    "#d0d4dc;border-radius:8px;font-size:15px;background:#f8f9fb}.auth-form button{margin-top:6px;padding:10px;"
    "border:0;border-radius:8px;background:#2f6fed;color:#fff;font-size:15px;font-weight:600;cursor:pointer}</style>"
)


def _field(name: str, label: str, kind: str = "text", value: str = "", extra: str = "") -> str:
    return (
        f"<label for='{name}'>{html.escape(label)}</label><input id='{name}' name='{name}' type='{kind}' "
        f"value='{html.escape(value, quote=True)}' {extra}>"
    )


def _first_admin() -> None:
    st.title(t("auth.first_admin_title"))
    st.write(t("auth.first_admin_body"))
    with st.form("first_admin"):
        name = st.text_input(t("auth.name"))
        email = st.text_input(t("auth.email"))
        password = st.text_input(t("auth.password"), type="password")
        again = st.text_input(t("auth.password_again"), type="password")
        if st.form_submit_button(t("auth.create_admin"), type="primary"):
            if password != again:
                st.error(t("error.passwords_differ"))
            else:
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
    st.html(
        FORM_STYLE + "<form class='auth-form' method='post' action='/auth/accept-invite'>"
        f"<input type='hidden' name='token' value='{html.escape(token, quote=True)}'>"
        # not "name": the HTML sanitiser drops name attributes that would shadow form properties
        + _field("full_name", t("auth.name"), extra="required autocomplete='name'")
        + _field(
            "password", t("auth.password_hint"), "password", extra="required minlength='12' autocomplete='new-password'"
        )
        + _field(
            "password_again",
            t("auth.password_again"),
            "password",
            extra="required minlength='12' autocomplete='new-password'",
        )
        + f"<button type='submit'>{html.escape(t('auth.set_password'))}</button></form>"
    )


def _sign_in() -> None:
    st.title(t("auth.sign_in_title"))
    st.caption(t("auth.sign_in_body"))
    if st.query_params.get("login") == "failed":
        st.error(t("auth.failed"), icon=":material/error:")
    st.html(
        FORM_STYLE
        + "<form class='auth-form' method='post' action='/auth/login'>"
        + _field("email", t("auth.email"), "email", extra="required autocomplete='username'")
        + _field("password", t("auth.password"), "password", extra="required autocomplete='current-password'")
        + f"<button type='submit'>{html.escape(t('auth.sign_in'))}</button></form>"
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
else:
    _sign_in()
