"""line channels: an organisation's own LINE Official Account, and the monthly quota counted per channel

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel
import storage.types


revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "line_channel",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("secret", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("access_token", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("updated_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["org_id"], ["organisation.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
        sa.UniqueConstraint("org_id"),
    )
    # the month alone was the key: it becomes (month, channel), the deployment's channel keeping its rows
    _set_aside("line_usage_0012")
    _usage_table(with_channel=True)
    op.execute(
        "INSERT INTO line_usage (month, channel, pushed, quota, consumed, checked_at) "
        "SELECT month, '', pushed, quota, consumed, checked_at FROM line_usage_0012"
    )
    op.drop_table("line_usage_0012")


def downgrade() -> None:
    _set_aside("line_usage_0013")
    _usage_table(with_channel=False)
    op.execute(
        "INSERT INTO line_usage (month, pushed, quota, consumed, checked_at) "
        "SELECT month, pushed, quota, consumed, checked_at FROM line_usage_0013 WHERE channel = ''"
    )
    op.drop_table("line_usage_0013")
    op.drop_table("line_channel")


def _set_aside(name: str) -> None:
    op.rename_table("line_usage", name)
    if op.get_bind().dialect.name == "postgresql":  # the key's index keeps its name through a rename
        op.execute(f"ALTER INDEX line_usage_pkey RENAME TO {name}_pkey")


def _usage_table(with_channel: bool) -> None:
    op.create_table(
        "line_usage",
        sa.Column("month", sqlmodel.sql.sqltypes.AutoString(length=7), nullable=False),
        *(
            [sa.Column("channel", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False)]
            if with_channel
            else []
        ),
        sa.Column("pushed", sa.Integer(), nullable=False),
        sa.Column("quota", sa.Integer(), nullable=True),
        sa.Column("consumed", sa.Integer(), nullable=True),
        sa.Column("checked_at", storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("month", "channel") if with_channel else sa.PrimaryKeyConstraint("month"),
    )
