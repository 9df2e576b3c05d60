"""Several app instances on one database and one data directory: whatever one does, the other sees."""

import os
import subprocess
import sys
from contextlib import ExitStack, nullcontext

import httpx
import pytest

from models import User
from models.db import dispose_engines, session_for
from onboarding.accounts import api_tokens
from onboarding.accounts.passwords import hash_password
from onboarding.core import clock
from onboarding.core.access import actor_for
from onboarding.core.i18n import translate
from onboarding.process import checklist, merchants
from tests.browser import needs_chromium
from tests.conftest import POSTGRES_URL, ROOT, free_port, fresh_postgres_database, start_server
from tools.chromium import ARGS, CHROMIUM
from tools.local_processes import stop

PASSWORD = "correct horse battery staple"


@pytest.fixture
def two_instances(tmp_path):
    """Two app processes on different ports sharing the database and ONBOARDING_DATA_DIR, migrated once first."""
    with ExitStack() as stack:
        database = stack.enter_context(fresh_postgres_database() if POSTGRES_URL else nullcontext())
        data = tmp_path / "shared-data"
        env = {"ONBOARDING_DATA_DIR": str(data), "LOG_JSON": "true"}
        if database:
            env["DATABASE_URL"] = database
        # the deployment guide's order: migrate once, then start the instances
        subprocess.run(
            [sys.executable, "-m", "onboarding", "migrate"],
            cwd=ROOT,
            check=True,
            capture_output=True,
            env={**os.environ, **env},
        )
        urls = []
        for _ in range(2):
            port = free_port()
            process = start_server(env, port)
            stack.callback(stop, process)
            urls.append(f"http://127.0.0.1:{port}")
        database_url = database or f"sqlite:///{(data / 'onboarding.db').resolve()}"
        with session_for(database_url) as session:
            user = User(
                email="li.wei@support.example.com",
                name="Li Wei",
                role="admin",
                created_at=clock.now(),
                password_hash=hash_password(PASSWORD),
            )
            session.add(user)
            session.commit()
            token_row, token = api_tokens.create_token(session, actor_for(user), "CRM sync")
        yield {
            "urls": urls,
            "database_url": database_url,
            "actor": actor_for(user),
            "token": token,
            "token_id": token_row.id,
        }
        dispose_engines()


def _get(url: str, token: str, path: str) -> httpx.Response:
    return httpx.get(f"{url}{path}", headers={"Authorization": f"Bearer {token}"}, timeout=15)


@pytest.mark.postgres
def test_a_merchant_created_and_changed_through_one_instance_is_seen_through_the_other(two_instances):
    first, second = two_instances["urls"]
    token, actor = two_instances["token"], two_instances["actor"]
    assert _get(first, token, "/api/v1/merchants").json()["total"] == 0
    assert _get(second, token, "/api/v1/merchants").json()["total"] == 0

    with session_for(two_instances["database_url"]) as session:
        merchant = merchants.create_merchant(
            session,
            actor,
            merchants.MerchantInput(
                name="Aurora Outdoor Gear",
                website="https://aurora.example.com",
                contact_name="Emily Carter",
                contact_email="emily@aurora.example.com",
                country="US",
                shop_platform="shopify",
                integration_mode="hosted_checkout",
            ),
        )
    listed = [item["name"] for item in _get(second, token, "/api/v1/merchants").json()["items"]]
    assert listed == ["Aurora Outdoor Gear"]

    with session_for(two_instances["database_url"]) as session:
        view = merchants.merchant_view(session, actor, merchant.id)
        item = next(item for item in view.items if item.owner == "merchant")
        choice = checklist.default_process().item(item.key).choices
        checklist.submit(session, actor, item.id, item.version, choice[0] if choice else "evidence")
    details = [_get(url, token, f"/api/v1/merchants/{merchant.id}").json() for url in (first, second)]
    assert details[0] == details[1]
    assert {i["key"]: i["status"] for i in details[1]["items"]}[item.key] == "submitted"


@pytest.mark.postgres
def test_a_token_revoked_once_is_refused_by_every_instance_at_once(two_instances):
    first, second = two_instances["urls"]
    token = two_instances["token"]
    assert _get(first, token, "/api/v1/merchants").status_code == 200
    assert _get(second, token, "/api/v1/merchants").status_code == 200
    with session_for(two_instances["database_url"]) as session:
        api_tokens.revoke_token(session, two_instances["actor"], two_instances["token_id"])
    assert _get(first, token, "/api/v1/merchants").status_code == 401
    assert _get(second, token, "/api/v1/merchants").status_code == 401


@pytest.mark.postgres
@needs_chromium
def test_a_merchant_created_in_the_browser_on_one_instance_is_seen_through_the_other(two_instances):
    sync_playwright = pytest.importorskip("playwright.sync_api").sync_playwright
    first, second = two_instances["urls"]
    label = lambda key: translate(key, "en")  # noqa: E731
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = browser.new_page()
            page.goto(first)
            page.fill("input[name=email]", "li.wei@support.example.com")
            page.fill("input[name=password]", PASSWORD)
            page.click("form.auth-form button[type=submit]")
            page.get_by_text("Signed in as Li Wei").wait_for(timeout=60000)
            page.goto(f"{first}/new-merchant")
            page.get_by_role("textbox", name=label("field.name") + " *", exact=True).fill("Nordic Knitwear")
            page.get_by_role("textbox", name=label("field.website") + " *", exact=True).fill(
                "https://nordicknit.example.se"
            )
            page.get_by_role("textbox", name=label("field.contact_name") + " *", exact=True).fill("Elsa Lindqvist")
            page.get_by_role("textbox", name=label("field.contact_email") + " *", exact=True).fill(
                "elsa@nordicknit.example.se"
            )
            page.locator(".st-key-nm_country").click()
            page.keyboard.type("Sweden")
            page.get_by_role("option", name="SE — Sweden", exact=True).click()
            page.get_by_role("button", name=label("action.create_merchant")).click()
            page.wait_for_url("**/merchant?id=*", timeout=60000)

            listed = _get(second, two_instances["token"], "/api/v1/merchants?search=nordic").json()["items"]
            assert [item["name"] for item in listed] == ["Nordic Knitwear"]

            # the session made on the first instance is valid on the second: nothing lives in one process
            cookies = page.context.cookies()
            other = browser.new_context()
            other.add_cookies([{**cookie, "domain": "127.0.0.1", "path": "/"} for cookie in cookies])
            elsewhere = other.new_page()
            elsewhere.goto(second)
            elsewhere.get_by_text("Signed in as Li Wei").wait_for(timeout=60000)
        finally:
            browser.close()
