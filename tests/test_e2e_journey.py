"""The whole onboarding journey in a real browser against the real server, one screenshot per step.

Screenshots land in test-artifacts/e2e/ (see the README).
"""

import re

from tests.browser import ARTIFACTS, needs_chromium
from tests.samples import png_bytes
from tools.chromium import chromium_browser, sign_in, wait_until_drawn

SHOTS = ARTIFACTS.parent / "e2e"
ADMIN = ("Mei Lin", "mei.lin@support.example.com", "a long admin password")
FIRST = {
    "name": "Journey Outdoor",
    "site": "journey-outdoor.example.com",
    "contact": "Jane Doe",
    "email": "jane@journey-outdoor.example.com",
    "password": "jane's long password",
}
SECOND = {
    "name": "Other Teahouse",
    "site": "other-tea.example.com",
    "contact": "Oscar Li",
    "email": "oscar@other-tea.example.com",
    "password": "oscar's long password",
}
TIMEOUT = 120_000


class Journey:
    """Small steps a person takes, with a numbered screenshot after each."""

    def new_page(self, browser):
        """A separate browser context (its own cookies), as another person's browser."""
        context = browser.new_context(viewport={"width": 1440, "height": 1000})
        context.set_default_timeout(TIMEOUT)
        return context.new_page()

    def __init__(self, base_url: str, tmp_path):
        self.base = base_url
        self.count = 0
        self.tmp = tmp_path
        SHOTS.mkdir(parents=True, exist_ok=True)

    def shot(self, page, name: str) -> None:
        self.count += 1
        page.wait_for_timeout(400)
        page.screenshot(path=str(SHOTS / f"{self.count:02d}-{name}.png"), full_page=True)

    @staticmethod
    def idle(page) -> None:
        """Wait until Streamlit has finished the current run (the app says its script is not running)."""
        page.wait_for_timeout(300)
        # the running icon shows only after a delay, so a slow run could pass for a finished one; the state cannot
        page.wait_for_function(
            "() => document.querySelector('[data-testid=\"stApp\"]')?.getAttribute('data-test-script-state')"
            " === 'notRunning' && !document.querySelector('[data-testid=\"stStatusWidgetRunningIcon\"]')",
            timeout=TIMEOUT,
        )

    def record_failure(self, pages) -> None:
        """Keep what each browser showed when a step failed."""
        for number, page in enumerate(pages):
            try:
                page.screenshot(path=str(SHOTS / f"failed-{number}.png"), full_page=True)
            except Exception:  # a closed page has nothing to show
                pass

    def open(self, page, path: str, text: str) -> None:
        page.goto(f"{self.base}{path}")
        page.get_by_text(text).first.wait_for(timeout=TIMEOUT)
        # the sidebar may already show `text`: wait until the page itself has drawn and stopped changing
        wait_until_drawn(page, timeout_ms=TIMEOUT)
        self.idle(page)

    def item(self, page, key: str):
        return page.locator(f".st-key-item_{key}")

    def popover_form(self, page, trigger, submit: str):
        trigger.click()
        body = page.locator("[data-testid='stPopoverBody']").last
        body.wait_for(timeout=TIMEOUT)
        return body, body.get_by_role("button", name=submit)

    def submit_item(
        self,
        page,
        key: str,
        text: str | None = None,
        upload: bytes | None = None,
        identifiers: tuple[str, str, str] | None = None,
    ) -> None:
        item = self.item(page, key)
        item.wait_for(timeout=TIMEOUT)
        body, button = self.popover_form(page, item.get_by_role("button", name=re.compile("Submit|Resubmit")), "Submit")
        if upload is not None:
            path = self.tmp / f"{key}.png"
            path.write_bytes(upload)
            body.locator("input[type=file]").set_input_files(str(path))
            body.get_by_text("KB").first.wait_for(timeout=TIMEOUT)  # the uploaded file's size is listed
        if identifiers is not None:
            body.get_by_role("textbox", name="clientId").fill(identifiers[0])
            body.get_by_role("textbox", name="accId").fill(identifiers[1])
            body.locator("input[type=password]").fill(identifiers[2])
        elif text is not None:
            body.locator("textarea, input[type=text]").first.fill(text)
        button.click()
        item.get_by_text("Submitted", exact=True).first.wait_for(timeout=TIMEOUT)
        self.idle(page)

    def review(self, page, reject: dict[str, str] | None = None) -> None:
        """Approve everything in the review queue, rejecting the named items with a reason."""
        reject = reject or {}
        self.open(page, "/review", "Review queue")
        # the title comes first: wait for the entries, or for the message that there are none
        page.locator("[class*='st-key-queue_'], [data-testid='stAlert']").first.wait_for(timeout=TIMEOUT)
        while True:
            entries = page.locator("[class*='st-key-review_item_']")
            if entries.count() == 0:
                break
            waiting = entries.count()
            entry = entries.first
            title = entry.inner_text()
            reason = next((why for label, why in reject.items() if label in title), None)
            if reason:
                entry.get_by_role("button", name="Reject…").click()
                body = page.get_by_role("dialog")
                body.locator("textarea").fill(reason)
                body.get_by_role("button", name="Reject", exact=True).click()
                reject = {k: v for k, v in reject.items() if v != reason}
            else:
                entry.get_by_role("button", name="Approve").click()
            # the decision is stored once its entry has left the queue
            page.wait_for_function(
                "n => document.querySelectorAll('[class*=\"st-key-review_item_\"]').length < n",
                arg=waiting,
                timeout=TIMEOUT,
            )
            self.idle(page)

    def test_transactions_for(self, page, merchant_name: str) -> None:
        """Open Test transactions with one merchant chosen."""
        self.open(page, "/test-transactions", "Test transactions")
        page.locator(".st-key-tt_merchant").click()
        page.get_by_role("option", name=merchant_name).click()
        self.idle(page)

    def confirm_with_reason(self, page, merchant_id: str, key: str, button: str, reason: str, done: str) -> None:
        """Click an item's button that asks first, give the reason in the dialog and confirm it."""
        self.open(page, f"/merchant?id={merchant_id}", FIRST["name"])
        item = self.item(page, key)
        item.get_by_role("button", name=button).click()
        dialog = page.get_by_role("dialog")
        dialog.locator("textarea").fill(reason)
        self.shot(page, f"confirm-{key}")
        dialog.locator(".st-key-confirm_button button").click()
        item.get_by_text(done, exact=True).first.wait_for(timeout=TIMEOUT)
        self.idle(page)

    def mark_done(self, page, merchant_id: str, keys: list[str]) -> None:
        self.open(page, f"/merchant?id={merchant_id}", FIRST["name"])
        for key in keys:
            item = self.item(page, key)
            item.get_by_role("button", name="Mark done").click()
            item.get_by_text("Done", exact=True).first.wait_for(timeout=TIMEOUT)
            self.idle(page)


