"""Tables of the gateway work: merchant credentials, test runs, notifications and the simulator's state."""

from datetime import datetime

from sqlalchemy import Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel


class MerchantCredential(SQLModel, table=True):
    """A merchant's clientId, accId and encrypted salt for one environment."""

    __tablename__ = "merchantcredential"
    __table_args__ = (UniqueConstraint("merchant_id", "environment"),)

    id: int | None = Field(default=None, primary_key=True)
    merchant_id: int = Field(foreign_key="merchant.id", index=True)
    environment: str = Field(max_length=20)
    client_id: str = Field(max_length=64)
    acc_id: str = Field(max_length=64, index=True)
    salt_encrypted: str = Field(sa_column=Column(Text, nullable=False))
    updated_by_name: str = Field(max_length=200)
    updated_at: datetime


class GatewayRun(SQLModel, table=True):
    """One run of a gateway check for a merchant: the acceptance suite, a single call or a verification."""

    __tablename__ = "gatewaytestrun"
    __table_args__ = (Index("ix_gatewaytestrun_merchant_time", "merchant_id", "started_at"),)

    id: int | None = Field(default=None, primary_key=True)
    merchant_id: int = Field(foreign_key="merchant.id")
    environment: str = Field(max_length=20)
    kind: str = Field(max_length=30)
    status: str = Field(max_length=20)
    base_url: str = Field(max_length=2048)
    acc_id: str | None = Field(default=None, max_length=64)
    summary: str | None = Field(default=None, sa_column=Column(Text))
    actor_id: int | None = Field(default=None, foreign_key="user.id")
    actor_name: str = Field(max_length=200)
    started_at: datetime
    finished_at: datetime | None = None


class GatewayCase(SQLModel, table=True):
    """One case of a run: what was sent and received (card numbers masked, no CVV), the verdict, the time."""

    __tablename__ = "gatewaytestcase"

    id: int | None = Field(default=None, primary_key=True)
    run_id: int = Field(foreign_key="gatewaytestrun.id", index=True)
    position: int
    case_key: str = Field(max_length=30)
    verdict: str = Field(max_length=20)
    detail: str | None = Field(default=None, sa_column=Column(Text))
    exchanges: str = Field(sa_column=Column(Text, nullable=False))
    merchant_transaction_id: str | None = Field(default=None, max_length=64, index=True)
    started_at: datetime
    duration_ms: int


class ReceivedNotification(SQLModel, table=True):
    """An asynchronous notification that reached /api/pingpong/notify, kept once even if sent again.

    A refused one (bad signature) keeps only an excerpt of its body, its size and SHA-256, and where it came from.
    """

    __tablename__ = "gatewaynotification"
    __table_args__ = (Index("ix_gatewaynotification_refused_source", "signature_ok", "source", "received_at"),)

    id: int | None = Field(default=None, primary_key=True)
    dedupe_key: str | None = Field(default=None, max_length=64, unique=True)
    acc_id: str | None = Field(default=None, max_length=64)
    merchant_id: int | None = Field(default=None, foreign_key="merchant.id", index=True)
    notify_type: str | None = Field(default=None, max_length=20)
    merchant_transaction_id: str | None = Field(default=None, max_length=64, index=True)
    transaction_id: str | None = Field(default=None, max_length=64)
    status: str | None = Field(default=None, max_length=20)
    signature_ok: bool
    body: str = Field(sa_column=Column(Text, nullable=False))
    received_at: datetime
    times_received: int = 1
    source: str | None = Field(default=None, max_length=64)
    body_sha256: str | None = Field(default=None, max_length=64)
    body_size: int | None = None


class SimAccount(SQLModel, table=True):
    """A sandbox account registered with the embedded simulator (the public ones are built in)."""

    __tablename__ = "simaccount"

    acc_id: str = Field(primary_key=True, max_length=64)
    client_id: str = Field(max_length=64)
    salt_encrypted: str = Field(sa_column=Column(Text, nullable=False))
    three_ds: bool = False
    merchant_id: int | None = Field(default=None, foreign_key="merchant.id")
    registered_by_name: str = Field(max_length=200)
    registered_at: datetime
    # "registered": a self-registered account support made known here; "embedded": the merchant's own simulator account
    origin: str = Field(default="registered", max_length=20)
    # an admin may let this account's notifications reach one local (http or loopback) receiver the merchant names
    local_receiver_allowed: bool = False
    local_receiver_url: str | None = Field(default=None, max_length=255)


