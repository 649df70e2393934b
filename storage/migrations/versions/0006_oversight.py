"""oversight: organisations that oversee others (roll-ups), the overseer role

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel
import storage.types


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('oversight',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('overseer_id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('created_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['org_id'], ['organisation.id'], ),
    sa.ForeignKeyConstraint(['overseer_id'], ['organisation.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('overseer_id', 'org_id')
    )
    with op.batch_alter_table('oversight', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_oversight_org_id'), ['org_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_oversight_overseer_id'), ['overseer_id'], unique=False)

    with op.batch_alter_table('invite', schema=None) as batch_op:
        batch_op.alter_column('role',
               existing_type=sa.VARCHAR(length=15),
               type_=sa.Enum('admin', 'manager', 'head', 'member', 'overseer', name='role', native_enum=False, length=16),
               existing_nullable=False)

    with op.batch_alter_table('membership', schema=None) as batch_op:
        batch_op.alter_column('role',
               existing_type=sa.VARCHAR(length=15),
               type_=sa.Enum('admin', 'manager', 'head', 'member', 'overseer', name='role', native_enum=False, length=16),
               existing_nullable=False)

    with op.batch_alter_table('organisation', schema=None) as batch_op:
        batch_op.alter_column('kind',
               existing_type=sa.VARCHAR(length=19),
               type_=sa.Enum('เทศบาลนคร', 'เทศบาลเมือง', 'เทศบาลตำบล', 'อบต.', 'หน่วยกำกับดูแล', name='orgkind', native_enum=False, length=22),
               existing_nullable=False)



def downgrade() -> None:
    with op.batch_alter_table('organisation', schema=None) as batch_op:
        batch_op.alter_column('kind',
               existing_type=sa.Enum('เทศบาลนคร', 'เทศบาลเมือง', 'เทศบาลตำบล', 'อบต.', 'หน่วยกำกับดูแล', name='orgkind', native_enum=False, length=22),
               type_=sa.VARCHAR(length=19),
               existing_nullable=False)

    with op.batch_alter_table('membership', schema=None) as batch_op:
        batch_op.alter_column('role',
               existing_type=sa.Enum('admin', 'manager', 'head', 'member', 'overseer', name='role', native_enum=False, length=16),
               type_=sa.VARCHAR(length=15),
               existing_nullable=False)

    with op.batch_alter_table('invite', schema=None) as batch_op:
        batch_op.alter_column('role',
               existing_type=sa.Enum('admin', 'manager', 'head', 'member', 'overseer', name='role', native_enum=False, length=16),
               type_=sa.VARCHAR(length=15),
               existing_nullable=False)

    with op.batch_alter_table('oversight', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_oversight_overseer_id'))
        batch_op.drop_index(batch_op.f('ix_oversight_org_id'))

    op.drop_table('oversight')
