"""join attempts: invite codes refused, to limit guessing per chat account and per organisation

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel
import storage.types


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('join_attempt',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('platform', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('external_id', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=True),
    sa.Column('at', storage.types.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['org_id'], ['organisation.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('join_attempt', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_join_attempt_org_id'), ['org_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_join_attempt_at'), ['at'], unique=False)
        batch_op.create_index('ix_join_attempt_account', ['platform', 'external_id', 'at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('join_attempt', schema=None) as batch_op:
        batch_op.drop_index('ix_join_attempt_account')
        batch_op.drop_index(batch_op.f('ix_join_attempt_at'))
        batch_op.drop_index(batch_op.f('ix_join_attempt_org_id'))
    op.drop_table('join_attempt')
