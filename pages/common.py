"""What every page shares: the database session, the acting user, translation and messages."""

from collections.abc import Iterator
from contextlib import contextmanager

import streamlit as st
from sqlmodel import Session

from models.db import session_for
from onboarding.access import Actor, actor_for
from onboarding.config import get_settings
from onboarding.errors import DomainError
from onboarding.i18n import DEFAULT_LANGUAGE, translate
from onboarding.startup import prepare
from onboarding.users import ensure_local_admin


@st.cache_resource(show_spinner=False)
def _prepared(database_url: str) -> bool:
    prepare()
    return True


def database_url() -> str:
    """The configured database, migrated to head once per process."""
    url = get_settings().resolved_database_url
    _prepared(url)
    return url


@contextmanager
def db() -> Iterator[Session]:
    """A database session for one page action."""
    with session_for(database_url()) as session:
        yield session


def language() -> str:
    """The language chosen in the sidebar (remembered on the user)."""
    return st.session_state.get("language", DEFAULT_LANGUAGE)


def t(key: str, **params) -> str:
    """Translate `key` into the page's language."""
    return translate(key, language(), **params)


def current_actor() -> Actor:
    """The signed-in user, resolved once per browser session and kept in session state."""
    if "actor" not in st.session_state:
        with db() as session:
            user = ensure_local_admin(session)
            st.session_state["actor"] = actor_for(user)
            st.session_state.setdefault("language", user.language)
    return st.session_state["actor"]


def show_error(error: DomainError) -> None:
    """Show a domain error as a message the person can act on."""
    st.error(t(error.key, **{k: t(f"field.{v}") if k == "field" else v for k, v in error.params.items()}),
             icon=":material/error:")


def flash(message: str) -> None:
    """Keep a success message to show after the next rerun."""
    st.session_state["flash"] = message


def show_flash() -> None:
    """Show (once) the message kept by `flash`."""
    message = st.session_state.pop("flash", None)
    if message:
        st.toast(message, icon=":material/check_circle:")
