"""Staff pages in Chromium, both languages: no exception, no outside request, no colour-contrast finding by axe."""

import json
from urllib.parse import urlsplit

import pytest
from sqlmodel import select

from models import Merchant
from models.db import session_for
from onboarding.accounts.users import SYSTEM, create_user
from onboarding.operations import demo
from tests.browser import ARTIFACTS, needs_chromium
from tools.chromium import chromium_browser, sign_in, wait_until_drawn
from tools.screenshot import choose_language

STAFF_PAGES = ["/", "/review", "/attention", "/merchant?id={merchant}", "/new-merchant", "/test-transactions"]
STAFF_PAGES += ["/my-work", "/analytics", "/admin"]
LOCAL_HOSTS = {"127.0.0.1", "localhost"}
REPORT = ARTIFACTS.parent / "accessibility"


@pytest.fixture
def demo_server(server):
    with session_for(f"sqlite:///{server['data_dir'] / 'onboarding.db'}") as session:
        create_user(session, SYSTEM, email="lead@support.example.com", name="Mei Lin", role="admin", password="a" * 16)
        demo.seed(session)
        docking = session.exec(select(Merchant.id).where(Merchant.current_stage == 3)).first()
    return server, docking


def _in_streamlit_navigation(page, node) -> bool:
    """Whether axe's finding sits inside the sidebar navigation Streamlit draws itself."""
    return page.evaluate(
        "(selector) => { const e = document.querySelector(selector);"
        " return !!(e && e.closest('[data-testid=stSidebarNav]')); }",
        node["target"][0],
    )


@needs_chromium
def test_staff_pages_open_cleanly_with_readable_colours_in_both_languages(demo_server):
    from axe_playwright_python.sync_playwright import Axe

    server, merchant_id = demo_server
    axe = Axe()
    outside, findings = [], {}
    with chromium_browser() as browser:
        context = browser.new_context(viewport={"width": 1440, "height": 900})
        context.on("request", lambda request: outside.append(request.url))
        page = context.new_page()
        sign_in(page, server["url"], "lead@support.example.com", "a" * 16)
        wait_until_drawn(page)
        for language in ("en", "zh"):
            choose_language(page, language)
            for path in (p.format(merchant=merchant_id) for p in STAFF_PAGES):
                page.goto(f"{server['url']}{path}")
                wait_until_drawn(page)
                assert page.query_selector("[data-testid='stException']") is None, f"{path} ({language}) failed"
                assert page.query_selector("[role='dialog']") is None, f"{path} ({language}) shows a dialog"
                # every rule once (English); colours again in Chinese, where only the texts differ
                options = {"resultTypes": ["violations"]} | (
                    {} if language == "en" else {"runOnly": ["color-contrast"]}
                )
                violations = axe.run(page, options=options).response["violations"]
                findings[f"{language} {path}"] = {v["id"]: (v["impact"], len(v["nodes"])) for v in violations}
                contrast = [node["html"] for v in violations if v["id"] == "color-contrast" for node in v["nodes"]]
                assert contrast == [], f"{path} ({language}): text below WCAG AA contrast: {contrast}"
                for violation in violations:
                    assert violation["impact"] != "critical", f"{path} ({language}): {violation['id']}"
                    if violation["impact"] == "serious":
                        for node in violation["nodes"]:
                            assert _in_streamlit_navigation(page, node), f"{path}: {violation['id']} {node['html']}"
    REPORT.mkdir(parents=True, exist_ok=True)
    (REPORT / "axe-staff-pages.json").write_text(json.dumps(findings, indent=2, ensure_ascii=False))
    hosts = {urlsplit(url).hostname for url in outside if urlsplit(url).scheme in ("http", "https", "ws", "wss")}
    assert hosts <= LOCAL_HOSTS, f"requests left the machine: {sorted(hosts - LOCAL_HOSTS)}"
