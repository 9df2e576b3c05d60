"""Links survive sign-in: any app address answers with the sign-in form and leads back there, never elsewhere."""

import httpx
import pytest

from models.db import session_for
from onboarding.accounts import auth, typed_input
from onboarding.accounts.users import SYSTEM, create_user
from tests.browser import needs_chromium
from tools.chromium import chromium_browser, wait_until_drawn
from web.auth import local_page

PASSWORD = "correct horse battery staple"


@pytest.fixture
def lead(server):
    with session_for(f"sqlite:///{server['data_dir'] / 'onboarding.db'}") as session:
        create_user(session, SYSTEM, email="lead@support.example.com", name="Mei Lin", role="admin", password=PASSWORD)
    return server


def _login(base: str, password: str, next_page: str | None) -> httpx.Response:
    form = {"email": "lead@support.example.com", "password": password}
    if next_page is not None:
        form["next"] = next_page
    return httpx.post(f"{base}/auth/login", data=form, timeout=20)


@pytest.mark.parametrize(
    "address", ["/", "/merchant?id=12", "/review?mine=1&kind=image", "/new-merchant", "/analytics?from=2026-01-01"]
)
def test_a_page_of_the_app_is_a_place_to_come_back_to(address):
    assert local_page(address) == address


@pytest.mark.parametrize(
    "address",
    [
        "https://evil.example.com/",
        "//evil.example.com/merchant",
        "/\\evil.example.com",
        "/merchant/../../etc",
        "http:/evil.example.com",
        "javascript:alert(1)",
        "/merchant?id=1\r\nSet-Cookie: x=1",
        "/merchant?id=1#fragment",
        "merchant",
        "",
        None,
        "/" + "a" * 65,
    ],
)
def test_anything_else_leads_to_the_start_page(address):
    assert local_page(address) == "/"


def test_signing_in_leads_back_to_the_page_the_link_named(lead):
    response = _login(lead["url"], PASSWORD, "/merchant?id=12")
    assert response.status_code == 303 and response.headers["location"] == "/merchant?id=12"
    assert auth.COOKIE_NAME in response.cookies


def test_signing_in_never_leads_to_another_site(lead):
    for outside in ("https://evil.example.com/", "//evil.example.com", "/\\evil.example.com"):
        response = _login(lead["url"], PASSWORD, outside)
        assert response.headers["location"] == "/"


def test_a_wrong_password_comes_back_to_the_same_page_with_the_e_mail_kept(lead):
    response = _login(lead["url"], "not the password at all", "/merchant?id=12")
    assert response.status_code == 303 and response.headers["location"] == "/merchant?id=12&login=failed"
    assert auth.COOKIE_NAME not in response.cookies
    kept = typed_input.decode(response.cookies[typed_input.COOKIE])
    assert kept == {"email": "lead@support.example.com"}
    assert "httponly" in response.headers["set-cookie"].lower()


def test_the_kept_e_mail_is_forgotten_once_signed_in(lead):
    response = _login(lead["url"], PASSWORD, None)
    forgotten = [header for header in response.headers.get_list("set-cookie") if typed_input.COOKIE in header]
    assert forgotten and "Max-Age=0" in forgotten[0]


def test_typed_values_survive_any_characters():
    values = {"email": "o'neil+test@example.com", "full_name": "Zoë 李; =&%"}
    assert typed_input.decode(typed_input.encode(**values)) == values
    assert typed_input.decode("%%%not-a-cookie") == {} and typed_input.decode(None) == {}


def _merchant_and_its_user(server, merchant_input) -> int:
    from onboarding.process.merchants import create_merchant

    with session_for(f"sqlite:///{server['data_dir'] / 'onboarding.db'}") as session:
        merchant = create_merchant(session, SYSTEM, merchant_input)
        create_user(
            session,
            SYSTEM,
            email="emily@aurora.example.com",
            name="Emily Carter",
            role="merchant",
            password=PASSWORD,
            merchant_id=merchant.id,
        )
        return merchant.id


def _no_streamlit_dialog_or_page_list(page) -> None:
    assert page.query_selector("[role='dialog']") is None
    assert page.query_selector("[data-testid='stSidebarNav']") is None


@needs_chromium
def test_a_signed_out_merchant_link_leads_to_sign_in_and_then_to_that_merchant(lead, merchant_input):
    merchant_id = _merchant_and_its_user(lead, merchant_input)
    with chromium_browser() as browser:
        page = browser.new_page()
        page.goto(f"{lead['url']}/merchant?id={merchant_id}")
        page.wait_for_selector("form.auth-form", timeout=60000)
        wait_until_drawn(page)
        _no_streamlit_dialog_or_page_list(page)
        page.fill("input[name=email]", "lead@support.example.com")
        page.fill("input[name=password]", "not my password at all")
        page.click("form.auth-form button")
        page.wait_for_selector("text=E-mail or password is wrong", timeout=60000)
        assert page.input_value("input[name=email]") == "lead@support.example.com"
        page.fill("input[name=password]", PASSWORD)
        page.click("form.auth-form button")
        page.wait_for_selector("h1:has-text('Aurora Outdoor Gear')", timeout=60000)
        assert page.url == f"{lead['url']}/merchant?id={merchant_id}"


@needs_chromium
def test_a_page_the_role_lacks_answers_with_a_notice_and_names_no_staff_page(lead, merchant_input):
    _merchant_and_its_user(lead, merchant_input)
    with chromium_browser() as browser:
        page = browser.new_page()
        page.goto(f"{lead['url']}/admin")
        page.wait_for_selector("form.auth-form", timeout=60000)
        page.fill("input[name=email]", "emily@aurora.example.com")
        page.fill("input[name=password]", PASSWORD)
        page.click("form.auth-form button")
        page.wait_for_selector("text=No page here", timeout=60000)
        wait_until_drawn(page)
        assert page.url.endswith("/admin")
        assert page.query_selector("[role='dialog']") is None
        text = page.inner_text("body")
        for staff_page in ("Pipeline", "Review queue", "Admin", "Analytics"):
            assert staff_page not in text
        page.get_by_text("Go to my start page").click()
        page.wait_for_selector("text=Aurora Outdoor Gear", timeout=60000)
