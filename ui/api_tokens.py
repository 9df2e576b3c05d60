"""The Admin page's panel for personal API tokens: create (shown once), list with last use, revoke."""

import streamlit as st

from onboarding.accounts import api_tokens
from onboarding.core.access import Actor
from onboarding.core.errors import DomainError
from ui.context import db, show_error, t
from ui.text import inert, show_text

CONFIRM_KEY = "api_token_confirm_revoke"


def _when(moment) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment else t("api_tokens.never_used")


def _create_form(actor: Actor) -> None:
    with st.form("api_token_create", clear_on_submit=True):
        label = st.text_input(t("api_tokens.label"), max_chars=api_tokens.MAX_LABEL, help=t("api_tokens.label_help"))
        submitted = st.form_submit_button(t("api_tokens.create"), icon=":material/key:")
    if not submitted:
        return
    try:
        with db() as session:
            row, plain = api_tokens.create_token(session, actor, label)
    except DomainError as error:
        show_error(error)
        return
    # shown in this run only: the next rerun no longer has the plain token anywhere
    st.success(t("api_tokens.created", label=inert(row.label)), icon=":material/key:")
    st.code(plain, language=None)


def _confirm_revoke(actor: Actor, token) -> None:
    st.warning(t("api_tokens.confirm_revoke", label=inert(token.label)), icon=":material/warning:")
    yes, no = st.columns(2)
    if yes.button(t("api_tokens.confirm"), key=f"api_token_yes_{token.id}", type="primary"):
        try:
            with db() as session:
                api_tokens.revoke_token(session, actor, token.id)
        except DomainError as error:
            show_error(error)
            return
        st.session_state.pop(CONFIRM_KEY, None)
        st.session_state["flash"] = t("api_tokens.revoked_done", label=inert(token.label))
        st.rerun()
    if no.button(t("api_tokens.cancel"), key=f"api_token_no_{token.id}"):
        st.session_state.pop(CONFIRM_KEY, None)
        st.rerun()


def render_api_tokens(actor: Actor) -> None:
    """Lay out the token panel for the signed-in staff member."""
    st.subheader(t("api_tokens.title"))
    if not actor.is_staff:
        st.info(t("api_tokens.staff_only"))
        return
    st.caption(t("api_tokens.intro", url="/api/v1/openapi.json"))
    _create_form(actor)
    with db() as session:
        tokens = api_tokens.list_tokens(session, actor)
    if not tokens:
        st.caption(t("api_tokens.none"))
        return
    widths = (3, 2, 2, 2, 2, 1)
    header = st.columns(widths)
    for column, key in zip(
        header, ("column_label", "column_token", "column_created", "column_last_used", "column_status"), strict=False
    ):
        column.markdown(f"**{t(f'api_tokens.{key}')}**")
    for token in tokens:
        label, prefix, created, used, status, action = st.columns(widths)
        with label:
            show_text(token.label)
        prefix.code(f"{token.prefix}…", language=None)
        created.write(_when(token.created_at))
        used.write(_when(token.last_used_at))
        revoked = token.revoked_at is not None
        status.write(t("api_tokens.revoked", when=_when(token.revoked_at)) if revoked else t("api_tokens.active"))
        if not revoked and action.button(t("api_tokens.revoke"), key=f"api_token_revoke_{token.id}"):
            st.session_state[CONFIRM_KEY] = token.id
        if st.session_state.get(CONFIRM_KEY) == token.id:
            _confirm_revoke(actor, token)
