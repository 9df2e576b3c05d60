"""The process rules as people meet them in the pages: errors beside fields, look-alikes, waits, confirmations."""

from sqlmodel import select

from models import HistoryEvent, Merchant
from onboarding.process import checklist
from onboarding.process.history import detail_of
from tests.test_checklist import item, merchant_user
from tests.test_dependencies import reach
from tests.test_pages import fill_new_merchant, open_page


def through_dialog(at, opener, reason: str = ""):
    """Open a confirmation dialog, then confirm it with `reason` (AppTest reruns the whole page, so it reopens)."""
    opener(at).click().run()
    assert at.button(key="confirm_button"), "the dialog is open"
    opener(at).click()
    if reason:
        at.text_area(key="confirm_reason").input(reason)
    at.button(key="confirm_button").click()
    return at.run()


def button(label: str | None = None, key: str | None = None):
    return lambda at: at.button(key=key) if key else next(b for b in at.button if b.label == label)


def test_new_merchant_form_shows_every_error_beside_its_field_and_keeps_the_input(database_url, session, admin):
    at = open_page(admin, "pages/new_merchant.py")
    fill_new_merchant(at, ["", "www.pixelgaming", "Noah Kim", "noah-at-pixel", ""])
    assert not at.exception
    left, right = at.columns[0], at.columns[1]
    assert [error.value for error in left.error] == [
        "Merchant name is required.",
        "Choose the country from the list (an ISO 3166 country such as US, CA or DE).",
    ]
    assert [error.value for error in right.error] == [
        "Website needs a full domain name such as shop.example.com.",
        "Contact e-mail is not a valid e-mail address, for example dev@example.com.",
    ]
    assert "Check the 4 marked field(s)" in at.error[-1].value
    assert at.text_input(key="nm_website").value == "www.pixelgaming", "what was typed is kept"
    assert at.text_input(key="nm_contact_name").value == "Noah Kim"
    assert session.exec(select(Merchant)).all() == []


def test_new_merchant_form_warns_about_a_look_alike_and_creates_it_only_when_confirmed(
    database_url, session, admin, merchant
):
    at = open_page(admin, "pages/new_merchant.py")
    fill_new_merchant(at, ["aurora outdoor gear ", "www.aurora.example.com", "Emily", "EMILY@aurora.example.com", "us"])
    assert not at.exception
    assert "This may already exist: 1 merchant(s)" in at.warning[0].value
    matches = at.dataframe[0].value
    assert list(matches["name"]) == [merchant.name]
    assert list(matches["matches"]) == ["website, contact e-mail, name"]
    assert list(matches["link"]) == [f"merchant?id={merchant.id}"]
    assert len(session.exec(select(Merchant)).all()) == 1, "nothing was created yet"
    at.button(key="nm_create_anyway").click().run()
    assert not at.exception
    created = session.exec(select(Merchant).where(Merchant.id != merchant.id)).one()
    assert created.name == "aurora outdoor gear"
    event = session.exec(
        select(HistoryEvent).where(HistoryEvent.merchant_id == created.id, HistoryEvent.action == "merchant_created")
    ).one()
    assert detail_of(event)["created_despite"] == f"#{merchant.id} {merchant.name}"


def test_merchant_page_says_what_an_item_waits_for_and_offers_no_shortcut(database_url, session, admin, merchant):
    reach(session, admin, merchant, "verification")
    at = open_page(admin, "pages/merchant.py", id=str(merchant.id))
    assert not at.exception
    captions = [caption.value for caption in at.caption]
    assert any("Waits for: Screenshots and product link submitted for verification" in c for c in captions)
    assert any("Waits for: Real 1 USD transaction made and confirmed" in c for c in captions)
    real = item(session, merchant, "real_transaction")
    assert not any(button.key == f"done_{real.id}_{real.version}" for button in at.button), "no one-click shortcut"
    assert not any(button.key == f"override_{real.id}_{real.version}" for button in at.button), "it still waits"
    go_live = item(session, merchant, "go_live")
    assert not any(button.key == f"done_{go_live.id}_{go_live.version}" for button in at.button)


