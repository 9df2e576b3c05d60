"""What every page shares: the database session, the signed-in user, translation and messages."""

from collections.abc import Iterator
from contextlib import contextmanager

import streamlit as st
from sqlmodel import Session

from onboarding.accounts import auth
from onboarding.core import database
from onboarding.core.access import Actor, actor_for
from onboarding.core.config import get_settings
from onboarding.core.errors import DomainError
from onboarding.core.i18n import DEFAULT_LANGUAGE, translate
from onboarding.operations.startup import prepare


@st.cache_resource(show_spinner=False)
def _prepared(database_url: str) -> bool:
    prepare()
    return True


@contextmanager
def db() -> Iterator[Session]:
    """A database session for one page action (the database is migrated to head once per process)."""
    _prepared(get_settings().resolved_database_url)
    with database.session() as session:
        yield session


def language() -> str:
    """The language chosen in the sidebar (remembered on the user); before that, the browser's if we have it."""
    if "language" in st.session_state:
        return st.session_state["language"]
    # signed out, a Chinese browser gets the sign-in form in Chinese, and again after a refused sign-in
    return "zh" if (st.context.locale or "").lower().startswith("zh") else DEFAULT_LANGUAGE


def t(key: str, **params) -> str:
    """Translate `key` into the page's language."""
    return translate(key, language(), **params)


def _sso_email() -> str | None:
    try:
        return st.user.email if st.user.is_logged_in else None
    except Exception:  # no [auth] section configured: single sign-on is off
        return None


def current_actor() -> Actor | None:
    """The signed-in user, resolved in one place and kept in session state (which tests can seed).

    The session cookie is checked again on every run, so a sign-out elsewhere takes effect at once.
    """
    state = st.session_state
    token = st.context.cookies.get(auth.COOKIE_NAME) if st.context.cookies else None
    if "actor" in state and state.get("session_token") is None and not token:
        return state["actor"]
    if not token and not _sso_email():
        state.pop("actor", None)
        return None
    with db() as session:
        if token:
            user = auth.resolve(session, token)
        else:
            from onboarding.accounts.users import find_by_email

            user = find_by_email(session, _sso_email())
            user = user if user is not None and user.active and user.role in ("admin", "support") else None
        if user is None:
            for key in ("actor", "session_token"):
                state.pop(key, None)
            return None
        if state.get("actor") is None or state["actor"].id != user.id:
            state["language"] = user.language
        state["actor"] = actor_for(user)
        state["session_token"] = token
    return state["actor"]


def require_actor(staff: bool = False, admin: bool = False) -> Actor:
    """The signed-in user; stops the page for anyone not allowed here (the domain checks again)."""
    actor = current_actor()
    if actor is None or (staff and not actor.is_staff) or (admin and not actor.is_admin):
        st.error(t("error.page_not_allowed"), icon=":material/block:")
        st.stop()
    return actor


def sign_out() -> None:
    """Revoke this browser's session and forget the user."""
    token = st.session_state.get("session_token")
    if token:
        with db() as session:
            auth.sign_out(session, token)
    for key in ("actor", "session_token"):
        st.session_state.pop(key, None)


def error_text(error: DomainError) -> str:
    """A domain error as a message in the page's language (field names translated, what people typed inert)."""
    from ui.text import inert_params

    params = inert_params(**{k: v for k, v in error.params.items() if k != "field"})
    if "field" in error.params:
        params["field"] = t(f"field.{error.params['field']}")  # our own label, not typed text
    return t(error.key, **params)


def show_error(error: DomainError) -> None:
    """Show a domain error as a message the person can act on."""
    st.error(error_text(error), icon=":material/error:")


def flash(message: str) -> None:
    """Keep a success message to show after the next rerun."""
    st.session_state["flash"] = message


def show_flash() -> None:
    """Show (once) the message kept by `flash`."""
    message = st.session_state.pop("flash", None)
    if message:
        st.toast(message, icon=":material/check_circle:")
