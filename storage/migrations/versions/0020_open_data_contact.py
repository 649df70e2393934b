"""open data contact: the e-mail address an organisation's open datasets name as their maintainer (data.go.th)

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-06
"""

from alembic import op
import sqlalchemy as sa


revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("publication") as batch:
        batch.add_column(sa.Column("contact_email", sa.String(length=200), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("publication") as batch:
        batch.drop_column("contact_email")
