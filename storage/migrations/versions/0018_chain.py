"""chain: each answer's own SHA-256 and each audit line's hash chained per organisation (storage/chain.py); the
rows already stored are sealed here, in the order they were written

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-06
"""

from alembic import op
import sqlalchemy as sa

import storage.types
from storage.chain import ANSWER_FIELDS, GENESIS, SEALS_ANSWER, answer_hash, line_hash


revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

answers = sa.table(
    "status_report",
    sa.column("id", sa.Integer), sa.column("org_id", sa.Integer), sa.column("round_id", sa.Integer),
    sa.column("item_id", sa.Integer), sa.column("unit_id", sa.Integer), sa.column("status", sa.String),
    sa.column("done_text", sa.String), sa.column("qty_achieved", storage.types.ExactDecimal()),
    sa.column("disbursed", storage.types.Money()), sa.column("no_budget_used", sa.Boolean),
    sa.column("months", sa.String), sa.column("date_from", sa.Date), sa.column("date_to", sa.Date),
    sa.column("evidence", sa.JSON), sa.column("problems", sa.String), sa.column("reason", sa.String),
    sa.column("reason_category", sa.String), sa.column("person_id", sa.Integer), sa.column("channel", sa.String),
    sa.column("carried_from_id", sa.Integer), sa.column("created_at", storage.types.UTCDateTime()),
    sa.column("row_hash", sa.String),
)  # fmt: skip
lines = sa.table(
    "audit_log",
    sa.column("id", sa.Integer), sa.column("org_id", sa.Integer), sa.column("person_id", sa.Integer),
    sa.column("actor", sa.String), sa.column("action", sa.String), sa.column("entity", sa.String),
    sa.column("entity_id", sa.Integer), sa.column("old", sa.JSON), sa.column("new", sa.JSON),
    sa.column("at", storage.types.UTCDateTime()), sa.column("chain_prev", sa.String),
    sa.column("chain_hash", sa.String),
)  # fmt: skip


class _Row:
    def __init__(self, mapping, **more):
        self.__dict__.update(dict(mapping), **more)


def upgrade() -> None:
    with op.batch_alter_table("status_report") as batch:
        batch.add_column(sa.Column("row_hash", sa.String(length=64), server_default="", nullable=False))
    with op.batch_alter_table("audit_log") as batch:
        batch.add_column(sa.Column("chain_prev", sa.String(length=64), server_default="", nullable=False))
        batch.add_column(sa.Column("chain_hash", sa.String(length=64), server_default="", nullable=False))
    conn = op.get_bind()
    assert ANSWER_FIELDS  # the fields the hashes cover are storage/chain.py's, fixed
    sealed = {}
    for row in conn.execute(sa.select(answers).order_by(answers.c.id)).mappings():
        sealed[row["id"]] = digest = answer_hash(_Row(row))
        conn.execute(sa.update(answers).where(answers.c.id == row["id"]).values(row_hash=digest))
    previous: dict[int, str] = {}
    for row in conn.execute(sa.select(lines).order_by(lines.c.id)).mappings():
        new = row["new"]
        if row["entity"] == "status_report" and row["action"] in SEALS_ANSWER and row["entity_id"] in sealed:
            new = {**(new or {}), "sealed": sealed[row["entity_id"]]}
        line = _Row(row, new=new, chain_prev=previous.get(row["org_id"], GENESIS))
        previous[row["org_id"]] = digest = line_hash(line)
        conn.execute(
            sa.update(lines).where(lines.c.id == row["id"]).values(new=new, chain_prev=line.chain_prev, chain_hash=digest)
        )


def downgrade() -> None:
    with op.batch_alter_table("audit_log") as batch:
        batch.drop_column("chain_hash")
        batch.drop_column("chain_prev")
    with op.batch_alter_table("status_report") as batch:
        batch.drop_column("row_hash")
