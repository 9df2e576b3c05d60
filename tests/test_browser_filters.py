"""In Chromium: Pipeline and review-queue filters live in the URL, survive Back, and a shared link restores them."""

from models.db import session_for
from onboarding.accounts.users import SYSTEM, create_user
from onboarding.operations import demo
from tests.browser import ARTIFACTS, needs_chromium
from tools.chromium import chromium_browser, sign_in, wait_until_drawn

EMAIL, PASSWORD = "lead@support.example.com", "correct horse battery staple"
TIMEOUT = 120_000


def _lead_and_demo(server) -> None:
    with session_for(f"sqlite:///{server['data_dir'] / 'onboarding.db'}") as session:
        create_user(session, SYSTEM, email=EMAIL, name="Mei Lin", role="admin", password=PASSWORD)
        demo.seed(session)


def _at(page, path_and_query: str) -> None:
    """Wait until the address bar shows `path_and_query` (in-app navigation changes it without a page load)."""
    page.wait_for_function("wanted => location.pathname + location.search === wanted", arg=path_and_query)
    wait_until_drawn(page)


def _metric(page, label: str) -> str:
    metric = page.locator("[data-testid='stMetric']", has_text=label).first
    return metric.locator("[data-testid='stMetricValue']").inner_text()


@needs_chromium
def test_filters_survive_opening_a_merchant_and_going_back(server):
    _lead_and_demo(server)
    with chromium_browser() as browser:
        page = browser.new_page(viewport={"width": 1440, "height": 1000})
        page.set_default_timeout(TIMEOUT)
        sign_in(page, server["url"], EMAIL, PASSWORD)
        page.wait_for_selector("text=Onboarding pipeline")
        wait_until_drawn(page)
        search = page.get_by_placeholder("Name, website, contact or e-mail")
        search.fill("kyoto")
        search.press("Enter")
        _at(page, "/?q=kyoto")
        assert _metric(page, "Matching merchants") == "1"
        # Clicking the merchant in the table opens it (a link, not a rerun of the whole page).
        grid = page.locator("[data-testid='stDataFrame']").first
        box = grid.bounding_box()
        page.mouse.click(box["x"] + 120, box["y"] + 35 + 17)
        page.wait_for_selector("h1:has-text('Kyoto Tea House')")
        wait_until_drawn(page)
        assert "/merchant?id=" in page.url
        page.go_back(wait_until="commit")
        _at(page, "/?q=kyoto")
        assert page.get_by_placeholder("Name, website, contact or e-mail").input_value() == "kyoto"
        assert _metric(page, "Matching merchants") == "1"
        page.screenshot(path=str(ARTIFACTS / "filters-after-back.png"), full_page=True)

        # The review queue: a filter, another page, Back, and the filter is there again.
        page.locator("[data-testid='stSidebarNav'] a", has_text="Review queue").click()
        page.wait_for_selector("h1:has-text('Review queue')")
        wait_until_drawn(page)
        merchant = page.get_by_placeholder("Part of the merchant's name")
        merchant.fill("Luna")
        merchant.press("Enter")
        _at(page, "/review?merchant=Luna")
        page.locator("[data-testid='stSidebarNav'] a", has_text="Needs attention").click()
        page.wait_for_selector("h1:has-text('Needs attention')")
        wait_until_drawn(page)
        page.go_back(wait_until="commit")
        _at(page, "/review?merchant=Luna")
        assert page.get_by_placeholder("Part of the merchant's name").input_value() == "Luna"

        # A shared link opens the same view in another browser.
        other = browser.new_page(viewport={"width": 1440, "height": 1000})
        other.set_default_timeout(TIMEOUT)
        sign_in(other, server["url"], EMAIL, PASSWORD)
        other.wait_for_selector("text=Onboarding pipeline")
        other.goto(f"{server['url']}/?status=launched&view=board")
        other.wait_for_selector("text=6. Live")
        wait_until_drawn(other)
        live = other.locator("[class*='st-key-card_']")
        assert live.count() == 5  # the five launched demo merchants, all in the Live column
