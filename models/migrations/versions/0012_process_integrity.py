"""Process integrity: synced process version, retired items, duplicate keys, archive and merge

Revision ID: 0012
Revises: 0005
"""

import unicodedata
from urllib.parse import urlsplit

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0012"
down_revision = "0005"
branch_labels = None
depends_on = None


def _name_key(name: str) -> str:
    # the same rule as onboarding.process.duplicates.name_key, frozen here for existing rows
    return "".join(unicodedata.normalize("NFKC", name or "").casefold().split())[:200]


def _website_key(website: str) -> str:
    website = (website or "").strip()
    host = (urlsplit(website if "://" in website else f"https://{website}").hostname or "").lower().rstrip(".")
    return (host[4:] if host.startswith("www.") else host)[:255]


def upgrade() -> None:
    with op.batch_alter_table("merchant", schema=None) as batch_op:
        batch_op.add_column(sa.Column("process_version", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("process_digest", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))
        batch_op.add_column(sa.Column("name_key", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True))
        batch_op.add_column(sa.Column("website_key", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True))
        batch_op.add_column(sa.Column("email_key", sqlmodel.sql.sqltypes.AutoString(length=320), nullable=True))
        batch_op.add_column(sa.Column("archived_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("archived_reason", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("merged_into_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_merchant_name_key"), ["name_key"], unique=False)
        batch_op.create_index(batch_op.f("ix_merchant_website_key"), ["website_key"], unique=False)
        batch_op.create_index(batch_op.f("ix_merchant_email_key"), ["email_key"], unique=False)
        batch_op.create_foreign_key("fk_merchant_merged_into", "merchant", ["merged_into_id"], ["id"])
    with op.batch_alter_table("checklistitem", schema=None) as batch_op:
        batch_op.add_column(sa.Column("retired_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))

    merchant = sa.table(
        "merchant",
        sa.column("id", sa.Integer()),
        sa.column("name", sa.String()),
        sa.column("website", sa.String()),
        sa.column("contact_email", sa.String()),
        sa.column("name_key", sa.String()),
        sa.column("website_key", sa.String()),
        sa.column("email_key", sa.String()),
    )
    connection = op.get_bind()
    rows = connection.execute(sa.select(merchant.c.id, merchant.c.name, merchant.c.website, merchant.c.contact_email))
    keys = [
        {
            "merchant_id": merchant_id,
            "name_key": _name_key(name),
            "website_key": _website_key(website),
            "email_key": (email or "").strip().lower()[:320],
        }
        for merchant_id, name, website, email in rows.all()
    ]
    if keys:
        connection.execute(
            merchant.update()
            .where(merchant.c.id == sa.bindparam("merchant_id"))
            .values(
                name_key=sa.bindparam("name_key"),
                website_key=sa.bindparam("website_key"),
                email_key=sa.bindparam("email_key"),
            ),
            keys,
        )


def downgrade() -> None:
    with op.batch_alter_table("checklistitem", schema=None) as batch_op:
        batch_op.drop_column("retired_at")
    with op.batch_alter_table("merchant", schema=None) as batch_op:
        batch_op.drop_constraint("fk_merchant_merged_into", type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_merchant_email_key"))
        batch_op.drop_index(batch_op.f("ix_merchant_website_key"))
        batch_op.drop_index(batch_op.f("ix_merchant_name_key"))
        batch_op.drop_column("merged_into_id")
        batch_op.drop_column("archived_reason")
        batch_op.drop_column("archived_at")
        batch_op.drop_column("email_key")
        batch_op.drop_column("website_key")
        batch_op.drop_column("name_key")
        batch_op.drop_column("process_digest")
        batch_op.drop_column("process_version")
