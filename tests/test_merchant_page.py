"""The Merchant page and the portal show the stage clock (days, SLA, whose turn) and a due date on open items."""

from datetime import timedelta

from streamlit.testing.v1 import AppTest

from models import User
from onboarding.core import clock
from onboarding.core.access import actor_for
from tests.browser import needs_chromium
from tests.test_pages import open_page
from tools.chromium import chromium_browser, sign_in, wait_until_drawn
from tools.screenshot import choose_language


def _html(at: AppTest) -> str:
    return " ".join(element.proto.body for element in at.get("html"))


def test_the_header_says_days_in_stage_sla_state_and_whose_turn(session, admin, merchant):
    merchant.stage_entered_at = clock.now() - timedelta(days=2, hours=12)
    session.add(merchant)
    session.commit()
    at = open_page(admin, "pages/merchant.py", id=str(merchant.id))
    assert not at.exception
    header = _html(at)
    due = (merchant.stage_entered_at + timedelta(days=5)).strftime("%Y-%m-%d")
    assert "2 days of 5 days" in header
    assert f"Due {due} · 3 days left" in header  # 2.5 days in: 2 days shown, 3 left, 5 in all
    # a new merchant must first choose its sandbox account type
    assert "<div class='value'>Merchant</div><div class='more'>Sandbox account type chosen</div>" in header


def test_open_items_carry_the_stage_due_date_and_complete_ones_none(session, admin, merchant):
    at = open_page(admin, "pages/merchant.py", id=str(merchant.id))
    due = (merchant.stage_entered_at + timedelta(days=5)).strftime("%Y-%m-%d")
    badges = [text.value for text in at.markdown if "schedule" in text.value]
    # the sandbox stage of a new public-account merchant: the account type and the credentials check are open
    assert len(badges) == 2 and all(f"Due {due}" in badge for badge in badges)


def test_an_overdue_stage_turns_its_items_red(session, admin, merchant):
    merchant.stage_entered_at = clock.now() - timedelta(days=8)
    session.add(merchant)
    session.commit()
    at = open_page(admin, "pages/merchant.py", id=str(merchant.id))
    assert "3 days late" in _html(at)
    assert all(
        text.value.startswith(":red-badge[") and "Overdue by 3 days" in text.value
        for text in at.markdown
        if "schedule" in text.value
    )


def test_three_tabs_and_a_stage_choice_replace_the_seven_tabs(session, admin, merchant):
    at = open_page(admin, "pages/merchant.py", id=str(merchant.id))
    assert [tab.label for tab in at.tabs] == ["Checklist", "Conversation", "History"]
    choice = at.get("button_group")[0]
    assert choice.proto.default == [0]
    titles = " ".join(text.value for text in at.markdown)
    assert "Sandbox account type chosen" in titles and "Integration mode chosen" not in titles


def test_choosing_another_stage_shows_its_checklist(session, admin, merchant):
    at = open_page(admin, "pages/merchant.py", id=str(merchant.id))
    at.session_state[f"merchant_stage_{merchant.id}"] = 1
    at.run()
    assert not at.exception
    titles = " ".join(text.value for text in at.markdown)
    assert "Integration mode chosen" in titles and "Sandbox account type chosen" not in titles
    assert any("locked" in info.value for info in at.info)


def test_the_portal_tells_the_merchant_it_is_their_turn_and_by_when(session, admin, merchant):
    user = User(
        email="emily@aurora.example.com", name="Emily", role="merchant", merchant_id=merchant.id, created_at=clock.now()
    )
    session.add(user)
    session.commit()
    at = open_page(actor_for(user))
    assert not at.exception
    header = _html(at)
    assert "Whose turn" in header and ">Yours<" in header and "Sandbox account type chosen" in header
    due = (merchant.stage_entered_at + timedelta(days=5)).strftime("%Y-%m-%d")
    assert any(f"Due {due}" in text.value for text in at.markdown if "schedule" in text.value)


def test_the_header_speaks_chinese(session, admin, merchant):
    at = open_page(admin, "pages/merchant.py", language="zh", id=str(merchant.id))
    header = _html(at)
    assert "本阶段已用时" in header and "当前由谁处理" in header and "商户" in header
    assert [tab.label for tab in at.tabs] == ["检查清单", "沟通记录", "历史记录"]


def test_items_of_a_merchant_on_hold_have_no_due_date(session, admin, merchant):
    merchant.status = "on_hold"
    session.add(merchant)
    session.commit()
    at = open_page(admin, "pages/merchant.py", id=str(merchant.id))
    assert "Paused: not active" in _html(at)
    assert not [text for text in at.markdown if "schedule" in text.value]


FITS = """() => {
  const width = document.documentElement.clientWidth;
  const parts = [...document.querySelectorAll('[role=tab], [data-testid=stButtonGroup] button, .stepper .step')];
  const outside = parts.filter(e => { const r = e.getBoundingClientRect(); return r.left < 0 || r.right > width; });
  return {scroll: document.documentElement.scrollWidth - width, parts: parts.length, outside: outside.length};
}"""


@needs_chromium
def test_the_merchant_page_fits_a_desktop_and_a_phone_in_both_languages(server, merchant_input):
    from models.db import session_for
    from onboarding.accounts.users import SYSTEM, create_user
    from onboarding.process.merchants import create_merchant

    with session_for(f"sqlite:///{server['data_dir'] / 'onboarding.db'}") as session:
        create_user(session, SYSTEM, email="lead@support.example.com", name="Mei Lin", role="admin", password="a" * 16)
        merchant_id = create_merchant(session, SYSTEM, merchant_input).id
    with chromium_browser() as browser:
        page = browser.new_page(viewport={"width": 1440, "height": 900})
        sign_in(page, server["url"], "lead@support.example.com", "a" * 16)
        wait_until_drawn(page)
        for language in ("en", "zh"):
            page.set_viewport_size({"width": 1440, "height": 900})
            choose_language(page, language)
            for width in (1440, 390):
                page.set_viewport_size({"width": width, "height": 844})
                page.goto(f"{server['url']}/merchant?id={merchant_id}")
                page.wait_for_selector("[data-testid=stButtonGroup] button", timeout=60000)
                wait_until_drawn(page)
                # three tabs, five stage choices and five steps, none cut off, and no sideways scrolling
                assert page.evaluate(FITS) == {"scroll": 0, "parts": 13, "outside": 0}, (language, width)
