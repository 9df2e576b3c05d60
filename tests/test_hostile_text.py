"""Hostile text typed into every free-text field renders inert on every page, in AppTest and in Chromium."""

import pytest

from models.db import session_for
from tests import hostile_text
from tests.browser import needs_chromium
from tests.test_pages import open_page
from tools.chromium import chromium_browser, sign_in, wait_until_drawn

STAFF_PAGES = [
    ("pages/pipeline.py", {}),
    ("pages/review_queue.py", {}),
    ("pages/attention.py", {}),
    ("pages/merchant.py", {"id": "MERCHANT"}),
    ("pages/test_transactions.py", {"id": "MERCHANT"}),
    ("pages/analytics.py", {}),
    ("pages/admin.py", {}),
]


@pytest.fixture
def hostile(database_url, session):
    return hostile_text.seed(session)


def test_the_checker_would_see_markup_in_hostile_text_left_as_it_is():
    found = hostile_text.markup_in(hostile_text.LONG)
    for kind in ("image", "link_open", "html_inline", "math_inline_double", "directive", "bidi control"):
        assert any(item.startswith(kind) for item in found), kind


@pytest.mark.parametrize(("page", "query"), STAFF_PAGES)
def test_staff_pages_show_hostile_text_as_text(hostile, page, query):
    query = {key: str(hostile["merchant"].id) if value == "MERCHANT" else value for key, value in query.items()}
    at = open_page(hostile["admin"], page, **query)
    assert not at.exception
    shown = hostile_text.assert_inert(at)
    assert shown > 0, "the page shows the hostile text somewhere (or the check proves nothing)"


def test_my_work_shows_the_owner_hostile_text_as_text(hostile):
    from onboarding.core.access import actor_for

    at = open_page(actor_for(hostile["owner"]), "pages/my_work.py")
    assert not at.exception
    assert hostile_text.assert_inert(at) > 0


def test_the_merchant_portal_shows_hostile_text_as_text(hostile):
    at = open_page(hostile["person"], None)
    assert not at.exception
    assert at.title[0].value.startswith("\\!\\[p\\]"), "the name is escaped, not dropped"
    assert hostile_text.assert_inert(at) > 5


# (path, whether the hostile text shows as page text there; tables and pickers draw it in a canvas or an input)
BROWSER_STAFF_PAGES = [
    ("/", False),
    ("/review", True),
    ("/attention", False),
    ("/merchant?id={id}", True),
    ("/test-transactions?id={id}", False),
    ("/admin", True),
]
DOM_CHECK = """([hosts]) => {
    const off = (url) => {
        try { return hosts.includes(new URL(url, location.href).hostname); } catch { return false; }
    };
    return {
        links: [...document.querySelectorAll('a[href]')].map(a => a.href).filter(off),
        images: [...document.querySelectorAll('img[src], image, source[srcset]')].map(i => i.src || '').filter(off),
        katex: document.querySelectorAll('.katex').length,
        scripts: [...document.querySelectorAll('script')].filter(s => s.textContent.includes('alert(')).length,
        bidi: /[\\u202a-\\u202e\\u2066-\\u2069]/.test(document.body.innerText),
        text: document.body.textContent,
    };
}"""


@needs_chromium
def test_in_chromium_no_page_fetches_the_tracker_opens_a_dialog_or_links_to_the_phishing_host(server):
    url = f"sqlite:///{server['data_dir'] / 'onboarding.db'}"
    with session_for(url) as session:
        seeded = hostile_text.seed(session)
    merchant_id = seeded["merchant"].id
    requested, dialogs = [], []
    hosts = [hostile_text.TRACKER, hostile_text.PHISH]
    with chromium_browser() as browser:
        for email, paths in (
            ("admin@support.example.com", BROWSER_STAFF_PAGES),
            ("dev@shop.example.com", [("/", True)]),
        ):
            page = browser.new_context(viewport={"width": 1440, "height": 1000}).new_page()
            page.on("request", lambda request: requested.append(request.url))
            page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
            sign_in(page, server["url"], email, hostile_text.PASSWORD)
            wait_until_drawn(page)
            for path, shows_text in paths:
                page.goto(server["url"] + path.format(id=merchant_id))
                wait_until_drawn(page)
                page.wait_for_timeout(500)
                found = page.evaluate(DOM_CHECK, [hosts])
                assert (found["links"], found["images"], found["katex"], found["scripts"]) == ([], [], 0, 0), path
                assert not found["bidi"], path
                if shows_text:
                    assert "Security notice: confirm your password" in found["text"], f"{path} shows the text as typed"
    assert [request for request in requested if any(host in request.split("/")[2] for host in hosts)] == []
    assert dialogs == []
