"""Pages driven with Streamlit's AppTest against a real SQLite file."""

import pytest
from sqlmodel import select
from streamlit.testing.v1 import AppTest

from models import ChecklistItem, Merchant
from onboarding.core.access import Actor
from onboarding.operations import demo
from onboarding.process import checklist
from tests.conftest import ROOT

APP = str(ROOT / "app.py")


def open_page(actor: Actor, page: str | None = None, language: str | None = None, **query) -> AppTest:
    """Run the app as `actor` (so app.py builds the navigation), then open `page` with `query` (in `language`)."""
    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state["actor"] = actor
    if language:
        at.session_state["language"] = language
    if page or query:
        at.run()
    if page:
        at.switch_page(page)
    for key, value in query.items():
        at.query_params[key] = value
    return at.run()


def test_first_start_shows_an_empty_pipeline_that_offers_demo_data(database_url, session, admin):
    at = open_page(admin)
    assert not at.exception
    assert at.title[0].value == "Onboarding pipeline"
    load = next(b for b in at.button if b.label == "Load demo data")
    load.click().run()
    assert not at.exception
    assert len(session.exec(select(Merchant)).all()) == len(demo.MERCHANTS)
    assert len(at.dataframe) == 1 and len(at.dataframe[0].value) == len(demo.MERCHANTS)


def test_pipeline_filters_narrow_the_table(database_url, session, admin):
    demo.seed(session)
    at = open_page(admin)
    assert len(at.dataframe[0].value) == len(demo.MERCHANTS)
    at.text_input(key="pipeline_search").input("kyoto").run()
    assert list(at.dataframe[0].value["name"]) == ["Kyoto Tea House"]
    at.text_input(key="pipeline_search").input("").run()
    at.multiselect(key="pipeline_statuses").select("launched").run()
    frame = at.dataframe[0].value
    launched = sum(1 for _, status in demo.PLAN if status == "launched")
    assert len(frame) == launched and set(frame["status"]) == {"Launched"}
    at.multiselect(key="pipeline_stages").select(0).run()
    assert not at.exception
    assert len(at.dataframe) == 0 and "No merchant matches" in at.info[0].value


def test_pipeline_speaks_chinese_when_chosen(database_url, session, admin):
    demo.seed(session)
    at = open_page(admin)
    at.sidebar.selectbox(key="language_choice").select("zh").run()
    assert not at.exception
    assert at.title[0].value == "商户接入看板"
    assert "进行中" in set(at.dataframe[0].value["status"])


FORM_FIELDS = ["Merchant name", "Website", "Contact name", "Contact e-mail", "Country"]


def fill_new_merchant(at: AppTest, values: list[str]) -> None:
    """Type into the New merchant form (the country is chosen from the list by its code) and send it."""
    for label, value in zip(FORM_FIELDS, values, strict=False):
        if label == "Country":
            at.selectbox(key="nm_country").set_value(value.upper() or None)
        else:
            next(box for box in at.text_input if box.label.startswith(label)).input(value)
    next(b for b in at.button if b.label == "Create merchant").click().run()


def test_new_merchant_form_creates_a_merchant(database_url, session, admin):
    at = open_page(admin, "pages/new_merchant.py")
    fill_new_merchant(
        at, ["Aurora Outdoor Gear", "aurora.example.com", "Emily Carter", "emily@aurora.example.com", "us"]
    )
    assert not at.exception
    merchant = session.exec(select(Merchant)).one()
    assert (merchant.website, merchant.country) == ("https://aurora.example.com/", "US")


@pytest.mark.parametrize(
    ("index", "value", "message"),
    [
        (0, "", "Merchant name is required"),
        (1, "javascript:alert(1)", "must be a web address"),
        (3, "not-an-email", "not a valid e-mail address"),
    ],
)
def test_new_merchant_form_refuses_bad_input_and_writes_nothing(database_url, session, admin, index, value, message):
    at = open_page(admin, "pages/new_merchant.py")
    values = ["Aurora", "aurora.example.com", "Emily", "emily@aurora.example.com", "US"]
    values[index] = value
    fill_new_merchant(at, values)
    assert not at.exception
    assert any(message in error.value for error in at.error)
    assert session.exec(select(Merchant)).all() == []


def _submitted_item(session, merchant_input, admin):
    from onboarding.process.merchants import create_merchant

    merchant = create_merchant(session, admin, merchant_input)
    row = session.exec(
        select(ChecklistItem).where(
            ChecklistItem.merchant_id == merchant.id, ChecklistItem.item_key == "sandbox_account_type"
        )
    ).one()
    checklist.submit(
        session, Actor(id=None, name="Emily", role="merchant", merchant_id=merchant.id), row.id, row.version, "public"
    )
    return merchant, row


def test_merchant_page_approves_a_submitted_item(database_url, session, admin, merchant_input):
    merchant, row = _submitted_item(session, merchant_input, admin)
    at = open_page(admin, "pages/merchant.py", id=str(merchant.id))
    assert not at.exception
    assert at.title[0].value == merchant.name
    next(b for b in at.button if b.label == "Approve").click().run()
    assert not at.exception
    session.refresh(row)
    assert row.status == "approved"


def test_merchant_page_rejects_with_a_reason_and_shows_it(database_url, session, admin, merchant_input):
    merchant, row = _submitted_item(session, merchant_input, admin)
    at = open_page(admin, "pages/merchant.py", id=str(merchant.id))
    form_area = next(a for a in at.text_area if a.label.startswith("Reason"))
    form_area.input("Please use the public account")
    reject = next(b for b in at.button if b.label == "Reject")
    reject.click().run()
    assert not at.exception
    session.refresh(row)
    assert (row.status, row.rejection_reason) == ("rejected", "Please use the public account")
    assert any("Please use the public account" in e.value for e in at.error)


def test_merchant_page_without_reason_shows_a_message_and_changes_nothing(database_url, session, admin, merchant_input):
    merchant, row = _submitted_item(session, merchant_input, admin)
    at = open_page(admin, "pages/merchant.py", id=str(merchant.id))
    next(b for b in at.button if b.label == "Reject").click().run()
    assert any("Write a reason" in e.value for e in at.error)
    session.refresh(row)
    assert row.status == "submitted"


def test_merchant_page_for_unknown_id_offers_a_choice(database_url, session, admin):
    demo.seed(session)
    at = open_page(admin, "pages/merchant.py", id="9999")
    assert not at.exception
    assert "does not exist" in at.warning[0].value
    search = at.text_input(key="merchant_chooser_search")
    assert search.label == "Choose a merchant"
    search.input("kyoto").run()
    assert list(at.dataframe[0].value["Merchant"]) == ["Kyoto Tea House"]  # at most 20 matches, never all
