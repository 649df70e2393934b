"""signoff: each organisation's sign-off chain, the rounds and plans sent along it, what each office decided; and the reason
a round was published before its approval

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-06
"""

from alembic import op
import sqlalchemy as sa

import storage.types


revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "signoff_step",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("org_id", sa.Integer(), sa.ForeignKey("organisation.id"), nullable=False, index=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("office", sa.String(length=17), nullable=False),
        sa.Column("person_id", sa.Integer(), sa.ForeignKey("person.id"), nullable=False),
        sa.UniqueConstraint("org_id", "position"),
    )
    op.create_table(
        "signoff",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("org_id", sa.Integer(), sa.ForeignKey("organisation.id"), nullable=False, index=True),
        sa.Column("fiscal_year_id", sa.Integer(), sa.ForeignKey("fiscal_year.id"), nullable=False),
        sa.Column("round_id", sa.Integer(), sa.ForeignKey("round.id"), nullable=True, index=True),
        sa.Column("state", sa.String(length=17), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("steps", sa.JSON(), nullable=False),
        sa.Column("doc_hash", sa.String(length=64), nullable=False),
        sa.Column("folder", sa.String(length=200), nullable=False),
        sa.Column("closed_on", sa.Date(), nullable=False),
        sa.Column("sent_by", sa.String(length=100), nullable=False),
        sa.Column("sent_at", storage.types.UTCDateTime(), nullable=False),
        sa.Column("step_since", storage.types.UTCDateTime(), nullable=False),
        sa.Column("ended_at", storage.types.UTCDateTime(), nullable=True),
        sa.Column("reason", sa.String(length=1000), nullable=False),
    )
    op.create_table(
        "signoff_decision",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("org_id", sa.Integer(), sa.ForeignKey("organisation.id"), nullable=False, index=True),
        sa.Column("signoff_id", sa.Integer(), sa.ForeignKey("signoff.id"), nullable=False, index=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("office", sa.String(length=17), nullable=False),
        sa.Column("decision", sa.String(length=15), nullable=False),
        sa.Column("person_id", sa.Integer(), sa.ForeignKey("person.id"), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("platform", sa.String(length=20), nullable=False),
        sa.Column("account", sa.String(length=100), nullable=False),
        sa.Column("comment", sa.String(length=1000), nullable=False),
        sa.Column("at", storage.types.UTCDateTime(), nullable=False),
        sa.Column("doc_hash", sa.String(length=64), nullable=False),
        sa.Column("chain_head", sa.String(length=64), nullable=False),
    )
    with op.batch_alter_table("published_round") as batch:
        batch.add_column(sa.Column("override", sa.String(length=1000), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("published_round") as batch:
        batch.drop_column("override")
    op.drop_table("signoff_decision")
    op.drop_table("signoff")
    op.drop_table("signoff_step")
