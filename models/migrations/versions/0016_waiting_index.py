"""waiting items: a small index of the submitted items, in the order the review queue shows them

Revision ID: 0016
Revises: 0015

The review queue walks the submitted, non-retired items oldest first and stops once it has a page of
merchants. A partial index holds exactly those items in that order, so the walk reads a page's worth of
index entries instead of grouping every submitted item. Archived merchants are found by their own index.
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

WAITING = sa.text("status = 'submitted' AND retired_at IS NULL")


def upgrade() -> None:
    op.create_index(
        "ix_checklistitem_waiting",
        "checklistitem",
        ["submitted_at", "id"],
        unique=False,
        sqlite_where=WAITING,
        postgresql_where=WAITING,
    )
    op.create_index("ix_merchant_archived_at", "merchant", ["archived_at"], unique=False)
    op.execute("ANALYZE")


def downgrade() -> None:
    op.drop_index("ix_merchant_archived_at", table_name="merchant")
    op.drop_index("ix_checklistitem_waiting", table_name="checklistitem")
