"""The personal API token table of the integration API."""

from datetime import datetime

from sqlmodel import Field, SQLModel


class ApiToken(SQLModel, table=True):
    """A staff member's personal token for the read-only API; only the SHA-256 of its secret is kept."""

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    label: str = Field(max_length=100)
    token_hash: str = Field(max_length=64, unique=True, index=True)
    prefix: str = Field(max_length=16)
    created_at: datetime
    last_used_at: datetime | None = None
    revoked_at: datetime | None = None
