"""fiscal year: carried answers, reasons, guideline items

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel
import storage.types


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('plan_item', schema=None) as batch_op:
        batch_op.alter_column('kind',
               existing_type=sa.VARCHAR(length=15),
               type_=sa.Enum('โครงการ', 'กิจกรรม', 'มาตรการ', 'แนวปฏิบัติงาน', name='itemkind', native_enum=False, length=21),
               existing_nullable=False)

    with op.batch_alter_table('status_report', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reason_category', sa.Enum('no_budget', 'policy', 'staff', 'other', name='cannotreason', native_enum=False, length=17), nullable=True))
        batch_op.add_column(sa.Column('carried_from_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key('fk_status_report_carried_from', 'status_report', ['carried_from_id'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('status_report', schema=None) as batch_op:
        batch_op.drop_constraint('fk_status_report_carried_from', type_='foreignkey')
        batch_op.drop_column('carried_from_id')
        batch_op.drop_column('reason_category')

    with op.batch_alter_table('plan_item', schema=None) as batch_op:
        batch_op.alter_column('kind',
               existing_type=sa.Enum('โครงการ', 'กิจกรรม', 'มาตรการ', 'แนวปฏิบัติงาน', name='itemkind', native_enum=False, length=21),
               type_=sa.Enum('โครงการ', 'กิจกรรม', 'มาตรการ', name='itemkind', native_enum=False, length=15),
               existing_nullable=False)

