"""waiting items and overdue merchants: indexes in the order the review queue and Needs attention show them

Revision ID: 0016
Revises: 0015

The review queue walks the submitted, non-retired items oldest first and stops once it has a page of
merchants. A partial index holds exactly those items in that order, so the walk reads a page's worth of
index entries instead of grouping every submitted item. Archived merchants are found by their own index, and
the queue's totals are counted from the (status, merchant) index alone once it also holds `retired_at`.

Needs attention walks, per stage, the active merchants that entered it earliest and the active merchants idle
the longest; indexes led by the status make those walks read only active merchants. The Pipeline's counts
per status and stage read a partial index of the listed (non-archived) merchants instead of every row.
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

QUEUE_COLUMNS = ["status", "merchant_id", "submitted_at"]
MERCHANT_INDEXES = (
    ("ix_merchant_archived_at", ["archived_at"]),
    ("ix_merchant_status_stage_entered", ["status", "current_stage", "stage_entered_at"]),
    ("ix_merchant_status_activity", ["status", "last_activity_at"]),
)
LISTED = sa.text("archived_at IS NULL")
WAITING = sa.text("status = 'submitted' AND retired_at IS NULL")


def upgrade() -> None:
    op.drop_index("ix_checklistitem_status_merchant", table_name="checklistitem")
    op.create_index("ix_checklistitem_status_merchant", "checklistitem", QUEUE_COLUMNS + ["retired_at"], unique=False)
    op.create_index(
        "ix_checklistitem_waiting",
        "checklistitem",
        ["submitted_at", "id"],
        unique=False,
        sqlite_where=WAITING,
        postgresql_where=WAITING,
    )
    for name, columns in MERCHANT_INDEXES:
        op.create_index(name, "merchant", columns, unique=False)
    op.create_index(
        "ix_merchant_listed",
        "merchant",
        ["status", "current_stage"],
        unique=False,
        sqlite_where=LISTED,
        postgresql_where=LISTED,
    )
    op.execute("ANALYZE")


def downgrade() -> None:
    op.drop_index("ix_merchant_listed", table_name="merchant")
    for name, _columns in reversed(MERCHANT_INDEXES):
        op.drop_index(name, table_name="merchant")
    op.drop_index("ix_checklistitem_waiting", table_name="checklistitem")
    op.drop_index("ix_checklistitem_status_merchant", table_name="checklistitem")
    op.create_index("ix_checklistitem_status_merchant", "checklistitem", QUEUE_COLUMNS, unique=False)
