"""Tables of the integration observatory: the sandbox request log, notification attempts, acceptance checks."""

from datetime import datetime

from sqlalchemy import Column, Index, Text
from sqlmodel import Field, SQLModel


class SandboxRequest(SQLModel, table=True):
    """One call made with a merchant's sandbox account: what came in and went out (no salt, no CVV, cards masked)."""

    __tablename__ = "sandboxrequest"
    __table_args__ = (Index("ix_sandboxrequest_merchant", "merchant_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    merchant_id: int = Field(foreign_key="merchant.id")
    acc_id: str = Field(max_length=64)
    received_at: datetime
    path: str = Field(max_length=100)
    # "merchant": the merchant's own integration; "app": the app's own runs ("run by support")
    source: str = Field(max_length=20)
    run_id: int | None = None
    http_status: int
    sign_type: str | None = Field(default=None, max_length=10)
    code: str = Field(max_length=6)
    description: str = Field(sa_column=Column(Text, nullable=False))
    merchant_transaction_id: str | None = Field(default=None, max_length=64, index=True)
    transaction_id: str | None = Field(default=None, max_length=32)
    request: str = Field(sa_column=Column(Text, nullable=False))
    response: str = Field(sa_column=Column(Text, nullable=False))
    diagnosis: str | None = Field(default=None, sa_column=Column(Text))
    elapsed_ms: int = 0


class SimNotificationAttempt(SQLModel, table=True):
    """One delivery attempt of a simulator notification and what the receiver answered."""

    __tablename__ = "simnotificationattempt"

    id: int | None = Field(default=None, primary_key=True)
    notification_id: int = Field(foreign_key="simnotification.id", index=True)
    number: int
    attempted_at: datetime
    delivered: bool
    http_status: int | None = None
    answer: str | None = Field(default=None, max_length=200)
    error: str | None = Field(default=None, sa_column=Column(Text))


class AcceptanceCheck(SQLModel, table=True):
    """An acceptance case the merchant proved on PingPong's sandbox, checked by the query API."""

    __tablename__ = "acceptancecheck"
    __table_args__ = (Index("ix_acceptancecheck_merchant_case", "merchant_id", "case_key"),)

    id: int | None = Field(default=None, primary_key=True)
    merchant_id: int = Field(foreign_key="merchant.id")
    case_key: str = Field(max_length=1)
    reference: str = Field(sa_column=Column(Text, nullable=False))
    passed: bool
    detail: str = Field(sa_column=Column(Text, nullable=False))
    exchanges: str = Field(sa_column=Column(Text, nullable=False))
    checked_by_name: str = Field(max_length=200)
    checked_at: datetime
