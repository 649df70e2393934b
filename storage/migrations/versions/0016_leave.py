"""leave: a person away from one day to another, so reminders pass them by

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06
"""

from alembic import op
import sqlalchemy as sa

import storage.types


revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "leave",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("org_id", sa.Integer(), sa.ForeignKey("organisation.id"), nullable=False, index=True),
        sa.Column("person_id", sa.Integer(), sa.ForeignKey("person.id"), nullable=False, index=True),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("kind", sa.Enum("vacation", "sick", "official", "other", name="leavekind", native_enum=False, length=16), nullable=False),
        sa.Column("recorded_by", sa.String(length=100), nullable=False),
        sa.Column("recorded_at", storage.types.UTCDateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("leave")
