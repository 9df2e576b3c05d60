"""Take full-page screenshots of app pages in Debian's Chromium: python scripts/screenshot.py URL OUT.png [...]"""

import sys

from playwright.sync_api import sync_playwright

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]


def main(pairs: list[str]) -> None:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 1440, "height": 1000})
        for url, out in zip(pairs[::2], pairs[1::2]):
            page.goto(url)
            page.wait_for_selector("[data-testid='stApp']", timeout=30000)
            page.wait_for_timeout(2500)
            page.screenshot(path=out, full_page=True)
            print(out)
        browser.close()


if __name__ == "__main__":
    main(sys.argv[1:])
