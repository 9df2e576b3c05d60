"""SQLModel tables: plain rows, no behaviour."""

from datetime import date, datetime

from sqlalchemy import Column, ForeignKey, Index, Integer, Text, UniqueConstraint, text
from sqlmodel import Field, SQLModel

# The items the review queue waits on (migration 0016 indexes exactly these).
WAITING_ITEMS = "status = 'submitted' AND retired_at IS NULL"


class User(SQLModel, table=True):
    """A person who uses the app: admin, support or a merchant's user."""

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(index=True, unique=True, max_length=320)
    name: str = Field(max_length=200)
    role: str = Field(max_length=20)
    merchant_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("merchant.id", use_alter=True, name="fk_user_merchant"), index=True),
    )
    password_hash: str | None = Field(default=None, max_length=300)
    active: bool = True
    language: str = Field(default="en", max_length=8)
    created_at: datetime


class Merchant(SQLModel, table=True):
    """A merchant being onboarded; stage and progress are derived and cached here."""

    __table_args__ = (
        Index("ix_merchant_status_stage", "status", "current_stage"),
        Index("ix_merchant_created_at", "created_at"),
        Index("ix_merchant_launched_at", "launched_at"),
        Index("ix_merchant_status_entered", "status", "stage_entered_at"),
        Index("ix_merchant_stage_entered", "current_stage", "stage_entered_at"),
        Index("ix_merchant_archived_at", "archived_at"),
        # Needs attention's walks: active merchants by the time they entered their stage, and by last activity
        Index("ix_merchant_status_stage_entered", "status", "current_stage", "stage_entered_at"),
        Index("ix_merchant_status_activity", "status", "last_activity_at"),
        # the Pipeline's counts per status and stage of the listed merchants
        Index(
            "ix_merchant_listed",
            "status",
            "current_stage",
            sqlite_where=text("archived_at IS NULL"),
            postgresql_where=text("archived_at IS NULL"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200, index=True)
    website: str = Field(max_length=2048)
    contact_name: str = Field(max_length=200)
    contact_email: str = Field(max_length=320)
    country: str = Field(max_length=2)
    shop_platform: str = Field(max_length=60)
    integration_mode: str = Field(max_length=30)
    sandbox_account: str = Field(default="public", max_length=30)
    uses_refunds: bool = True
    uses_preauth: bool = False
    uses_3ds: bool = False
    owner_id: int | None = Field(default=None, foreign_key="user.id", index=True)
    status: str = Field(default="active", max_length=20)
    current_stage: int = 0
    progress: float = 0.0
    stage_entered_at: datetime
    last_activity_at: datetime = Field(index=True)
    created_at: datetime
    launched_at: datetime | None = None
    # the process file this merchant's checklist was last synced to
    process_version: int | None = None
    process_digest: str | None = Field(default=None, max_length=64)
    # normalised name, website host and contact e-mail: what duplicates are found by
    name_key: str | None = Field(default=None, max_length=200, index=True)
    website_key: str | None = Field(default=None, max_length=255, index=True)
    email_key: str | None = Field(default=None, max_length=320, index=True)
    archived_at: datetime | None = None
    archived_reason: str | None = Field(default=None, sa_column=Column(Text))
    merged_into_id: int | None = Field(default=None, foreign_key="merchant.id")


class ChecklistItem(SQLModel, table=True):
    """One checklist item of one merchant; `version` guards concurrent edits."""

    __table_args__ = (
        UniqueConstraint("merchant_id", "item_key"),
        Index("ix_checklistitem_merchant_stage", "merchant_id", "stage_index"),
        Index("ix_checklistitem_status_merchant", "status", "merchant_id", "submitted_at", "retired_at"),
        # the review queue's walk: submitted, non-retired items oldest first (queries name the status literally)
        Index(
            "ix_checklistitem_waiting",
            "submitted_at",
            "id",
            sqlite_where=text(WAITING_ITEMS),
            postgresql_where=text(WAITING_ITEMS),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    merchant_id: int = Field(foreign_key="merchant.id", index=True)
    item_key: str = Field(max_length=60)
    stage_index: int
    status: str = Field(default="todo", max_length=20, index=True)
    version: int = 1
    value: str | None = Field(default=None, sa_column=Column(Text))
    rejection_reason: str | None = Field(default=None, sa_column=Column(Text))
    updated_by_id: int | None = Field(default=None, foreign_key="user.id")
    updated_by_name: str | None = Field(default=None, max_length=200)
    updated_at: datetime | None = None
    submitted_at: datetime | None = None
    # the item was removed from the process file: kept with its history, hidden from work lists
    retired_at: datetime | None = None


class Submission(SQLModel, table=True):
    """One version of evidence handed in for an item; never overwritten."""

    id: int | None = Field(default=None, primary_key=True)
    item_id: int = Field(foreign_key="checklistitem.id", index=True)
    merchant_id: int = Field(foreign_key="merchant.id", index=True)
    number: int
    kind: str = Field(max_length=20)
    value: str | None = Field(default=None, sa_column=Column(Text))
    note: str | None = Field(default=None, sa_column=Column(Text))
    created_by_id: int | None = Field(default=None, foreign_key="user.id")
    created_by_name: str = Field(max_length=200)
    created_at: datetime
    file_sha256: str | None = Field(default=None, foreign_key="evidencefile.sha256", max_length=64)
    file_name: str | None = Field(default=None, max_length=255)
    expires_on: date | None = None


class StageOverride(SQLModel, table=True):
    """An admin's written decision to open a stage before the previous one is complete."""

    id: int | None = Field(default=None, primary_key=True)
    merchant_id: int = Field(foreign_key="merchant.id", index=True)
    stage_index: int
    reason: str = Field(sa_column=Column(Text, nullable=False))
    created_by_id: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime


class HistoryEvent(SQLModel, table=True):
    """One line of a merchant's audit trail: who did what, when."""

    __table_args__ = (
        Index("ix_history_merchant_time", "merchant_id", "created_at"),
        Index("ix_history_action_merchant_time", "action", "merchant_id", "created_at"),
        Index("ix_history_action_item", "action", "item_key", "merchant_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    merchant_id: int | None = Field(default=None, foreign_key="merchant.id")
    item_key: str | None = Field(default=None, max_length=60)
    action: str = Field(max_length=40, index=True)
    detail: str | None = Field(default=None, sa_column=Column(Text))
    actor_id: int | None = Field(default=None, foreign_key="user.id")
    actor_name: str = Field(max_length=200)
    created_at: datetime


class StageSetting(SQLModel, table=True):
    """Per-stage settings a lead can change without a code change."""

    stage_key: str = Field(primary_key=True, max_length=40)
    sla_days: int


class AuthSession(SQLModel, table=True):
    """A signed-in browser: only the SHA-256 of its cookie token is stored."""

    token_hash: str = Field(primary_key=True, max_length=64)
    user_id: int = Field(foreign_key="user.id", index=True)
    created_at: datetime
    last_seen_at: datetime
    revoked_at: datetime | None = None


class LoginThrottle(SQLModel, table=True):
    """Failed sign-ins per e-mail address (known or not) and the lockout they cause."""

    email: str = Field(primary_key=True, max_length=320)
    failures: int = 0
    window_start: datetime
    locked_until: datetime | None = None


class Invitation(SQLModel, table=True):
    """A single-use link that lets a merchant's person set a password; only its hash is stored."""

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True, index=True)
    merchant_id: int = Field(foreign_key="merchant.id", index=True)
    email: str = Field(max_length=320)
    created_by_id: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None = None
    revoked_at: datetime | None = None


class EvidenceFile(SQLModel, table=True):
    """An uploaded file, stored once under the data directory by its SHA-256."""

    sha256: str = Field(primary_key=True, max_length=64)
    size: int
    content_type: str = Field(max_length=40)
    width: int | None = None
    height: int | None = None
    created_at: datetime
    # an image's small copy, made once at upload and stored by its own digest; pages show it instead
    thumbnail_sha256: str | None = Field(default=None, max_length=64)


class Comment(SQLModel, table=True):
    """One message of the conversation between a merchant and support."""

    id: int | None = Field(default=None, primary_key=True)
    merchant_id: int = Field(foreign_key="merchant.id", index=True)
    item_key: str | None = Field(default=None, max_length=60)
    author_id: int | None = Field(default=None, foreign_key="user.id")
    author_name: str = Field(max_length=200)
    author_role: str = Field(max_length=20)
    body: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime
