"""gateway tables: credentials, test runs, simulator state

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "simnotification",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("acc_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("url", sqlmodel.sql.sqltypes.AutoString(length=2048), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("state", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("last_result", sa.Text(), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("delivered_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("simnotification", schema=None) as batch_op:
        batch_op.create_index("ix_simnotification_due", ["state", "next_attempt_at"], unique=False)

    op.create_table(
        "simoperation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("operation_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("acc_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("transaction_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("merchant_transaction_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("merchant_operation_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("amount", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("currency", sqlmodel.sql.sqltypes.AutoString(length=3), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("result_code", sqlmodel.sql.sqltypes.AutoString(length=6), nullable=False),
        sa.Column("remark", sqlmodel.sql.sqltypes.AutoString(length=256), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("acc_id", "kind", "merchant_operation_id"),
        sa.UniqueConstraint("operation_id"),
    )
    with op.batch_alter_table("simoperation", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_simoperation_transaction_id"), ["transaction_id"], unique=False)

    op.create_table(
        "simtransaction",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("transaction_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("acc_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("merchant_transaction_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("request_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("amount", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("currency", sqlmodel.sql.sqltypes.AutoString(length=3), nullable=False),
        sa.Column("capture_delay_hours", sa.Integer(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("result_code", sqlmodel.sql.sqltypes.AutoString(length=6), nullable=False),
        sa.Column("three_ds", sa.Boolean(), nullable=False),
        sa.Column("card_first6", sqlmodel.sql.sqltypes.AutoString(length=6), nullable=True),
        sa.Column("card_last4", sqlmodel.sql.sqltypes.AutoString(length=4), nullable=True),
        sa.Column("token", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("notification_url", sqlmodel.sql.sqltypes.AutoString(length=2048), nullable=True),
        sa.Column("pay_result_url", sqlmodel.sql.sqltypes.AutoString(length=2048), nullable=True),
        sa.Column("pay_cancel_url", sqlmodel.sql.sqltypes.AutoString(length=2048), nullable=True),
        sa.Column("remark", sqlmodel.sql.sqltypes.AutoString(length=256), nullable=True),
        sa.Column("request", sa.Text(), nullable=False),
        sa.Column("response", sa.Text(), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("acc_id", "merchant_transaction_id"),
        sa.UniqueConstraint("transaction_id"),
    )
    with op.batch_alter_table("simtransaction", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_simtransaction_token"), ["token"], unique=False)

    op.create_table(
        "gatewaynotification",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dedupe_key", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("acc_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("merchant_id", sa.Integer(), nullable=True),
        sa.Column("notify_type", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
        sa.Column("merchant_transaction_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("transaction_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
        sa.Column("signature_ok", sa.Boolean(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("received_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("times_received", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["merchant_id"],
            ["merchant.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("dedupe_key"),
    )
    with op.batch_alter_table("gatewaynotification", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_gatewaynotification_merchant_id"), ["merchant_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_gatewaynotification_merchant_transaction_id"), ["merchant_transaction_id"], unique=False
        )

    op.create_table(
        "gatewaytestrun",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("merchant_id", sa.Integer(), nullable=False),
        sa.Column("environment", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("base_url", sqlmodel.sql.sqltypes.AutoString(length=2048), nullable=False),
        sa.Column("acc_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("summary", sa.Text(), nullable=True),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor_name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("started_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("finished_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["user.id"],
        ),
        sa.ForeignKeyConstraint(
            ["merchant_id"],
            ["merchant.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("gatewaytestrun", schema=None) as batch_op:
        batch_op.create_index("ix_gatewaytestrun_merchant_time", ["merchant_id", "started_at"], unique=False)

    op.create_table(
        "merchantcredential",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("merchant_id", sa.Integer(), nullable=False),
        sa.Column("environment", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("client_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("acc_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("salt_encrypted", sa.Text(), nullable=False),
        sa.Column("updated_by_name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["merchant_id"],
            ["merchant.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("merchant_id", "environment"),
    )
    with op.batch_alter_table("merchantcredential", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_merchantcredential_acc_id"), ["acc_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_merchantcredential_merchant_id"), ["merchant_id"], unique=False)

    op.create_table(
        "simaccount",
        sa.Column("acc_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("client_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("salt_encrypted", sa.Text(), nullable=False),
        sa.Column("three_ds", sa.Boolean(), nullable=False),
        sa.Column("merchant_id", sa.Integer(), nullable=True),
        sa.Column("registered_by_name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("registered_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["merchant_id"],
            ["merchant.id"],
        ),
        sa.PrimaryKeyConstraint("acc_id"),
    )
    op.create_table(
        "gatewaytestcase",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("case_key", sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
        sa.Column("verdict", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.Column("exchanges", sa.Text(), nullable=False),
        sa.Column("merchant_transaction_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("started_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("duration_ms", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["gatewaytestrun.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("gatewaytestcase", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_gatewaytestcase_merchant_transaction_id"), ["merchant_transaction_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_gatewaytestcase_run_id"), ["run_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("gatewaytestcase", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_gatewaytestcase_run_id"))
        batch_op.drop_index(batch_op.f("ix_gatewaytestcase_merchant_transaction_id"))

    op.drop_table("gatewaytestcase")
    op.drop_table("simaccount")
    with op.batch_alter_table("merchantcredential", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_merchantcredential_merchant_id"))
        batch_op.drop_index(batch_op.f("ix_merchantcredential_acc_id"))

    op.drop_table("merchantcredential")
    with op.batch_alter_table("gatewaytestrun", schema=None) as batch_op:
        batch_op.drop_index("ix_gatewaytestrun_merchant_time")

    op.drop_table("gatewaytestrun")
    with op.batch_alter_table("gatewaynotification", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_gatewaynotification_merchant_transaction_id"))
        batch_op.drop_index(batch_op.f("ix_gatewaynotification_merchant_id"))

    op.drop_table("gatewaynotification")
    with op.batch_alter_table("simtransaction", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_simtransaction_token"))

    op.drop_table("simtransaction")
    with op.batch_alter_table("simoperation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_simoperation_transaction_id"))

    op.drop_table("simoperation")
    with op.batch_alter_table("simnotification", schema=None) as batch_op:
        batch_op.drop_index("ix_simnotification_due")

    op.drop_table("simnotification")