def test_an_admin_override_of_the_real_transaction_asks_for_a_reason(database_url, session, admin, merchant):
    reach(session, admin, merchant, "verification")
    row = item(session, merchant, "verification_submitted")
    checklist.submit(session, merchant_user(merchant), row.id, row.version, "ready")
    checklist.approve(session, admin, row.id, item(session, merchant, "verification_submitted").version)
    real = item(session, merchant, "real_transaction")
    at = open_page(admin, "pages/merchant.py", id=str(merchant.id))
    assert any("verified production transaction" in caption.value for caption in at.caption)
    override = button(key=f"override_{real.id}_{real.version}")
    override(at).click().run()
    assert not at.exception
    assert at.text_area(key="confirm_reason").label.startswith("Why is the verified transaction not available?")
    through_dialog(at, override)
    assert any("Write why the item is completed" in error.value for error in at.error)
    assert item(session, merchant, "real_transaction").status == "todo", "no reason, no change"
    through_dialog(at, override, "Query API down; the order is in the back office")
    assert not at.exception
    done = item(session, merchant, "real_transaction")
    assert (done.status, done.value) == ("done", "Query API down; the order is in the back office")


def test_go_live_asks_for_confirmation_with_a_reason_and_launches(database_url, session, admin, merchant):
    reach(session, admin, merchant, "verification")
    for key in ("verification_submitted", "merchant_refund"):
        if key == "merchant_refund":
            checklist.record_result(session, admin, merchant.id, "real_transaction", True, "SUCCESS 1.00 USD")
        row = item(session, merchant, key)
        checklist.submit(session, merchant_user(merchant), row.id, row.version, "done")
        checklist.approve(session, admin, row.id, item(session, merchant, key).version)
    go_live = item(session, merchant, "go_live")
    at = open_page(admin, "pages/merchant.py", id=str(merchant.id))
    sign_off = button(key=f"done_{go_live.id}_{go_live.version}")
    sign_off(at).click().run()
    assert not at.exception
    assert at.button(key="confirm_button").label == "Sign off"
    session.refresh(merchant)
    assert merchant.status == "active", "opening the dialog changes nothing"
    through_dialog(at, sign_off)
    assert any("Write a reason for the sign-off" in error.value for error in at.error)
    through_dialog(at, sign_off, "Real transaction and refund verified")
    assert not at.exception
    session.refresh(merchant)
    assert merchant.status == "launched"
    assert item(session, merchant, "go_live").value == "Real transaction and refund verified"


def test_withdraw_asks_for_confirmation_with_a_reason(database_url, session, admin, merchant):
    at = open_page(admin, "pages/merchant.py", id=str(merchant.id))
    assert "launched" not in next(box for box in at.selectbox if box.label == "Status").options

    def save_withdrawn(at):
        next(box for box in at.selectbox if box.label == "Status").set_value("withdrawn")
        return next(b for b in at.button if b.label == "Save status")

    save_withdrawn(at).click().run()
    assert not at.exception
    session.refresh(merchant)
    assert merchant.status == "active", "the dialog asks first"
    assert at.text_area(key="confirm_reason").label.startswith("Why is the merchant withdrawn?")
    through_dialog(at, save_withdrawn, "Chose another provider")
    session.refresh(merchant)
    assert merchant.status == "withdrawn"


def test_a_gate_override_asks_for_confirmation(database_url, session, admin, merchant):
    at = open_page(admin, "pages/merchant.py", id=str(merchant.id))
    at.session_state[f"merchant_stage_{merchant.id}"] = 1  # the locked stage's checklist, where its override is
    at.run()
    through_dialog(at, button(key="override_1"), "Merchant already tested with the public account")
    assert not at.exception
    session.refresh(merchant)
    assert merchant.current_stage == 1


def test_archive_from_the_merchant_page_and_restore(database_url, session, admin, merchant):
    at = open_page(admin, "pages/merchant.py", id=str(merchant.id))
    through_dialog(at, button("Archive…"), "Created twice by mistake")
    assert not at.exception
    session.refresh(merchant)
    assert merchant.archived_reason == "Created twice by mistake"
    at = open_page(admin, "pages/merchant.py", id=str(merchant.id))
    assert "Archived on" in at.warning[0].value
    next(b for b in at.button if b.label == "Restore to the work lists").click().run()
    session.refresh(merchant)
    assert merchant.archived_at is None


def test_the_merchant_portal_shows_the_wait_to_the_merchant(database_url, session, admin, merchant):
    reach(session, admin, merchant, "docking")
    at = open_page(merchant_user(merchant))
    assert not at.exception
    assert any("Waits for: Production parameters issued" in caption.value for caption in at.caption)
    submit_forms = [button for button in at.button if button.label == "Submit"]
    assert len(submit_forms) == len(("self_test_screenshot", "product_link")), "the waiting item offers no Submit"
