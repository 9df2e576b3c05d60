"""Storage layer: SQLModel tables, the engine and sessions."""

from models import (
    api_tokens,  # noqa: F401  (registers the API token table)
    gateway,  # noqa: F401  (registers the gateway tables)
    notifications,  # noqa: F401  (registers the notification tables)
    observatory,  # noqa: F401  (registers the sandbox request log tables)
)
from models.tables import (
    AuthSession,
    ChecklistItem,
    Comment,
    EvidenceFile,
    HistoryEvent,
    Invitation,
    LoginThrottle,
    Merchant,
    StageOverride,
    StageSetting,
    Submission,
    User,
)

__all__ = [
    "AuthSession",
    "ChecklistItem",
    "Comment",
    "EvidenceFile",
    "Invitation",
    "LoginThrottle",
    "HistoryEvent",
    "Merchant",
    "StageOverride",
    "StageSetting",
    "Submission",
    "User",
]
