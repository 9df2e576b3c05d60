"""Screenshots of app pages in Debian's Chromium, signed in, at several widths and in both languages.

    python -m tools.screenshot --base http://127.0.0.1:8501 --email E --password P --out DIR / /merchant?id=3

Each page is saved as DIR/<page>-<language>-<width>.png; the language is switched in the sidebar
(and so remembered on the user) before the pages of that language are taken.
"""

import argparse
import re
from pathlib import Path

from tools.chromium import chromium_browser, sign_in, wait_until_drawn

LANGUAGE_NAMES = {"en": "English", "zh": "简体中文"}
MAX_HEIGHT = 12000


def slug(path: str) -> str:
    """A file-name-safe name for an app path: '/merchant?id=3' → 'merchant-id-3'."""
    return re.sub(r"[^A-Za-z0-9]+", "-", path).strip("-") or "home"


def choose_language(page, language: str) -> None:
    """Pick the language in the sidebar's selectbox (the app remembers it on the user)."""
    sidebar = page.locator("[data-testid='stSidebar']")
    box = sidebar.locator("[data-testid='stSelectbox']").last
    box.click()
    page.get_by_role("option", name=LANGUAGE_NAMES[language]).click()
    wait_until_drawn(page)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m tools.screenshot", description=__doc__.split("\n")[0])
    parser.add_argument("paths", nargs="+", help="app paths, e.g. / or /merchant?id=3")
    parser.add_argument("--base", required=True, help="the app's address, e.g. http://127.0.0.1:8501")
    parser.add_argument("--email", help="sign in as this user first (the password is --password)")
    parser.add_argument("--password", default="")
    parser.add_argument("--out", type=Path, default=Path("test-artifacts/screenshots"))
    parser.add_argument("--width", type=int, action="append", help="viewport widths (default 1440 and 390)")
    parser.add_argument("--language", action="append", choices=sorted(LANGUAGE_NAMES), help="default en and zh")
    parser.add_argument("--wait-ms", type=int, default=800, help="extra settling time after each page has drawn")
    parser.add_argument(
        "--full-height", action="store_true", help="grow the window to the page's whole height (long pages)"
    )
    args = parser.parse_args(argv)
    widths, languages = args.width or [1440, 390], args.language or ["en", "zh"]
    args.out.mkdir(parents=True, exist_ok=True)
    with chromium_browser() as browser:
        page = browser.new_page(viewport={"width": 1440, "height": 900})
        if args.email:
            sign_in(page, args.base, args.email, args.password)
            wait_until_drawn(page)
        for language in languages:
            if args.email:
                page.set_viewport_size({"width": 1440, "height": 900})
                choose_language(page, language)
            for width in widths:
                page.set_viewport_size({"width": width, "height": 900 if width > 600 else 844})
                for path in args.paths:
                    page.goto(f"{args.base.rstrip('/')}{path}")
                    wait_until_drawn(page)
                    page.wait_for_timeout(args.wait_ms)
                    target = args.out / f"{slug(path)}-{language}-{width}.png"
                    if args.full_height:
                        # Streamlit scrolls inside its main area, so a full-page shot would stop at the window
                        height = page.evaluate("() => document.querySelector('[data-testid=\"stMain\"]').scrollHeight")
                        page.set_viewport_size({"width": width, "height": min(max(height, 844), MAX_HEIGHT)})
                        page.wait_for_timeout(args.wait_ms)
                    page.screenshot(path=str(target), full_page=True)
                    print(target)


if __name__ == "__main__":
    main()
