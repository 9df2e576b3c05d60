"""initial tables

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "stagesetting",
        sa.Column("stage_key", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("sla_days", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("stage_key"),
    )
    op.create_table(
        "user",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sqlmodel.sql.sqltypes.AutoString(length=320), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("role", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("merchant_id", sa.Integer(), nullable=True),
        sa.Column("password_hash", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("language", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_user_email"), ["email"], unique=True)
        batch_op.create_index(batch_op.f("ix_user_merchant_id"), ["merchant_id"], unique=False)

    op.create_table(
        "merchant",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("website", sqlmodel.sql.sqltypes.AutoString(length=2048), nullable=False),
        sa.Column("contact_name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("contact_email", sqlmodel.sql.sqltypes.AutoString(length=320), nullable=False),
        sa.Column("country", sqlmodel.sql.sqltypes.AutoString(length=2), nullable=False),
        sa.Column("shop_platform", sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
        sa.Column("integration_mode", sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
        sa.Column("sandbox_account", sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
        sa.Column("uses_refunds", sa.Boolean(), nullable=False),
        sa.Column("uses_preauth", sa.Boolean(), nullable=False),
        sa.Column("uses_3ds", sa.Boolean(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("current_stage", sa.Integer(), nullable=False),
        sa.Column("progress", sa.Float(), nullable=False),
        sa.Column("stage_entered_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("last_activity_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("launched_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["user.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("merchant", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_merchant_last_activity_at"), ["last_activity_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_merchant_name"), ["name"], unique=False)
        batch_op.create_index(batch_op.f("ix_merchant_owner_id"), ["owner_id"], unique=False)
        batch_op.create_index("ix_merchant_status_stage", ["status", "current_stage"], unique=False)

    # user.merchant_id and merchant.owner_id point at each other: add the first once both exist
    if op.get_bind().dialect.name != "sqlite":
        op.create_foreign_key("fk_user_merchant", "user", "merchant", ["merchant_id"], ["id"])

    op.create_table(
        "checklistitem",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("merchant_id", sa.Integer(), nullable=False),
        sa.Column("item_key", sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
        sa.Column("stage_index", sa.Integer(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("value", sa.Text(), nullable=True),
        sa.Column("rejection_reason", sa.Text(), nullable=True),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_by_name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("submitted_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["merchant_id"],
            ["merchant.id"],
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_id"],
            ["user.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("merchant_id", "item_key"),
    )
    with op.batch_alter_table("checklistitem", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_checklistitem_merchant_id"), ["merchant_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_checklistitem_status"), ["status"], unique=False)

    op.create_table(
        "historyevent",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("merchant_id", sa.Integer(), nullable=True),
        sa.Column("item_key", sqlmodel.sql.sqltypes.AutoString(length=60), nullable=True),
        sa.Column("action", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor_name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
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
    with op.batch_alter_table("historyevent", schema=None) as batch_op:
        batch_op.create_index("ix_history_merchant_time", ["merchant_id", "created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_historyevent_action"), ["action"], unique=False)

    op.create_table(
        "stageoverride",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("merchant_id", sa.Integer(), nullable=False),
        sa.Column("stage_index", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["user.id"],
        ),
        sa.ForeignKeyConstraint(
            ["merchant_id"],
            ["merchant.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("stageoverride", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_stageoverride_merchant_id"), ["merchant_id"], unique=False)

    op.create_table(
        "submission",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("merchant_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("value", sa.Text(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_by_name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["user.id"],
        ),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["checklistitem.id"],
        ),
        sa.ForeignKeyConstraint(
            ["merchant_id"],
            ["merchant.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("submission", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_submission_item_id"), ["item_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_submission_merchant_id"), ["merchant_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("submission", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_submission_merchant_id"))
        batch_op.drop_index(batch_op.f("ix_submission_item_id"))

    op.drop_table("submission")
    if op.get_bind().dialect.name != "sqlite":
        op.drop_constraint("fk_user_merchant", "user", type_="foreignkey")
    with op.batch_alter_table("stageoverride", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_stageoverride_merchant_id"))

    op.drop_table("stageoverride")
    with op.batch_alter_table("historyevent", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_historyevent_action"))
        batch_op.drop_index("ix_history_merchant_time")

    op.drop_table("historyevent")
    with op.batch_alter_table("checklistitem", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_checklistitem_status"))
        batch_op.drop_index(batch_op.f("ix_checklistitem_merchant_id"))

    op.drop_table("checklistitem")
    with op.batch_alter_table("merchant", schema=None) as batch_op:
        batch_op.drop_index("ix_merchant_status_stage")
        batch_op.drop_index(batch_op.f("ix_merchant_owner_id"))
        batch_op.drop_index(batch_op.f("ix_merchant_name"))
        batch_op.drop_index(batch_op.f("ix_merchant_last_activity_at"))

    op.drop_table("merchant")
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_user_merchant_id"))
        batch_op.drop_index(batch_op.f("ix_user_email"))

    op.drop_table("user")
    op.drop_table("stagesetting")
