"""Entry point: HTTP routes beside the UI (st.App), and navigation built by role."""

import re
from contextlib import asynccontextmanager
from functools import partial
from pathlib import Path
from urllib.parse import urlsplit

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager

from onboarding.operations.startup import prepare
from web import exception_handlers, middleware, routes

# Streamlit's older page discovery would run a file of pages/ alone on the first request to its URL and list every
# file there in the sidebar (streamlit/streamlit issues 9624, 8860); the role-built navigation below is the only one.
PagesManager.uses_pages_directory = False
# The favicon is a file of the app: a Material icon would be fetched from an outside font host.
ICON = Path(__file__).resolve().parent / "ui" / "icon.svg"
PAGE_NAME = re.compile(r"[A-Za-z0-9_-]{1,64}")


def _no_external_ip_lookup() -> None:
    """Streamlit asks a public web service for the machine's address (start banner, WebSocket origin check).

    Starting or using the app must send nothing to outside services, so that lookup finds nothing.
    """
    from streamlit import net_util

    net_util.get_external_ip = lambda: None


_no_external_ip_lookup()


@asynccontextmanager
async def lifespan(_app):
    """Check the process file and migrate before the first request; resume pending simulator notifications and mail."""
    from onboarding.gateway.simulator.delivery import ensure_worker
    from onboarding.notifications import worker

    prepare()
    ensure_worker()
    worker.ensure_worker()
    yield


def _remember_language() -> None:
    """Switch the page language at once and remember it on the user."""
    from onboarding.accounts.users import set_language
    from ui.context import current_actor, db

    choice = st.session_state["language_choice"]
    st.session_state["language"] = choice
    actor = current_actor()
    if actor is not None:
        with db() as session:
            set_language(session, actor, choice)


def _pages(actor, t) -> dict:
    """The pages this user may open; other roles' pages are not even named."""
    if actor is None:
        return {"": [st.Page("pages/sign_in.py", title=t("nav.sign_in"), icon=":material/login:", default=True)]}
    if actor.role == "merchant":
        return {"": [st.Page("pages/portal.py", title=t("nav.portal"), icon=":material/storefront:", default=True)]}
    from ui.notifications import my_work_count

    waiting = my_work_count(actor)
    work = [
        st.Page("pages/pipeline.py", title=t("nav.pipeline"), icon=":material/view_kanban:", default=True),
        st.Page(
            "pages/my_work.py",
            title=t("nav.my_work_count", count=waiting) if waiting else t("nav.my_work"),
            icon=":material/inbox:",
            url_path="my-work",
        ),
        st.Page("pages/review_queue.py", title=t("nav.review_queue"), icon=":material/fact_check:", url_path="review"),
        st.Page(
            "pages/attention.py",
            title=t("nav.attention"),
            icon=":material/notification_important:",
            url_path="attention",
        ),
        st.Page("pages/merchant.py", title=t("nav.merchant"), icon=":material/storefront:", url_path="merchant"),
        st.Page(
            "pages/new_merchant.py",
            title=t("nav.new_merchant"),
            icon=":material/add_business:",
            url_path="new-merchant",
        ),
    ]
    tools = [
        st.Page(
            "pages/test_transactions.py",
            title=t("nav.test_transactions"),
            icon=":material/credit_card:",
            url_path="test-transactions",
        ),
        st.Page("pages/analytics.py", title=t("nav.analytics"), icon=":material/insights:", url_path="analytics"),
    ]
    if actor.is_admin:
        tools.append(
            st.Page("pages/admin.py", title=t("nav.admin"), icon=":material/admin_panel_settings:", url_path="admin")
        )
    return {t("nav.section_work"): work, t("nav.section_tools"): tools}


def _requested_page() -> str:
    """The page name the browser's address asks for ("" for the app's root)."""
    url = st.context.url or ""
    path = urlsplit(url).path
    base = "/" + (st.get_option("server.baseUrlPath") or "").strip("/")
    path = path[len(base) :] if base != "/" and path.startswith(base) else path
    return path.strip("/")


def _no_such_page(home) -> None:
    """What a signed-in user sees at an address that is no page of theirs (without naming other roles' pages)."""
    from ui.context import t

    st.title(t("ux.no_page_title"))
    st.info(t("ux.no_page_body"), icon=":material/explore_off:")
    st.page_link(home, label=t("ux.no_page_home"), icon=":material/home:")


def _every_address(pages: dict, actor, t) -> dict:
    """The role's pages, plus a hidden page at the address asked for when the role has no page there."""
    # Signed out it is the sign-in form, which leads back to this address; signed in, a short notice. Either
    # way Streamlit never shows its "Page not found" dialog, and a shared link survives signing in.
    requested = _requested_page()
    every = [page for section in pages.values() for page in section]
    # the home page answers at "/" but keeps its own name too, which no other page may take
    known = {getattr(page, "_url_path", page.url_path) for page in every} | {page.url_path for page in every}
    if not requested or requested in known or not PAGE_NAME.fullmatch(requested):
        return pages
    if actor is None:
        stand_in = st.Page("pages/sign_in.py", title=t("nav.sign_in"), url_path=requested, visibility="hidden")
    else:
        home = next((page for page in every if page.url_path == ""), every[0])
        notice = partial(_no_such_page, home)
        stand_in = st.Page(notice, title=t("ux.no_page_title"), url_path=requested, visibility="hidden")
    first = next(iter(pages))
    return {**pages, first: [*pages[first], stand_in]}


def main() -> None:
    from onboarding.core.i18n import LANGUAGES
    from ui import house_style
    from ui.context import current_actor, language, sign_out, t
    from ui.text import inert

    st.set_page_config(page_title="PingPong Onboarding", page_icon=str(ICON), layout="wide")
    actor = current_actor()
    house_style.apply(language())
    pages = _every_address(_pages(actor, t), actor, t)
    navigation = st.navigation(pages, position="hidden" if actor is None else "sidebar")
    with st.sidebar:
        if actor is not None:
            st.caption(t("sidebar.signed_in_as", name=inert(actor.name), role=t(f"role.{actor.role}")))
            if st.button(t("sidebar.sign_out"), icon=":material/logout:"):
                sign_out()
                st.rerun()
        st.session_state["language_choice"] = language()
        st.selectbox(
            t("sidebar.language"),
            list(LANGUAGES),
            format_func=LANGUAGES.get,
            key="language_choice",
            on_change=_remember_language,
        )
    navigation.run()


if __name__ == "__main__":
    main()
else:
    from ui.incidents import on_script_error

    app = st.App(
        __file__,
        routes=routes(),
        middleware=middleware(),
        exception_handlers=exception_handlers(),
        on_script_error=on_script_error,
        lifespan=lifespan,
    )
