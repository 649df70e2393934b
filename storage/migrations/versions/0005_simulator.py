"""simulator

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel
import storage.types


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('sim_message',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('chat_id', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('outgoing', sa.Boolean(), nullable=False),
    sa.Column('text', sqlmodel.sql.sqltypes.AutoString(length=20000), nullable=False),
    sa.Column('buttons', sa.JSON(), nullable=False),
    sa.Column('attachment', sa.JSON(), nullable=True),
    sa.Column('shown_at', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('created_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('sim_message', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sim_message_chat_id'), ['chat_id'], unique=False)

    op.create_table('sim_state',
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=50), nullable=False),
    sa.Column('value', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.PrimaryKeyConstraint('key')
    )


def downgrade() -> None:
    op.drop_table('sim_state')
    with op.batch_alter_table('sim_message', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sim_message_chat_id'))

    op.drop_table('sim_message')
