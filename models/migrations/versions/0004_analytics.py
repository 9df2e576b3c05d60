"""analytics indexes and settings

Revision ID: 0004
Revises: 0003

Indexes for the query shapes of Analytics, Needs attention and the Pipeline flags (mirrored in the
`__table_args__` of models/tables.py so autogenerate sees them).
"""

import sqlalchemy as sa  # noqa: F401
import sqlmodel  # noqa: F401
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

# (table, index name, columns): what each report filters, groups or partitions by.
INDEXES = (
    ("merchant", "ix_merchant_created_at", ["created_at"]),  # date range, weekly started
    ("merchant", "ix_merchant_launched_at", ["launched_at"]),  # launched this/last month, weekly launched
    ("merchant", "ix_merchant_status_entered", ["status", "stage_entered_at"]),  # over SLA
    ("checklistitem", "ix_checklistitem_merchant_stage", ["merchant_id", "stage_index"]),  # waiting on
    ("historyevent", "ix_history_action_merchant_time", ["action", "merchant_id", "created_at"]),  # time in stage
    ("historyevent", "ix_history_action_item", ["action", "item_key", "merchant_id"]),  # rejections per item
)


def upgrade() -> None:
    for table, name, columns in INDEXES:
        op.create_index(name, table, columns, unique=False)


def downgrade() -> None:
    for table, name, _columns in reversed(INDEXES):
        op.drop_index(name, table_name=table)
