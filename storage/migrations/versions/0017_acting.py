"""acting: who acts for a unit's head or for the ปลัด (รักษาราชการแทน) over a period

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06
"""

from alembic import op
import sqlalchemy as sa

import storage.types


revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "acting",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("org_id", sa.Integer(), sa.ForeignKey("organisation.id"), nullable=False, index=True),
        sa.Column("person_id", sa.Integer(), sa.ForeignKey("person.id"), nullable=False, index=True),
        sa.Column("unit_id", sa.Integer(), sa.ForeignKey("unit.id"), nullable=True),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("recorded_by", sa.String(length=100), nullable=False),
        sa.Column("recorded_at", storage.types.UTCDateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("acting")