def _invite(journey: Journey, admin, merchant: dict) -> tuple[str, str]:
    journey.open(admin, "/new-merchant", "New merchant")
    admin.get_by_label("Merchant name *").fill(merchant["name"])
    admin.get_by_label("Website *").fill(merchant["site"])
    admin.get_by_label("Contact name *").fill(merchant["contact"])
    admin.get_by_label("Contact e-mail *").fill(merchant["email"])
    admin.locator(".st-key-nm_country").click()
    admin.keyboard.type("United States")
    admin.get_by_role("option", name="US — United States", exact=True).click()
    admin.get_by_role("button", name="Create merchant").click()
    admin.get_by_role("heading", name=merchant["name"]).wait_for(timeout=TIMEOUT)
    journey.idle(admin)
    merchant_id = re.search(r"id=(\d+)", admin.url).group(1)
    journey.shot(admin, f"merchant-created-{merchant_id}")
    body, button = journey.popover_form(
        admin, admin.get_by_role("button", name="Invite a merchant user"), "Create invitation link"
    )
    button.click()
    link = body.locator("code").filter(has_text="invite=")
    link.wait_for(timeout=TIMEOUT)
    journey.shot(admin, f"invitation-link-{merchant_id}")
    return merchant_id, link.inner_text().strip()


def _accept(journey: Journey, page, link: str, merchant: dict) -> None:
    page.goto(link)
    page.get_by_text("Welcome to your PingPong Checkout onboarding").wait_for(timeout=TIMEOUT)
    page.fill("input[name=full_name]", merchant["contact"])
    page.fill("input[name=password]", merchant["password"])
    page.fill("input[name=password_again]", merchant["password"])
    journey.shot(page, f"invitation-opened-{merchant['site'].split('.')[0]}")
    page.locator("form.auth-form button").click()
    page.get_by_role("heading", name=f"{merchant['name']}: my onboarding").wait_for(timeout=TIMEOUT)
    journey.idle(page)


@needs_chromium
def test_the_whole_onboarding_journey_in_a_real_browser(server, tmp_path):
    journey = Journey(server["url"], tmp_path)
    with chromium_browser() as browser:
        admin = journey.new_page(browser)
        try:
            _journey(journey, browser, admin, server)
        except Exception:
            journey.record_failure([page for context in browser.contexts for page in context.pages])
            raise
    assert len(list(SHOTS.glob("*.png"))) >= 15


