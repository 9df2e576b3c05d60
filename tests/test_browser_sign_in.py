"""In a real browser: the session cookie opens the app after a reload and in a new tab; sign-out ends it."""

from models.db import session_for
from onboarding.accounts.users import SYSTEM, create_user
from tests.browser import needs_chromium
from tools.chromium import chromium_browser, sign_in


def _lead(server) -> None:
    with session_for(f"sqlite:///{server['data_dir'] / 'onboarding.db'}") as session:
        create_user(
            session,
            SYSTEM,
            email="lead@support.example.com",
            name="Mei Lin",
            role="admin",
            password="correct horse battery staple",
        )


@needs_chromium
def test_sign_in_survives_a_reload_and_a_new_tab_and_sign_out_ends_it(server):
    _lead(server)
    with chromium_browser() as browser:
        context = browser.new_context()
        page = context.new_page()
        sign_in(page, server["url"], "lead@support.example.com", "correct horse battery staple")
        page.wait_for_selector("text=Onboarding pipeline", timeout=60000)
        cookie = next(c for c in context.cookies() if c["name"] == "onboarding_session")
        assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"
        page.reload()
        page.wait_for_selector("text=Onboarding pipeline", timeout=60000)
        second = context.new_page()
        second.goto(f"{server['url']}/")
        second.wait_for_selector("text=Signed in as Mei Lin", timeout=60000)
        second.get_by_role("button", name="Sign out").click()
        second.wait_for_selector("form.auth-form", timeout=60000)
        page.reload()
        page.wait_for_selector("form.auth-form", timeout=60000)


@needs_chromium
def test_wrong_password_shows_a_message_in_the_page(server):
    _lead(server)
    with chromium_browser() as browser:
        page = browser.new_page()
        sign_in(page, server["url"], "lead@support.example.com", "not my password at all")
        page.wait_for_selector("text=E-mail or password is wrong", timeout=60000)


@needs_chromium
def test_a_first_request_to_a_page_url_never_shows_streamlits_own_page_list(server):
    _lead(server)
    with chromium_browser() as browser:
        page = browser.new_page()
        page.goto(f"{server['url']}/merchant?id=1")  # the server's very first script run
        page.wait_for_selector("form.auth-form", timeout=60000)
        sidebar = page.inner_text("[data-testid='stSidebar']")
        for file_name in ("merchant", "pipeline", "admin", "review queue", "sign in", "app"):
            assert file_name not in sidebar.lower().split("\n")
        assert page.query_selector("[data-testid='stSidebarNav']") is None
