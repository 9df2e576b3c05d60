"""Playwright driving Debian's Chromium (never a downloaded browser); tests skip when it is absent."""

import shutil
from contextlib import contextmanager
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts" / "screenshots"

needs_chromium = pytest.mark.skipif(not Path(CHROMIUM).exists(),
                                    reason="Debian's chromium is not installed: browser tests skipped")


@contextmanager
def chromium_browser():
    """A headless Chromium for one test."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield browser
        finally:
            browser.close()


def sign_in(page, base_url: str, email: str, password: str) -> None:
    """Fill the sign-in form and wait for the app to open."""
    page.goto(f"{base_url}/")
    page.wait_for_selector("form.auth-form", timeout=60000)
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    page.click("form.auth-form button")
