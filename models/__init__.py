"""Storage layer: SQLModel tables, the engine and sessions."""

from models import (
    api_tokens,  # noqa: F401  (registers the API token table)
    gateway,  # noqa: F401  (registers the gateway tables)
    notifications,  # noqa: F401  (registers the notification tables)
    observatory,  # noqa: F401  (registers the sandbox request log tables)
    stage_stays,  # noqa: F401  (registers the stage stay table)
)
from models.stage_stays import StageStay
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
    "StageStay",
    "Submission",
    "User",
]
