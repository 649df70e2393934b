"""tick marks: what the minute tick has planned, so it plans only organisations with something new

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-22
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel
import storage.types


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('tick_mark',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('mark', sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
    sa.ForeignKeyConstraint(['org_id'], ['organisation.id'], ),
    sa.ForeignKeyConstraint(['round_id'], ['round.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('round_id', 'unit_id', 'mark')
    )
    with op.batch_alter_table('tick_mark', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tick_mark_org_id'), ['org_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('tick_mark', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tick_mark_org_id'))

    op.drop_table('tick_mark')
