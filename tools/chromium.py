"""Debian's Chromium driven by Playwright (never a downloaded browser): where it is and how it starts here."""

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# Without the background-networking flags Chromium keeps calling Google's hosts, which this machine refuses.
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def available() -> bool:
    """Whether Debian's Chromium is installed."""
    return Path(CHROMIUM).exists()


@contextmanager
def chromium_browser() -> Iterator:
    """A headless Chromium, closed afterwards."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield browser
        finally:
            browser.close()


def sign_in(page, base_url: str, email: str, password: str) -> None:
    """Fill the sign-in form and submit it."""
    page.goto(f"{base_url}/")
    page.wait_for_selector("form.auth-form", timeout=60000)
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    page.click("form.auth-form button")


def wait_until_drawn(page, timeout_ms: int = 60000, quiet_ms: int = 600) -> None:
    """Wait until the Streamlit app has finished its run: no running indicator and a page that stopped changing."""
    page.wait_for_selector("[data-testid='stApp']", timeout=timeout_ms)
    page.wait_for_function(
        """([quiet]) => {
            const SKELETONS = '[data-testid="stSkeleton"], [data-testid="stSkeletonElement"], '
                + '[data-testid="stAppSkeleton"]';
            const now = Date.now();
            const size = document.body.innerHTML.length;
            const app = document.querySelector('[data-testid="stApp"]');
            const state = app ? app.getAttribute('data-test-script-state') : 'initial';
            // The status widget shows only after a delay; the app's own run state says it at once.
            const running = document.querySelector('[data-testid="stStatusWidget"]')
                || state === 'running' || state === 'rerunRequested'
                // widgets whose code is still loading show a placeholder
                || document.querySelector(SKELETONS);
            if (running || window.__drawnSize !== size) { window.__drawnSize = size; window.__drawnAt = now; }
            return !running && now - window.__drawnAt >= quiet;
        }""",
        arg=[quiet_ms],
        timeout=timeout_ms,
        polling=100,
    )
