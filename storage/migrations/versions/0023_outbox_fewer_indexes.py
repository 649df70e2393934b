"""outbox: drop the state and due-time indexes, which ix_outbox_due (state, platform, not_before, id) covers — each
of a nation's 60,000 wave rows updates four indexes, not six

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-06
"""

from alembic import op


revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox") as batch_op:
        batch_op.drop_index("ix_outbox_state")
        batch_op.drop_index("ix_outbox_not_before")


def downgrade() -> None:
    with op.batch_alter_table("outbox") as batch_op:
        batch_op.create_index("ix_outbox_not_before", ["not_before"], unique=False)
        batch_op.create_index("ix_outbox_state", ["state"], unique=False)