def _journey(journey: Journey, browser, admin, server) -> None:
    """Every step of the journey, as the people involved would take it."""
    # 1. first admin, then sign in
    journey.open(admin, "/", "Create the first admin")
    admin.get_by_label("Your name").fill(ADMIN[0])
    admin.get_by_label("E-mail").fill(ADMIN[1])
    admin.get_by_label("Password", exact=True).fill(ADMIN[2])
    admin.get_by_label("Password again").fill(ADMIN[2])
    journey.shot(admin, "first-admin")
    admin.get_by_role("button", name="Create admin").click()
    admin.locator("form.auth-form").wait_for(timeout=TIMEOUT)
    sign_in(admin, server["url"], ADMIN[1], ADMIN[2])
    admin.get_by_text("No merchants yet").wait_for(timeout=TIMEOUT)
    journey.shot(admin, "signed-in-empty-pipeline")

    # 2. merchant created, its user invited; the invitation sets a password and opens the portal
    merchant_id, link = _invite(journey, admin, FIRST)
    jane = journey.new_page(browser)
    _accept(journey, jane, link, FIRST)
    journey.shot(jane, "portal-first-visit")

    # 3. a second merchant's user, signed in at the same time, sees nothing of the first
    second_id, second_link = _invite(journey, admin, SECOND)
    oscar = journey.new_page(browser)
    _accept(journey, oscar, second_link, SECOND)
    assert FIRST["name"] not in oscar.content()
    journey.shot(oscar, "second-merchant-portal")

    # 4. stage 1: account type chosen and approved; the credentials check runs against the simulator
    journey.submit_item(jane, "sandbox_account_type")
    journey.review(admin)
    journey.test_transactions_for(admin, FIRST["name"])
    admin.get_by_role("tab", name="Credentials").click()
    admin.locator(".st-key-tt_check_credentials button").click()
    journey.idle(admin)
    journey.shot(admin, "credentials-checked")

    # 5. stage 2: integration mode, then the acceptance suite against the embedded simulator
    journey.open(jane, "/", "What we need from you next")
    journey.submit_item(jane, "integration_mode")
    journey.review(admin)
    journey.test_transactions_for(admin, FIRST["name"])
    admin.locator(".st-key-tt_run_suite button").click()
    admin.get_by_text("Every case passed").wait_for(timeout=TIMEOUT)
    journey.idle(admin)
    journey.shot(admin, "acceptance-suite-passed")
    journey.open(admin, f"/merchant?id={merchant_id}", FIRST["name"])
    admin.get_by_role("radio", name="2 · Solution").click()
    journey.item(admin, "sandbox_acceptance").get_by_text("Passed").first.wait_for(timeout=TIMEOUT)
    journey.shot(admin, "stage-two-complete")

    # 6. stage 3: support signs off, the merchant records production identifiers and key
    journey.mark_done(admin, merchant_id, ["sandbox_signoff", "api_authorized"])
    journey.open(jane, "/", "What we need from you next")
    journey.submit_item(
        jane,
        "production_credentials",
        identifiers=("2099010100000000001", "2099010100000000001001", "0123456789ABCDEF01234567"),
    )
    journey.review(admin)

    # 7. stage 4: screenshot and link; support rejects the screenshot with a reason
    journey.mark_done(admin, merchant_id, ["website_review", "production_parameters"])
    journey.open(jane, "/", "What we need from you next")
    journey.submit_item(jane, "parameters_replaced", text="Production accId configured on the live site")
    journey.submit_item(jane, "self_test_screenshot", upload=png_bytes(320, 200, "#dddddd"))
    journey.submit_item(jane, "product_link", text="https://journey-outdoor.example.com/products/one-dollar")
    journey.shot(jane, "docking-submitted")
    journey.open(admin, "/review", "Review queue")
    journey.shot(admin, "review-queue-with-screenshot")
    journey.review(admin, reject={"Self-test payment": "The screenshot must show the order number."})

    # 8. the merchant sees the reason and resubmits; support approves
    journey.open(jane, "/", "What we need from you next")
    journey.item(jane, "self_test_screenshot").get_by_text("The screenshot must show the order number.").wait_for(
        timeout=TIMEOUT
    )
    journey.shot(jane, "rejection-seen")
    journey.submit_item(jane, "self_test_screenshot", upload=png_bytes(320, 200, "#cce5ff"))
    journey.review(admin)

    # 9. stage 5, in order: verification approved, the real transaction (an admin override with a reason here:
    #    the test has no production gateway to query), the refund, then go-live confirmed with a reason
    journey.open(jane, "/", "What we need from you next")
    journey.item(jane, "merchant_refund").get_by_text("Waits for: Real 1 USD transaction").wait_for(timeout=TIMEOUT)
    journey.submit_item(jane, "verification_submitted", text="Ready for the real 1 USD transaction")
    journey.review(admin)
    journey.confirm_with_reason(
        admin, merchant_id, "real_transaction", "Override (admin)", "Paid in person; query API unreachable", "Done"
    )
    journey.open(jane, "/", "What we need from you next")
    journey.submit_item(jane, "merchant_refund", text="Refund of the 1 USD order initiated")
    journey.review(admin)
    journey.confirm_with_reason(admin, merchant_id, "go_live", "Mark done", "Transaction and refund verified", "Done")
    admin.get_by_text("Launched").first.wait_for(timeout=TIMEOUT)
    journey.shot(admin, "launched")
    journey.open(jane, "/", "Your integration is live")
    journey.shot(jane, "portal-live")

    # 10. the second merchant still sees only its own onboarding
    journey.open(oscar, "/", f"{SECOND['name']}: my onboarding")
    assert FIRST["name"] not in oscar.content() and "order number" not in oscar.content()
    journey.shot(oscar, "second-merchant-still-isolated")
