"""Completed stays of merchants in stages, recorded when the stage changes (what Analytics reads)."""

from datetime import datetime

from sqlalchemy import Index
from sqlmodel import Field, SQLModel


class StageStay(SQLModel, table=True):
    """One merchant's stay in one stage, from entering it to leaving it, with its length in days."""

    __table_args__ = (Index("ix_stagestay_stage_days", "stage_index", "days"),)

    id: int | None = Field(default=None, primary_key=True)
    merchant_id: int = Field(foreign_key="merchant.id", index=True)
    stage_index: int
    entered_at: datetime
    left_at: datetime
    days: float
