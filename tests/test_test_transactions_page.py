"""The Test transactions page driven with AppTest: the suite with its result rows, single calls, credentials,
the rules and the browsable runs."""

from sqlmodel import select
from streamlit.testing.v1 import AppTest

from models import ChecklistItem, HistoryEvent
from onboarding.core.access import Actor
from tests.conftest import ROOT

APP = str(ROOT / "app.py")
PAGE = "pages/test_transactions.py"


def open_page(actor: Actor, language: str = "en", **query) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state["actor"] = actor
    at.session_state["language"] = language
    at.switch_page(PAGE)
    for key, value in query.items():
        at.query_params[key] = value
    return at.run()


def button(at: AppTest, label: str):
    return next(b for b in at.button if b.label == label)


def test_running_the_acceptance_suite_shows_a_row_per_case_and_turns_the_item_passed(session, admin, merchant, sandbox):
    at = open_page(admin, id=str(merchant.id))
    assert not at.exception
    assert at.title[0].value == "Test transactions"
    button(at, "Run acceptance suite").click().run()
    assert not at.exception
    result = next(frame.value for frame in at.dataframe if "case" in frame.value.columns)
    assert list(result["case"]) == ["A", "B", "C", "E", "F"]
    assert all("passed" in verdict for verdict in result["verdict"])
    row = session.exec(
        select(ChecklistItem).where(
            ChecklistItem.merchant_id == merchant.id, ChecklistItem.item_key == "sandbox_acceptance"
        )
    ).one()
    session.refresh(row)
    assert row.status == "passed"
    history = next(frame.value for frame in at.dataframe if "summary" in frame.value.columns)
    assert len(history) == 1
    assert any(
        expander.label.endswith(f"Order with a decimal amount — passed · {result['ms'][0]} ms")
        for expander in at.expander
    )


def test_a_single_payment_with_a_declined_card_shows_the_plain_words(session, admin, merchant, sandbox):
    at = open_page(admin, id=str(merchant.id))
    next(box for box in at.text_input if box.label == "Card number").input("5204740000001002")
    button(at, "Send").click().run()
    assert not at.exception
    assert any("301002" in caption.value and "do not honour" in caption.value for caption in at.caption)


def test_bad_amount_is_a_message_not_a_traceback(session, admin, merchant, sandbox):
    at = open_page(admin, id=str(merchant.id))
    next(box for box in at.text_input if box.label == "Amount (USD)").input("abc")
    button(at, "Send").click().run()
    assert not at.exception
    assert any("The amount must be a number" in error.value for error in at.error)


def test_credentials_are_saved_masked_and_a_reveal_is_recorded(session, admin, merchant, sandbox):
    at = open_page(admin, id=str(merchant.id))
    next(box for box in at.text_input if box.label == "accId").input("2018092714313010016291")
    next(box for box in at.text_input if box.label == "clientId").input("2018092714313010016")
    next(box for box in at.text_input if box.label == "Salt (key)").input("F78BC96A55548B2319EE68E0")
    button(at, "Save credentials").click().run()
    assert not at.exception
    assert any("••••••••68E0" in markdown.value for markdown in at.markdown)
    button(at, "Reveal the salt").click().run()
    assert at.code[0].value == "F78BC96A55548B2319EE68E0"
    assert session.exec(select(HistoryEvent).where(HistoryEvent.action == "salt_revealed")).one()


def test_a_wrong_client_id_is_explained(session, admin, merchant, sandbox):
    at = open_page(admin, id=str(merchant.id))
    next(box for box in at.text_input if box.label == "accId").input("2018092714313010016291")
    next(box for box in at.text_input if box.label == "clientId").input("2018092714313010099")
    next(box for box in at.text_input if box.label == "Salt (key)").input("SALT")
    button(at, "Save credentials").click().run()
    assert any("without its last three digits" in error.value for error in at.error)


def test_the_simulator_rules_are_shown_and_the_page_speaks_chinese(session, admin, merchant, sandbox):
    at = open_page(admin, id=str(merchant.id))
    assert any("301002" in markdown.value for markdown in at.markdown)
    assert any("reject@" in markdown.value for markdown in at.markdown)
    chinese = open_page(admin, language="zh", id=str(merchant.id))
    assert not chinese.exception
    assert chinese.title[0].value == "测试交易"
    assert any(b.label == "运行验收用例" for b in chinese.button)


def test_merchant_users_cannot_use_the_page(session, merchant, sandbox):
    at = open_page(Actor(id=None, name="Emily", role="merchant", merchant_id=merchant.id))
    assert not at.exception
    assert not any(b.label == "Run acceptance suite" for b in at.button)
