"""the public page for ITA: an organisation's address and switch, and the rounds it has published

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel
import storage.types


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('publication',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('slug', sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
    sa.Column('live', sa.Boolean(), nullable=False),
    sa.Column('changed_at', storage.types.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['org_id'], ['organisation.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('org_id'),
    sa.UniqueConstraint('slug')
    )
    op.create_table('published_round',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('published_at', storage.types.UTCDateTime(), nullable=False),
    sa.Column('figures', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['org_id'], ['organisation.id'], ),
    sa.ForeignKeyConstraint(['round_id'], ['round.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('round_id')
    )
    with op.batch_alter_table('published_round', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_published_round_org_id'), ['org_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('published_round', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_published_round_org_id'))
    op.drop_table('published_round')
    op.drop_table('publication')
