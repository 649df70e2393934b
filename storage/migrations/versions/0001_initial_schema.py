"""initial schema

Revision ID: 0001
Revises: 
Create Date: 2026-11-22
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel
import storage.types


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('organisation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('kind', sa.Enum('เทศบาลนคร', 'เทศบาลเมือง', 'เทศบาลตำบล', 'อบต.', name='orgkind', native_enum=False, length=19), nullable=False),
    sa.Column('province', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('district', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('address', sqlmodel.sql.sqltypes.AutoString(length=400), nullable=False),
    sa.Column('is_demo', sa.Boolean(), nullable=False),
    sa.Column('created_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('name')
    )
    op.create_table('fiscal_year',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('year_be', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['org_id'], ['organisation.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('org_id', 'year_be')
    )
    with op.batch_alter_table('fiscal_year', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_fiscal_year_org_id'), ['org_id'], unique=False)

    op.create_table('person',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('display_name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('lang', sqlmodel.sql.sqltypes.AutoString(length=5), nullable=False),
    sa.Column('created_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['org_id'], ['organisation.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_person_org_id'), ['org_id'], unique=False)

    op.create_table('unit',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['org_id'], ['organisation.id'], ),
    sa.ForeignKeyConstraint(['parent_id'], ['unit.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('org_id', 'name')
    )
    with op.batch_alter_table('unit', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_unit_org_id'), ['org_id'], unique=False)

    op.create_table('audit_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=True),
    sa.Column('actor', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('action', sqlmodel.sql.sqltypes.AutoString(length=50), nullable=False),
    sa.Column('entity', sqlmodel.sql.sqltypes.AutoString(length=50), nullable=False),
    sa.Column('entity_id', sa.Integer(), nullable=True),
    sa.Column('old', sa.JSON(), nullable=True),
    sa.Column('new', sa.JSON(), nullable=True),
    sa.Column('at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['org_id'], ['organisation.id'], ),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_log_org_id'), ['org_id'], unique=False)

    op.create_table('channel_account',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('platform', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('external_id', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.ForeignKeyConstraint(['org_id'], ['organisation.id'], ),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('platform', 'external_id')
    )
    with op.batch_alter_table('channel_account', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_channel_account_org_id'), ['org_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_channel_account_person_id'), ['person_id'], unique=False)

    op.create_table('membership',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.Column('role', sa.Enum('admin', 'manager', 'head', 'member', name='role', native_enum=False, length=15), nullable=False),
    sa.ForeignKeyConstraint(['org_id'], ['organisation.id'], ),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], ),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('person_id', 'unit_id', 'role')
    )
    with op.batch_alter_table('membership', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_membership_org_id'), ['org_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_membership_person_id'), ['person_id'], unique=False)

    op.create_table('plan_section',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('fiscal_year_id', sa.Integer(), nullable=False),
    sa.Column('level', sa.Enum('strategy', 'dimension', 'mission', 'subitem', name='sectionlevel', native_enum=False, length=17), nullable=False),
    sa.Column('code', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['fiscal_year_id'], ['fiscal_year.id'], ),
    sa.ForeignKeyConstraint(['org_id'], ['organisation.id'], ),
    sa.ForeignKeyConstraint(['parent_id'], ['plan_section.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('fiscal_year_id', 'level', 'code')
    )
    with op.batch_alter_table('plan_section', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plan_section_org_id'), ['org_id'], unique=False)

    op.create_table('round',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('fiscal_year_id', sa.Integer(), nullable=False),
    sa.Column('months', sa.Integer(), nullable=False),
    sa.Column('period_start', sa.Date(), nullable=False),
    sa.Column('period_end', sa.Date(), nullable=False),
    sa.Column('opens_on', sa.Date(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('submit_by', sa.Date(), nullable=False),
    sa.Column('state', sa.Enum('planned', 'open', 'closed', name='roundstate', native_enum=False, length=15), nullable=False),
    sa.ForeignKeyConstraint(['fiscal_year_id'], ['fiscal_year.id'], ),
    sa.ForeignKeyConstraint(['org_id'], ['organisation.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('fiscal_year_id', 'months')
    )
    with op.batch_alter_table('round', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_round_org_id'), ['org_id'], unique=False)

    op.create_table('plan_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('fiscal_year_id', sa.Integer(), nullable=False),
    sa.Column('code', sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
    sa.Column('number', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('โครงการ', 'กิจกรรม', 'มาตรการ', name='itemkind', native_enum=False, length=15), nullable=False),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
    sa.Column('kpi', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
    sa.Column('target_unit', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('target_qty', storage.types.ExactDecimal(length=40), nullable=True),
    sa.Column('budget_plan', storage.types.Money(), nullable=True),
    sa.Column('budget_ordinance', storage.types.Money(), nullable=True),
    sa.Column('no_budget', sa.Boolean(), nullable=False),
    sa.Column('months', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('month_from', sa.Date(), nullable=True),
    sa.Column('month_to', sa.Date(), nullable=True),
    sa.Column('all_units', sa.Boolean(), nullable=False),
    sa.Column('strategy_id', sa.Integer(), nullable=True),
    sa.Column('dimension_id', sa.Integer(), nullable=False),
    sa.Column('mission_id', sa.Integer(), nullable=False),
    sa.Column('subitem_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['dimension_id'], ['plan_section.id'], ),
    sa.ForeignKeyConstraint(['fiscal_year_id'], ['fiscal_year.id'], ),
    sa.ForeignKeyConstraint(['mission_id'], ['plan_section.id'], ),
    sa.ForeignKeyConstraint(['org_id'], ['organisation.id'], ),
    sa.ForeignKeyConstraint(['strategy_id'], ['plan_section.id'], ),
    sa.ForeignKeyConstraint(['subitem_id'], ['plan_section.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('fiscal_year_id', 'code')
    )
    with op.batch_alter_table('plan_item', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plan_item_org_id'), ['org_id'], unique=False)

    op.create_table('round_narrative',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('supporting', sqlmodel.sql.sqltypes.AutoString(length=8000), nullable=False),
    sa.Column('problems', sqlmodel.sql.sqltypes.AutoString(length=8000), nullable=False),
    sa.Column('suggestions', sqlmodel.sql.sqltypes.AutoString(length=8000), nullable=False),
    sa.Column('updated_by', sa.Integer(), nullable=True),
    sa.Column('updated_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['org_id'], ['organisation.id'], ),
    sa.ForeignKeyConstraint(['round_id'], ['round.id'], ),
    sa.ForeignKeyConstraint(['updated_by'], ['person.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('round_id')
    )
    with op.batch_alter_table('round_narrative', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_round_narrative_org_id'), ['org_id'], unique=False)

    op.create_table('plan_item_unit',
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['item_id'], ['plan_item.id'], ),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], ),
    sa.PrimaryKeyConstraint('item_id', 'unit_id')
    )
    op.create_table('status_report',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('not_started', 'in_progress', 'completed', 'cannot', name='status', native_enum=False, length=19), nullable=False),
    sa.Column('done_text', sqlmodel.sql.sqltypes.AutoString(length=4000), nullable=False),
    sa.Column('qty_achieved', storage.types.ExactDecimal(length=40), nullable=True),
    sa.Column('disbursed', storage.types.Money(), nullable=True),
    sa.Column('no_budget_used', sa.Boolean(), nullable=False),
    sa.Column('months', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('date_from', sa.Date(), nullable=True),
    sa.Column('date_to', sa.Date(), nullable=True),
    sa.Column('evidence', sa.JSON(), nullable=False),
    sa.Column('problems', sqlmodel.sql.sqltypes.AutoString(length=4000), nullable=False),
    sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(length=4000), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=True),
    sa.Column('channel', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('created_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['item_id'], ['plan_item.id'], ),
    sa.ForeignKeyConstraint(['org_id'], ['organisation.id'], ),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], ),
    sa.ForeignKeyConstraint(['round_id'], ['round.id'], ),
    sa.ForeignKeyConstraint(['unit_id'], ['unit.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('status_report', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_status_report_item_id'), ['item_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_status_report_org_id'), ['org_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_status_report_round_id'), ['round_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('status_report', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_status_report_round_id'))
        batch_op.drop_index(batch_op.f('ix_status_report_org_id'))
        batch_op.drop_index(batch_op.f('ix_status_report_item_id'))

    op.drop_table('status_report')
    op.drop_table('plan_item_unit')
    with op.batch_alter_table('round_narrative', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_round_narrative_org_id'))

    op.drop_table('round_narrative')
    with op.batch_alter_table('plan_item', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plan_item_org_id'))

    op.drop_table('plan_item')
    with op.batch_alter_table('round', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_round_org_id'))

    op.drop_table('round')
    with op.batch_alter_table('plan_section', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plan_section_org_id'))

    op.drop_table('plan_section')
    with op.batch_alter_table('membership', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_membership_person_id'))
        batch_op.drop_index(batch_op.f('ix_membership_org_id'))

    op.drop_table('membership')
    with op.batch_alter_table('channel_account', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_channel_account_person_id'))
        batch_op.drop_index(batch_op.f('ix_channel_account_org_id'))

    op.drop_table('channel_account')
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_log_org_id'))

    op.drop_table('audit_log')
    with op.batch_alter_table('unit', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_unit_org_id'))

    op.drop_table('unit')
    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_person_org_id'))

    op.drop_table('person')
    with op.batch_alter_table('fiscal_year', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_fiscal_year_org_id'))

    op.drop_table('fiscal_year')
    op.drop_table('organisation')
