"""outbox due index: the dispatcher's claim (pending rows of a platform, due, oldest first) read in index order

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-06
"""

from alembic import op


revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_outbox_due", "outbox", ["state", "platform", "not_before", "id"])


def downgrade() -> None:
    op.drop_index("ix_outbox_due", table_name="outbox")