class SimTransaction(SQLModel, table=True):
    """A payment the simulator accepted (or declined): its order, state and amounts."""

    __tablename__ = "simtransaction"
    __table_args__ = (UniqueConstraint("acc_id", "merchant_transaction_id"),)

    id: int | None = Field(default=None, primary_key=True)
    transaction_id: str | None = Field(default=None, max_length=32, unique=True)
    acc_id: str = Field(max_length=64)
    merchant_transaction_id: str = Field(max_length=64)
    request_id: str | None = Field(default=None, max_length=64)
    kind: str = Field(max_length=20)
    amount: str = Field(max_length=32)
    currency: str = Field(max_length=3)
    capture_delay_hours: int = 0
    status: str = Field(max_length=20)
    result_code: str = Field(max_length=6)
    three_ds: bool = False
    card_first6: str | None = Field(default=None, max_length=6)
    card_last4: str | None = Field(default=None, max_length=4)
    token: str | None = Field(default=None, max_length=64, index=True)
    notification_url: str | None = Field(default=None, max_length=2048)
    pay_result_url: str | None = Field(default=None, max_length=2048)
    pay_cancel_url: str | None = Field(default=None, max_length=2048)
    remark: str | None = Field(default=None, max_length=256)
    request: str = Field(sa_column=Column(Text, nullable=False))
    response: str | None = Field(default=None, sa_column=Column(Text))
    created_at: datetime
    updated_at: datetime
    captured_amount: str | None = Field(default=None, max_length=32)
    payment_type: str | None = Field(default=None, max_length=64)
    sign_type: str | None = Field(default=None, max_length=10)
    # who sent the call that created it ("merchant" or "app") and which logged request that was
    source: str | None = Field(default=None, max_length=20)
    request_log_id: int | None = None


class SimOperation(SQLModel, table=True):
    """A refund, capture or void on a simulator transaction."""

    __tablename__ = "simoperation"
    __table_args__ = (UniqueConstraint("acc_id", "kind", "merchant_operation_id"),)

    id: int | None = Field(default=None, primary_key=True)
    operation_id: str | None = Field(default=None, max_length=32, unique=True)
    acc_id: str = Field(max_length=64)
    kind: str = Field(max_length=10)
    transaction_id: str = Field(max_length=32, index=True)
    merchant_transaction_id: str = Field(max_length=64)
    merchant_operation_id: str = Field(max_length=64)
    amount: str = Field(max_length=32)
    currency: str = Field(max_length=3)
    status: str = Field(max_length=20)
    result_code: str = Field(max_length=6)
    remark: str | None = Field(default=None, max_length=256)
    created_at: datetime
    # a PROCESSING refund, capture or void becomes SUCCESS at this time
    settle_at: datetime | None = None
    source: str | None = Field(default=None, max_length=20)
    request_log_id: int | None = None


class SimNotification(SQLModel, table=True):
    """A signed notification the simulator owes a notificationUrl, retried until it is received (2xx, not FAIL)."""

    __tablename__ = "simnotification"
    __table_args__ = (Index("ix_simnotification_due", "state", "next_attempt_at"),)

    id: int | None = Field(default=None, primary_key=True)
    acc_id: str = Field(max_length=64)
    url: str = Field(max_length=2048)
    body: str = Field(sa_column=Column(Text, nullable=False))
    state: str = Field(default="pending", max_length=20)
    attempts: int = 0
    next_attempt_at: datetime
    last_result: str | None = Field(default=None, sa_column=Column(Text))
    created_at: datetime
    delivered_at: datetime | None = None
    merchant_id: int | None = Field(default=None, index=True)
    request_log_id: int | None = Field(default=None, index=True)
    notify_type: str | None = Field(default=None, max_length=20)
