"""sealed LINE channel secrets: room for a Fernet token in the secret and token columns (the web app seals the
values stored in the clear at its next start)

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06
"""

from alembic import op
import sqlalchemy as sa


revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("line_channel") as batch:
        batch.alter_column("secret", type_=sa.String(length=300), existing_nullable=False)
        batch.alter_column("access_token", type_=sa.String(length=1000), existing_nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("line_channel") as batch:
        batch.alter_column("secret", type_=sa.String(length=100), existing_nullable=False)
        batch.alter_column("access_token", type_=sa.String(length=500), existing_nullable=False)
