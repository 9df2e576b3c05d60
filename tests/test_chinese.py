"""Chinese pages leave no English behind: Streamlit's own texts, placeholders, day units and dates included."""

import json

from sqlmodel import select
from streamlit.testing.v1 import AppTest

from models import Merchant
from models.db import session_for
from onboarding.accounts.users import SYSTEM, create_user
from onboarding.operations import demo
from tests.browser import needs_chromium
from tests.conftest import ROOT
from tools.chromium import chromium_browser, sign_in, wait_until_drawn
from tools.screenshot import choose_language
from ui import house_style

APP = str(ROOT / "app.py")


def run_app(actor, language: str, page: str | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["actor"] = actor
    at.session_state["language"] = language
    at.run()
    if page:
        at.switch_page(page).run()
    return at


def test_the_pipeline_counts_days_and_shows_dates_in_the_pages_language(session, admin):
    demo.seed(session)
    columns = json.loads(run_app(admin, "zh").dataframe[0].proto.columns)
    assert columns["days_in_stage"]["type_config"]["format"] == "%d 天"
    # Streamlit words relative times ("in 38 minutes") in English only, so the column shows the date
    assert columns["last_activity"]["type_config"]["format"] == "YYYY-MM-DD HH:mm"


def test_filters_and_pickers_name_their_empty_choice_in_chinese(session, admin):
    demo.seed(session)
    pipeline = run_app(admin, "zh")
    assert {box.placeholder for box in pipeline.multiselect} == {"全部"}
    admin_page = run_app(admin, "zh", "pages/admin.py")
    assert {box.placeholder for box in admin_page.selectbox} - {""} == {"请选择"}


def test_streamlits_own_texts_are_replaced_on_chinese_pages_only():
    chinese, english = house_style.stylesheet("zh"), house_style.stylesheet("en")
    assert 'content:"上传"' in chinese and 'content:"按回车键提交表单"' in chinese
    assert "content:" not in english
    assert house_style.READABLE in chinese and house_style.READABLE in english


@needs_chromium
def test_a_chinese_upload_form_speaks_chinese_in_the_browser(server):
    with session_for(f"sqlite:///{server['data_dir'] / 'onboarding.db'}") as session:
        create_user(session, SYSTEM, email="lead@support.example.com", name="Mei Lin", role="admin", password="a" * 16)
        demo.seed(session)
        docking = session.exec(select(Merchant.id).where(Merchant.current_stage == 3)).first()
    with chromium_browser() as browser:
        page = browser.new_page(viewport={"width": 1440, "height": 900})
        sign_in(page, server["url"], "lead@support.example.com", "a" * 16)
        wait_until_drawn(page)
        choose_language(page, "zh")
        page.goto(f"{server['url']}/merchant?id={docking}")
        wait_until_drawn(page)
        page.locator(".st-key-item_self_test_screenshot").get_by_role("button", name="提交").click()
        page.wait_for_selector("[data-testid='stFileUploaderDropzone']", timeout=60000)

        def shown(selector: str) -> str:
            return page.eval_on_selector(selector, "e => getComputedStyle(e, '::after').content")

        assert shown("[data-testid='stFileUploaderDropzone'] button p") == '"上传"'
        assert shown("[data-testid='stFileUploaderDropzoneInstructions'] span") == '"每个文件最大 25 MB"'


@needs_chromium
def test_a_chinese_browser_gets_the_sign_in_form_in_chinese_before_anyone_chooses(server):
    with session_for(f"sqlite:///{server['data_dir'] / 'onboarding.db'}") as session:
        create_user(session, SYSTEM, email="lead@support.example.com", name="Mei Lin", role="admin", password="a" * 16)
    with chromium_browser() as browser:
        page = browser.new_context(locale="zh-CN").new_page()
        page.goto(f"{server['url']}/review")
        page.wait_for_selector("form.auth-form", timeout=60000)
        assert page.inner_text("h1") == "登录"
        assert page.input_value("input[name=next]") == "/review"
