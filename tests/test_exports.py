"""Exports: the pipeline as CSV and Excel holds exactly the filtered rows; a merchant's record is one workbook."""

import dataclasses
import io

import pandas as pd
import pytest
from sqlmodel import select
from streamlit.testing.v1 import AppTest

from models import HistoryEvent, Merchant
from onboarding.core.access import Actor
from onboarding.core.errors import AccessDenied, NotFound
from onboarding.process.definition import default_process
from onboarding.process.merchants import PipelineFilter, pipeline
from onboarding.reports import exports
from tests import analytics_data
from tests.conftest import ROOT


@pytest.fixture
def dataset(session):
    return analytics_data.build(session)


def test_pipeline_csv_holds_exactly_the_filtered_rows(session, admin, dataset):
    rows = pipeline(session, admin, PipelineFilter(statuses=("launched",)), per_page=None).rows
    frame = pd.DataFrame(rows)[["id", "name", "status"]]
    parsed = pd.read_csv(io.BytesIO(exports.table_csv(frame)), encoding="utf-8-sig")
    assert sorted(parsed["name"]) == ["Delta", "Echo", "Foxtrot"]
    assert list(parsed.columns) == ["id", "name", "status"]


def test_pipeline_excel_holds_exactly_the_filtered_rows_with_dates(session, admin, dataset):
    rows = pipeline(session, admin, PipelineFilter(search="alpha"), per_page=None).rows
    frame = pd.DataFrame(rows)[["id", "name", "last_activity"]]
    frame["last_activity"] = pd.to_datetime(frame["last_activity"], utc=True)
    parsed = pd.read_excel(io.BytesIO(exports.table_xlsx(frame)))
    assert list(parsed["name"]) == ["Alpha"]
    assert parsed["last_activity"][0].year == 2026


def test_chinese_headers_survive_the_csv_round_trip():
    frame = pd.DataFrame({"商户": ["测试"]})
    assert exports.table_csv(frame).startswith('\ufeff"商户"'.encode())


def test_merchant_record_has_a_sheet_per_table_with_only_that_merchant(session, admin, dataset):
    charlie = dataset["Charlie"]
    sheets = pd.read_excel(io.BytesIO(exports.export_merchant_record(session, admin, charlie.id)), sheet_name=None)
    assert {"merchant", "items", "submissions", "reviews", "history"} <= set(sheets)
    assert list(sheets["merchant"]["name"]) == ["Charlie"]
    assert len(sheets["items"]) == len(default_process().items) and set(sheets["items"]["merchant_id"]) == {charlie.id}
    history = session.exec(select(HistoryEvent).where(HistoryEvent.merchant_id == charlie.id)).all()
    assert len(sheets["history"]) == len(history)
    assert list(sheets["reviews"]["action"]) == ["rejected"]


def test_merchant_record_for_an_unknown_merchant_says_so(session, admin, dataset):
    with pytest.raises(NotFound):
        exports.export_merchant_record(session, admin, 9999)


def test_merchant_users_cannot_export_records(session, dataset):
    merchant = session.exec(select(Merchant)).first()
    with pytest.raises(AccessDenied):
        exports.export_merchant_record(
            session, Actor(id=None, name="E", role="merchant", merchant_id=merchant.id), merchant.id
        )


def test_pipeline_page_offers_csv_and_excel_and_flags_late_merchants(session, admin):
    from onboarding.core import clock

    analytics_data.build(session, now=clock.now())
    at = AppTest.from_file(str(ROOT / "pages/pipeline.py"), default_timeout=60)
    at.session_state["actor"] = admin
    at.session_state["language"] = "en"
    at.run()
    assert not at.exception
    labels = [button.proto.label for button in at.get("download_button")]
    assert labels == ["Download CSV (all 7)", "Download Excel (all 7)"]
    table = at.dataframe[0].value
    assert table.set_index("name")["flags"].to_dict()["Alpha"] == "Over SLA"
    at.toggle(key="pipeline_flagged_only").set_value(True).run()
    assert sorted(at.dataframe[0].value["name"]) == ["Alpha", "Bravo"]


def test_merchant_record_includes_its_gateway_test_runs_and_cases(session, admin, dataset):
    from models.gateway import GatewayCase, GatewayRun

    charlie, delta = dataset["Charlie"], dataset["Delta"]
    for merchant in (charlie, delta):
        run = GatewayRun(
            merchant_id=merchant.id,
            environment="sandbox",
            kind="acceptance",
            status="passed",
            base_url="http://127.0.0.1:9/sandbox",
            actor_name="Li Wei",
            started_at=analytics_data.NOW,
        )
        session.add(run)
        session.flush()
        session.add(
            GatewayCase(
                run_id=run.id,
                position=0,
                case_key="A",
                verdict="passed",
                exchanges="[]",
                started_at=analytics_data.NOW,
                duration_ms=12,
            )
        )
    session.commit()
    sheets = pd.read_excel(io.BytesIO(exports.export_merchant_record(session, admin, charlie.id)), sheet_name=None)
    assert list(sheets["test_runs"]["merchant_id"]) == [charlie.id]
    assert list(sheets["test_cases"]["case_key"]) == ["A"]


HOSTILE_CELLS = ['=HYPERLINK("http://phish.test","Open")', "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"]


def test_csv_and_excel_cells_that_start_a_formula_stay_text():
    frame = pd.DataFrame({"name": HOSTILE_CELLS + ["Aurora"], "days": range(7)})
    parsed = pd.read_csv(io.BytesIO(exports.table_csv(frame)), encoding="utf-8-sig")
    assert list(parsed["name"]) == ["'" + cell for cell in HOSTILE_CELLS] + ["Aurora"]
    assert list(parsed["days"]) == list(range(7)), "numbers stay numbers"
    import openpyxl

    sheet = openpyxl.load_workbook(io.BytesIO(exports.table_xlsx(frame))).active
    cells = [row[0] for row in sheet.iter_rows(min_row=2)]
    assert all(cell.data_type == "s" and str(cell.value).startswith("'") for cell in cells[:-1])
    assert cells[-1].value == "Aurora"


def test_the_merchant_record_escapes_formulas_typed_by_people(session, admin, merchant_input):
    import openpyxl

    from onboarding.process.merchants import create_merchant

    hostile = dataclasses.replace(merchant_input, name="=cmd|' /C calc'!A0", contact_name="@SUM(1+1)*cmd|' /C calc'!A0")
    merchant = create_merchant(session, admin, hostile)
    book = openpyxl.load_workbook(io.BytesIO(exports.export_merchant_record(session, admin, merchant.id)))
    values = [cell for sheet in book for row in sheet.iter_rows() for cell in row if isinstance(cell.value, str)]
    assert all(cell.data_type != "f" for cell in values), "no cell is a formula"
    assert not any(cell.value.startswith(exports.FORMULA_STARTS) for cell in values)
    shown = {cell.value for cell in values}
    assert {"'=cmd|' /C calc'!A0", "'@SUM(1+1)*cmd|' /C calc'!A0"} <= shown
