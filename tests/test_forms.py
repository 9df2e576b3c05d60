"""Forms show every error at once beside its field and keep what was typed."""

from sqlmodel import select
from streamlit.testing.v1 import AppTest

from models import User
from onboarding.accounts import invitations, passwords, users
from tests.browser import needs_chromium
from tests.conftest import ROOT
from tools.chromium import chromium_browser

APP = str(ROOT / "app.py")


def run_app(actor=None, page: str | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    if actor is not None:
        at.session_state["actor"] = actor
    if page:
        at.run()
        at.switch_page(page)
    return at.run()


def _errors(at: AppTest) -> list[str]:
    return [error.value for error in at.error]


def test_every_problem_of_a_new_account_is_named_by_its_field(session, admin):
    problems = users.new_user_problems(session, admin, "not-an-address", "merchant", "short", None)
    assert {field: error.key for field, error in problems.items()} == {
        "email": "error.bad_email",
        "merchant": "error.merchant_required",
        "password": "error.password_too_short",
    }
    taken = users.new_user_problems(session, admin, "Admin@Example.com", "support", "a long enough password")
    assert {field: error.key for field, error in taken.items()} == {"email": "error.email_taken"}


def test_an_invitee_hears_of_every_problem_at_once():
    problems = invitations.acceptance_problems("  ", "short", "different")
    assert {field: error.key for field, error in problems.items()} == {
        "full_name": "error.field_required",
        "password": "error.password_too_short",
        "password_again": "error.passwords_differ",
    }
    assert invitations.acceptance_problems("Dana", "a long enough password", "a long enough password") == {}
    assert passwords.problems("a long enough password", "a long enough password") == {}


def test_the_first_admin_form_shows_every_error_beside_its_field_and_keeps_the_input(database_url, session):
    at = run_app()
    at.text_input[1].input("not-an-address")
    at.text_input[2].input("short")
    at.text_input[3].input("other")
    at.button[0].click().run()
    assert not at.exception
    assert _errors(at) == [
        "Your name is required.",
        "E-mail is not a valid e-mail address, for example dev@example.com.",
        "The password must have at least 12 characters.",
        "The two passwords differ. Type the same password twice.",
    ]
    assert [box.value for box in at.text_input][:2] == ["", "not-an-address"]
    assert session.exec(select(User)).all() == []


def test_the_admin_form_for_a_new_account_shows_every_error_at_once(database_url, session, admin):
    at = run_app(admin, "pages/admin.py")
    form = [box for box in at.text_input if box.label in ("E-mail", "Name", "Password (at least 12 characters)")]
    form[0].input("someone@")
    form[1].input("Someone")
    form[2].input("short")
    next(box for box in at.selectbox if box.label == "Role").select("merchant")
    next(button for button in at.button if button.label == "Create user").click().run()
    assert not at.exception
    assert _errors(at) == [
        "E-mail is not a valid e-mail address, for example dev@example.com.",
        "A merchant user needs its merchant: choose one.",
        "The password must have at least 12 characters.",
    ]
    assert next(box for box in at.text_input if box.label == "Name").value == "Someone"
    assert len(session.exec(select(User)).all()) == 1


@needs_chromium
def test_a_refused_invitation_keeps_the_name_and_shows_each_error_beside_its_field(server, merchant_input):
    from models.db import session_for
    from onboarding.accounts.users import SYSTEM
    from onboarding.process.merchants import create_merchant

    with session_for(f"sqlite:///{server['data_dir'] / 'onboarding.db'}") as session:
        users.create_user(
            session, SYSTEM, email="lead@support.example.com", name="Lead", role="admin", password="a long password!"
        )
        merchant = create_merchant(session, SYSTEM, merchant_input)
        _, token = invitations.invite(session, SYSTEM, merchant.id, "dana@aurora.example.com")
    with chromium_browser() as browser:
        page = browser.new_page()
        page.goto(f"{server['url']}/?invite={token}")
        page.wait_for_selector("form.auth-form", timeout=60000)
        page.fill("input[name=full_name]", "Dana Developer")
        page.fill("input[name=password]", "a long enough password")
        page.fill("input[name=password_again]", "a long enough passwore")
        page.click("form.auth-form button")
        page.wait_for_selector("#password_again-error", timeout=60000)
        assert page.input_value("input[name=full_name]") == "Dana Developer"
        assert page.inner_text("#password_again-error") == "The two passwords differ. Type the same password twice."
        assert page.get_attribute("input[name=password_again]", "aria-describedby") == "password_again-error"
        assert page.query_selector("#full_name-error") is None and page.query_selector("#password-error") is None
        page.fill("input[name=full_name]", "")
        page.fill("input[name=password]", "short")
        page.fill("input[name=password_again]", "short")
        page.eval_on_selector("form.auth-form", "form => form.noValidate = true")  # what a script-free client sends
        page.click("form.auth-form button")
        page.wait_for_selector("#full_name-error", timeout=60000)
        assert page.inner_text("#full_name-error") == "Your name is required."
        assert page.inner_text("#password-error") == "The password must have at least 12 characters."
