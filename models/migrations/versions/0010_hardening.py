"""Hardening: refused notifications keep an excerpt, hash and source; image thumbnails

Revision ID: 0010
Revises: 0012
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0010"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("gatewaynotification", schema=None) as batch_op:
        batch_op.add_column(sa.Column("source", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))
        batch_op.add_column(sa.Column("body_sha256", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))
        batch_op.add_column(sa.Column("body_size", sa.Integer(), nullable=True))
        batch_op.create_index(
            "ix_gatewaynotification_refused_source", ["signature_ok", "source", "received_at"], unique=False
        )
    with op.batch_alter_table("evidencefile", schema=None) as batch_op:
        batch_op.add_column(sa.Column("thumbnail_sha256", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))
    # refused notifications were kept whole: keep only what the receiver keeps from now on
    op.execute("UPDATE gatewaynotification SET body = substr(body, 1, 500) WHERE signature_ok = false")


def downgrade() -> None:
    with op.batch_alter_table("evidencefile", schema=None) as batch_op:
        batch_op.drop_column("thumbnail_sha256")
    with op.batch_alter_table("gatewaynotification", schema=None) as batch_op:
        batch_op.drop_index("ix_gatewaynotification_refused_source")
        batch_op.drop_column("body_size")
        batch_op.drop_column("body_sha256")
        batch_op.drop_column("source")
