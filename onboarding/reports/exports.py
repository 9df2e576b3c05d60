"""Downloads: shown tables as CSV or Excel, and a merchant's full onboarding record as one workbook."""

import csv
import io
import json

import pandas as pd
from sqlalchemy import inspect as sa_inspect
from sqlmodel import Session, SQLModel, col, select

from models import ChecklistItem, HistoryEvent, Merchant, StageOverride, Submission
from onboarding.core.access import Actor, require_merchant_access, require_staff
from onboarding.core.errors import NotFound

REVIEW_ACTIONS = ("approved", "rejected", "done", "reopened", "gate_overridden")
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SHEET_NAME_LIMIT = 31
# Columns that may hold secrets never leave the database in an export.
SECRET_HINTS = ("secret", "salt", "password", "token", "encrypted", "cipher")


# OWASP's CSV-injection rule: a cell starting with one of these would be run as a formula by spreadsheets.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def formula_safe(value):
    """A text cell that spreadsheets show as text: a leading formula character gets a single quote before it."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _formula_safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Every text cell (and header) of the frame made formula-safe; numbers and dates stay as they are."""
    safe = frame.rename(columns=formula_safe)
    for column in safe.columns:
        if safe[column].dtype == object or pd.api.types.is_string_dtype(safe[column].dtype):
            safe[column] = safe[column].map(formula_safe)
    return safe


def _excel_ready(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with naive UTC datetimes, because Excel cannot hold time zones."""
    frame = frame.copy()
    for column in frame.columns:
        if isinstance(frame[column].dtype, pd.DatetimeTZDtype):
            frame[column] = frame[column].dt.tz_convert("UTC").dt.tz_localize(None)
        elif frame[column].dtype == object:
            frame[column] = frame[column].map(
                lambda value: value.replace(tzinfo=None) if hasattr(value, "tzinfo") and value.tzinfo else value
            )
    return frame


def table_csv(frame: pd.DataFrame) -> bytes:
    """The table as UTF-8 CSV with a byte-order mark (Excel opens Chinese text correctly), formulas escaped."""
    # every text cell quoted: a bare carriage return inside one would otherwise start a row of its own
    return _formula_safe_frame(frame).to_csv(index=False, quoting=csv.QUOTE_NONNUMERIC).encode("utf-8-sig")


def workbook(sheets: dict[str, pd.DataFrame]) -> bytes:
    """An Excel workbook with one sheet per table; text that looks like a formula stays text."""
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        for name, frame in sheets.items():
            _excel_ready(_formula_safe_frame(frame)).to_excel(writer, sheet_name=name[:SHEET_NAME_LIMIT], index=False)
    return buffer.getvalue()


def table_xlsx(frame: pd.DataFrame, sheet: str = "pipeline") -> bytes:
    """The table as an Excel workbook of one sheet."""
    return workbook({sheet: frame})


def _frame(rows: list[SQLModel], table) -> pd.DataFrame:
    columns = [
        column.key
        for column in sa_inspect(table).columns
        if not any(hint in column.key.lower() for hint in SECRET_HINTS)
    ]
    return pd.DataFrame([{name: getattr(row, name) for name in columns} for row in rows], columns=columns)


def _gateway_tables():
    """The gateway's test-run and test-case tables, when that work has added them (looked up by name)."""
    try:
        from models import gateway
    except ImportError:
        return None, None
    runs = next(
        (
            getattr(gateway, name)
            for name in ("GatewayRun", "TestRun", "GatewayTestRun")
            if hasattr(getattr(gateway, name, None), "merchant_id")
        ),
        None,
    )
    cases = getattr(gateway, "GatewayCase", None)
    return runs, cases if runs is not None and hasattr(cases, "run_id") else None


def export_merchant_record(session: Session, actor: Actor, merchant_id: int) -> bytes:
    """One Excel workbook with the merchant, its items, submissions, reviews, test runs and history, for audits."""
    require_staff(actor)
    require_merchant_access(actor, merchant_id)
    merchant = session.get(Merchant, merchant_id)
    if merchant is None:
        raise NotFound("error.merchant_not_found")
    items = session.exec(
        select(ChecklistItem)
        .where(ChecklistItem.merchant_id == merchant_id)
        .order_by(ChecklistItem.stage_index, ChecklistItem.id)
    ).all()
    submissions = session.exec(
        select(Submission).where(Submission.merchant_id == merchant_id).order_by(Submission.item_id, Submission.number)
    ).all()
    overrides = session.exec(select(StageOverride).where(StageOverride.merchant_id == merchant_id)).all()
    events = session.exec(
        select(HistoryEvent)
        .where(HistoryEvent.merchant_id == merchant_id)
        .order_by(HistoryEvent.created_at, HistoryEvent.id)
    ).all()
    history = _frame(events, HistoryEvent)
    sheets = {
        "merchant": _frame([merchant], Merchant),
        "items": _frame(items, ChecklistItem),
        "submissions": _frame(submissions, Submission),
        "reviews": history[history["action"].isin(REVIEW_ACTIONS)],
        "overrides": _frame(overrides, StageOverride),
    }
    run_table, case_table = _gateway_tables()
    if run_table is not None:
        of_merchant = select(run_table.id).where(col(run_table.merchant_id) == merchant_id)
        runs = session.exec(
            select(run_table).where(col(run_table.merchant_id) == merchant_id).order_by(run_table.id)
        ).all()
        sheets["test_runs"] = _frame(runs, run_table)
        if case_table is not None:
            cases = session.exec(
                select(case_table)
                .where(col(case_table.run_id).in_(of_merchant))
                .order_by(case_table.run_id, case_table.position)
            ).all()
            sheets["test_cases"] = _frame(cases, case_table)
    sheets["history"] = history.assign(
        detail=history["detail"].map(
            lambda text: json.dumps(json.loads(text), ensure_ascii=False) if isinstance(text, str) and text else ""
        )
    )
    return workbook(sheets)
