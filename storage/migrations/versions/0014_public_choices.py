"""public choices: when and by whom a year's plan was approved; the admin's public wording of an answer's typed
text; links an admin marked public though their host is private storage

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03
"""

from alembic import op
import sqlalchemy as sa

import storage.types


revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("fiscal_year", sa.Column("plan_approved_on", sa.Date(), nullable=True))
    op.add_column("fiscal_year", sa.Column("plan_approved_by", sa.String(length=200), server_default="", nullable=False))
    op.create_table(
        "public_wording",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("org_id", sa.Integer(), sa.ForeignKey("organisation.id"), nullable=False, index=True),
        sa.Column("round_id", sa.Integer(), sa.ForeignKey("round.id"), nullable=False),
        sa.Column("item_id", sa.Integer(), sa.ForeignKey("plan_item.id"), nullable=False),
        sa.Column("unit_id", sa.Integer(), sa.ForeignKey("unit.id"), nullable=False),
        sa.Column("field", sa.String(length=20), nullable=False),
        sa.Column("text", sa.String(length=4000), nullable=False),
        sa.Column("set_by", sa.String(length=100), nullable=False),
        sa.Column("set_at", storage.types.UTCDateTime(), nullable=False),
        sa.UniqueConstraint("round_id", "item_id", "unit_id", "field"),
    )
    op.create_table(
        "public_link",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("org_id", sa.Integer(), sa.ForeignKey("organisation.id"), nullable=False, index=True),
        sa.Column("url", sa.String(length=2000), nullable=False),
        sa.Column("marked_by", sa.String(length=100), nullable=False),
        sa.Column("marked_at", storage.types.UTCDateTime(), nullable=False),
        sa.UniqueConstraint("org_id", "url"),
    )


def downgrade() -> None:
    op.drop_table("public_link")
    op.drop_table("public_wording")
    with op.batch_alter_table("fiscal_year") as batch_op:
        batch_op.drop_column("plan_approved_by")
        batch_op.drop_column("plan_approved_on")
