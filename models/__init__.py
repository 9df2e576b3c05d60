"""Storage layer: SQLModel tables, the engine and sessions."""

from models import gateway  # noqa: F401  (registers the gateway tables)
from models.tables import (
    ChecklistItem,
    HistoryEvent,
    Merchant,
    StageOverride,
    StageSetting,
    Submission,
    User,
)

__all__ = [
    "ChecklistItem",
    "HistoryEvent",
    "Merchant",
    "StageOverride",
    "StageSetting",
    "Submission",
    "User",
]
