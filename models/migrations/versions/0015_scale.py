"""scale: recorded stage stays and indexes for paged lists

Revision ID: 0015
Revises: 0013

Adds `stagestay` (one row per completed stay of a merchant in a stage, with its length in days), filled
from the existing history the way Analytics used to compute it, and the indexes of the paged lists:
the Pipeline board (stage, time entered) and the review queue (status, merchant, submitted time).
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0015"
down_revision = "0013"
branch_labels = None
depends_on = None

INDEXES = (
    ("merchant", "ix_merchant_stage_entered", ["current_stage", "stage_entered_at"]),  # board columns
    ("checklistitem", "ix_checklistitem_status_merchant", ["status", "merchant_id", "submitted_at"]),  # queue
)

# Each stage_entered event closes the stay that began at the merchant's previous created/entered event.
BACKFILL = """
INSERT INTO stagestay (merchant_id, stage_index, entered_at, left_at, days)
SELECT merchant_id, stage, entered_at, left_at, {days}
FROM (
    SELECT merchant_id, action, {previous} AS stage, created_at AS left_at,
           LAG(created_at) OVER (PARTITION BY merchant_id ORDER BY created_at, id) AS entered_at
    FROM historyevent
    WHERE action IN ('merchant_created', 'stage_entered') AND merchant_id IS NOT NULL
) AS stays
WHERE action = 'stage_entered' AND entered_at IS NOT NULL AND stage IS NOT NULL
"""
DIALECT_SQL = {
    "sqlite": {
        "previous": "CAST(json_extract(detail, '$.previous') AS INTEGER)",
        "days": "julianday(left_at) - julianday(entered_at)",
    },
    "postgresql": {
        "previous": "CAST((CAST(detail AS JSON) ->> 'previous') AS INTEGER)",
        "days": "EXTRACT(EPOCH FROM (left_at - entered_at)) / 86400.0",
    },
}


def upgrade() -> None:
    op.create_table(
        "stagestay",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("merchant_id", sa.Integer(), nullable=False),
        sa.Column("stage_index", sa.Integer(), nullable=False),
        sa.Column("entered_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("left_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("days", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(["merchant_id"], ["merchant.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("stagestay", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_stagestay_merchant_id"), ["merchant_id"], unique=False)
        batch_op.create_index("ix_stagestay_stage_days", ["stage_index", "days"], unique=False)
    for table, name, columns in INDEXES:
        op.create_index(name, table, columns, unique=False)
    op.execute(BACKFILL.format(**DIALECT_SQL[op.get_bind().dialect.name]))
    # Planner statistics, so large tables get the plans the new indexes are for.
    op.execute("ANALYZE")


def downgrade() -> None:
    for table, name, _columns in reversed(INDEXES):
        op.drop_index(name, table_name=table)
    with op.batch_alter_table("stagestay", schema=None) as batch_op:
        batch_op.drop_index("ix_stagestay_stage_days")
        batch_op.drop_index(batch_op.f("ix_stagestay_merchant_id"))
    op.drop_table("stagestay")
