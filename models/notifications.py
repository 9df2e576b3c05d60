"""Tables of notifications: the mail outbox, opt-outs, read markers, password resets, rate limits and leases."""

from datetime import date, datetime

from sqlalchemy import Column, Index, Text
from sqlmodel import Field, SQLModel


class OutboxMessage(SQLModel, table=True):
    """One e-mail, written in the transaction of the change that caused it and sent later by a worker."""

    __table_args__ = (Index("ix_outboxmessage_status_due", "status", "next_attempt_at"),)

    id: int | None = Field(default=None, primary_key=True)
    dedupe_key: str = Field(max_length=200, unique=True, index=True)
    category: str = Field(max_length=40)
    recipient_id: int | None = Field(default=None, foreign_key="user.id", index=True)
    to_address: str = Field(max_length=320)
    language: str = Field(default="en", max_length=8)
    merchant_id: int | None = Field(default=None, foreign_key="merchant.id", index=True)
    subject: str = Field(max_length=300)
    body_text: str = Field(sa_column=Column(Text, nullable=False))
    body_html: str = Field(sa_column=Column(Text, nullable=False))
    secret: bool = False  # the bodies carry a sign-in link: stored encrypted, never shown
    status: str = Field(default="pending", max_length=20)
    attempts: int = 0
    next_attempt_at: datetime
    last_error: str | None = Field(default=None, sa_column=Column(Text))
    created_at: datetime = Field(index=True)
    sent_at: datetime | None = None


class NotificationOptOut(SQLModel, table=True):
    """A category of e-mail one user turned off."""

    user_id: int = Field(foreign_key="user.id", primary_key=True)
    category: str = Field(max_length=40, primary_key=True)
    created_at: datetime


class ConversationRead(SQLModel, table=True):
    """How far one user has read one merchant's conversation."""

    user_id: int = Field(foreign_key="user.id", primary_key=True)
    merchant_id: int = Field(foreign_key="merchant.id", primary_key=True)
    last_read_comment_id: int = 0
    read_at: datetime


class PasswordReset(SQLModel, table=True):
    """A single-use link to choose a new password; only the SHA-256 of its token is stored."""

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True, index=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None = None


class RateLimit(SQLModel, table=True):
    """Attempts per key (an e-mail address or a client address) in a window, and the lockout they cause."""

    key: str = Field(primary_key=True, max_length=340)
    attempts: int = 0
    window_start: datetime
    locked_until: datetime | None = None


class Lease(SQLModel, table=True):
    """A job that one instance at a time may run, and the day it last completed."""

    name: str = Field(primary_key=True, max_length=60)
    holder: str | None = Field(default=None, max_length=120)
    expires_at: datetime | None = None
    last_done_on: date | None = None
