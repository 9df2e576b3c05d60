"""Integration observatory: sandbox request log, notification attempts, acceptance checks, simulator fidelity

Revision ID: 0013
Revises: 0011
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0013"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "simnotificationattempt",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("notification_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("attempted_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("delivered", sa.Boolean(), nullable=False),
        sa.Column("http_status", sa.Integer(), nullable=True),
        sa.Column("answer", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["notification_id"], ["simnotification.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("simnotificationattempt", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_simnotificationattempt_notification_id"), ["notification_id"], unique=False
        )

    op.create_table(
        "acceptancecheck",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("merchant_id", sa.Integer(), nullable=False),
        sa.Column("case_key", sqlmodel.sql.sqltypes.AutoString(length=1), nullable=False),
        sa.Column("reference", sa.Text(), nullable=False),
        sa.Column("passed", sa.Boolean(), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("exchanges", sa.Text(), nullable=False),
        sa.Column("checked_by_name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("checked_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["merchant_id"], ["merchant.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("acceptancecheck", schema=None) as batch_op:
        batch_op.create_index("ix_acceptancecheck_merchant_case", ["merchant_id", "case_key"], unique=False)

    op.create_table(
        "sandboxrequest",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("merchant_id", sa.Integer(), nullable=False),
        sa.Column("acc_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("received_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("path", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.Column("http_status", sa.Integer(), nullable=False),
        sa.Column("sign_type", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=True),
        sa.Column("code", sqlmodel.sql.sqltypes.AutoString(length=6), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("merchant_transaction_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("transaction_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("request", sa.Text(), nullable=False),
        sa.Column("response", sa.Text(), nullable=False),
        sa.Column("diagnosis", sa.Text(), nullable=True),
        sa.Column("elapsed_ms", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["merchant_id"], ["merchant.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("sandboxrequest", schema=None) as batch_op:
        batch_op.create_index("ix_sandboxrequest_merchant", ["merchant_id", "id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_sandboxrequest_merchant_transaction_id"), ["merchant_transaction_id"], unique=False
        )

    with op.batch_alter_table("simaccount", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "origin",
                sqlmodel.sql.sqltypes.AutoString(length=20),
                nullable=False,
                server_default="registered",
            )
        )
        batch_op.add_column(
            sa.Column("local_receiver_allowed", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(
            sa.Column("local_receiver_url", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True)
        )

    with op.batch_alter_table("simnotification", schema=None) as batch_op:
        batch_op.add_column(sa.Column("merchant_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("request_log_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("notify_type", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True))
        batch_op.create_index(batch_op.f("ix_simnotification_merchant_id"), ["merchant_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_simnotification_request_log_id"), ["request_log_id"], unique=False)

    with op.batch_alter_table("simoperation", schema=None) as batch_op:
        batch_op.add_column(sa.Column("settle_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("source", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True))
        batch_op.add_column(sa.Column("request_log_id", sa.Integer(), nullable=True))

    with op.batch_alter_table("simtransaction", schema=None) as batch_op:
        batch_op.add_column(sa.Column("captured_amount", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True))
        batch_op.add_column(sa.Column("payment_type", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))
        batch_op.add_column(sa.Column("sign_type", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=True))
        batch_op.add_column(sa.Column("source", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True))
        batch_op.add_column(sa.Column("request_log_id", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("simtransaction", schema=None) as batch_op:
        batch_op.drop_column("request_log_id")
        batch_op.drop_column("source")
        batch_op.drop_column("sign_type")
        batch_op.drop_column("payment_type")
        batch_op.drop_column("captured_amount")

    with op.batch_alter_table("simoperation", schema=None) as batch_op:
        batch_op.drop_column("request_log_id")
        batch_op.drop_column("source")
        batch_op.drop_column("settle_at")

    with op.batch_alter_table("simnotification", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_simnotification_request_log_id"))
        batch_op.drop_index(batch_op.f("ix_simnotification_merchant_id"))
        batch_op.drop_column("notify_type")
        batch_op.drop_column("request_log_id")
        batch_op.drop_column("merchant_id")

    with op.batch_alter_table("simaccount", schema=None) as batch_op:
        batch_op.drop_column("local_receiver_url")
        batch_op.drop_column("local_receiver_allowed")
        batch_op.drop_column("origin")

    with op.batch_alter_table("sandboxrequest", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sandboxrequest_merchant_transaction_id"))
        batch_op.drop_index("ix_sandboxrequest_merchant")
    op.drop_table("sandboxrequest")

    with op.batch_alter_table("acceptancecheck", schema=None) as batch_op:
        batch_op.drop_index("ix_acceptancecheck_merchant_case")
    op.drop_table("acceptancecheck")

    with op.batch_alter_table("simnotificationattempt", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_simnotificationattempt_notification_id"))
    op.drop_table("simnotificationattempt")
