"""The acceptance suite end to end against the simulator: every case A–H, what is kept, and the checklist."""

import pytest
from sqlmodel import select

from models import ChecklistItem, HistoryEvent
from models.gateway import GatewayCase
from onboarding.core.config import get_settings
from onboarding.gateway import acceptance, credentials, runs
from onboarding.process.merchants import create_merchant
from tests.conftest import free_port
from tests.gateway_servers import StubServer


def item_status(session, merchant_id, key="sandbox_acceptance"):
    row = session.exec(
        select(ChecklistItem).where(ChecklistItem.merchant_id == merchant_id, ChecklistItem.item_key == key)
    ).one()
    session.refresh(row)
    return row.status


@pytest.fixture
def full_merchant(session, admin, merchant_input):
    merchant_input.uses_preauth = merchant_input.uses_3ds = merchant_input.uses_refunds = True
    return create_merchant(session, admin, merchant_input)


@pytest.fixture
def suite_run(session, admin, full_merchant, sandbox):
    progress = []
    run = acceptance.run_suite(
        session, admin, full_merchant.id, on_progress=lambda done, total, key, case: progress.append((done, total, key))
    )
    view = runs.run_view(session, admin, run.id)
    return {"run": run, "view": view, "cases": {case.case_key: case for case in view.cases}, "progress": progress}


def test_the_cases_follow_the_merchants_features(merchant):
    assert [case.key for case in acceptance.applicable_cases(merchant)] == ["A", "B", "C", "E", "F"]
    merchant.uses_refunds, merchant.uses_preauth, merchant.uses_3ds = False, True, True
    assert [case.key for case in acceptance.applicable_cases(merchant)] == ["A", "B", "C", "D", "G", "H"]


def test_a_merchant_with_every_feature_passes_all_eight_cases_and_the_item_turns_passed(
    session, full_merchant, suite_run
):
    assert suite_run["run"].status == "passed"
    assert {key: case.verdict for key, case in suite_run["cases"].items()} == dict.fromkeys("ABCDEFGH", "passed")
    assert item_status(session, full_merchant.id) == "passed"
    assert suite_run["progress"][-1] == (8, 8, "H")


def exchanges(case):
    return runs.exchanges_of(case)


def test_case_a_sends_a_decimal_amount_and_gets_it_back(suite_run):
    (exchange,) = exchanges(suite_run["cases"]["A"])
    assert exchange["request"]["bizContent"]["amount"] == "12.34"
    assert exchange["response"]["bizContent"]["amount"] == "12.340000"


def test_case_b_ships_to_canada_with_a_province(suite_run):
    (exchange,) = exchanges(suite_run["cases"]["B"])
    address = exchange["request"]["bizContent"]["shippingAddress"]
    assert (address["country"], address["state"]) == ("CA", "ON")
    assert exchange["response"]["bizContent"]["status"] == "SUCCESS"


def test_case_c_has_one_approved_and_one_rejected_order_at_two_dollars(suite_run):
    approved, rejected = exchanges(suite_run["cases"]["C"])
    assert [e["request"]["bizContent"]["amount"] for e in (approved, rejected)] == ["2.00", "2.00"]
    assert approved["response"]["bizContent"]["status"] == "SUCCESS"
    assert (rejected["response"]["code"], rejected["response"]["bizContent"]["status"]) == ("200000", "FAILED")


def test_case_d_uses_account_b_meets_the_challenge_and_completes_it(suite_run):
    payment, challenge, query = exchanges(suite_run["cases"]["D"])
    assert payment["request"]["accId"] == credentials.PUBLIC_ACCOUNT_B.acc_id
    assert payment["response"]["bizContent"]["threeDContinue"] == "true"
    assert challenge["request"] == {"code": "1234"}
    assert query["response"]["bizContent"]["status"] == "SUCCESS"


def test_cases_e_and_f_refund_fully_and_twice_partially(suite_run):
    paid, refund, check = exchanges(suite_run["cases"]["E"])
    assert (
        refund["request"]["bizContent"]["amount"] == "4.00" and check["response"]["bizContent"]["status"] == "SUCCESS"
    )
    paid, first, second = exchanges(suite_run["cases"]["F"])
    assert [e["request"]["bizContent"]["amount"] for e in (first, second)] == ["2.50", "3.50"]


def test_cases_g_and_h_authorise_then_capture_the_same_order(suite_run):
    authorised, _query = exchanges(suite_run["cases"]["G"])
    capture, query = exchanges(suite_run["cases"]["H"])
    order = authorised["request"]["bizContent"]["merchantTransactionId"]
    assert authorised["request"]["bizContent"]["captureDelayHours"] == -1
    assert authorised["response"]["bizContent"]["status"] == "AUTH_SUCCESS"
    assert capture["request"]["bizContent"]["merchantTransactionId"] == order
    assert query["response"]["bizContent"]["status"] == "SUCCESS"


def test_cards_are_kept_masked_and_no_cvv_is_ever_stored(session, suite_run):
    stored = " ".join(case.exchanges for case in session.exec(select(GatewayCase)))
    assert "411111******1111" in stored and "520000******1096" in stored
    assert "4111111111111111" not in stored and "5200000000001096" not in stored
    assert '"cvv"' not in stored.lower()


def test_the_run_stays_browsable_and_is_in_the_merchants_history(session, admin, full_merchant, suite_run):
    assert [run.id for run in runs.runs_for(session, admin, full_merchant.id)] == [suite_run["run"].id]
    events = session.exec(
        select(HistoryEvent).where(HistoryEvent.merchant_id == full_merchant.id, HistoryEvent.action == "test_run")
    ).all()
    assert len(events) == 1


def test_a_declining_account_fails_the_item(session, admin, merchant, sandbox, monkeypatch):
    monkeypatch.setattr(acceptance, "CARDS", {credentials.PUBLIC_ACCOUNT_A.acc_id: "5204740000001002"})
    run = acceptance.run_suite(session, admin, merchant.id)
    assert run.status == "failed"
    assert item_status(session, merchant.id) == "failed"
    case = runs.run_view(session, admin, run.id).cases[0]
    assert runs.detail_of(case)["params"]["code"] == "301002"


def test_a_gateway_that_is_down_records_nothing_on_the_checklist(session, admin, merchant, monkeypatch):
    monkeypatch.setenv("PINGPONG_SANDBOX_BASE_URL", f"http://127.0.0.1:{free_port()}")
    get_settings.cache_clear()
    run = acceptance.run_suite(session, admin, merchant.id)
    view = runs.run_view(session, admin, run.id)
    assert run.status == "unavailable"
    assert [case.verdict for case in view.cases] == ["unavailable"] + ["skipped"] * 4
    assert item_status(session, merchant.id) == "todo"


def test_a_slow_gateway_is_reported_as_unavailable_not_as_a_failure(session, admin, merchant, monkeypatch):
    import time

    def answer(_stub, _handler, _body):
        time.sleep(1.0)
        return 200, {}, b"{}"

    with StubServer(answer) as stub:
        monkeypatch.setenv("PINGPONG_SANDBOX_BASE_URL", stub.url)
        monkeypatch.setenv("PINGPONG_TIMEOUT_SECONDS", "0.2")
        get_settings.cache_clear()
        run = acceptance.run_suite(session, admin, merchant.id)
    assert run.status == "unavailable"
    case = runs.run_view(session, admin, run.id).cases[0]
    assert runs.detail_of(case)["key"] == "gateway.error.timeout"
    assert item_status(session, merchant.id) == "todo"
