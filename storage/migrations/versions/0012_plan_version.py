"""plan version: a stamp on the organisation that triggers move whenever its rounds, units, plan items or
item owners change, so steps may keep those in memory (storage/snapshot.py)

A later migration that rebuilds one of these tables on SQLite (batch_alter_table) drops its triggers: run
``create_triggers`` again after it (tests/test_snapshot.py checks every one at head, on both databases).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01
"""

from alembic import op
import sqlalchemy as sa


revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

BUMP = "UPDATE organisation SET plan_version = plan_version + 1 WHERE id = {org}"
# table → how a row names its organisation (plan_item_unit through its item)
ORG_OF = {
    "round": "{row}.org_id",
    "unit": "{row}.org_id",
    "plan_item": "{row}.org_id",
    "plan_item_unit": "(SELECT org_id FROM plan_item WHERE id = {row}.item_id)",
}


def create_triggers() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table, org in ORG_OF.items():
            op.execute(
                f"""
                CREATE OR REPLACE FUNCTION tidtam_plan_version_{table}() RETURNS trigger AS $$
                BEGIN
                    IF TG_OP IN ('UPDATE', 'DELETE') THEN {BUMP.format(org=org.format(row="OLD"))}; END IF;
                    IF TG_OP IN ('INSERT', 'UPDATE') THEN {BUMP.format(org=org.format(row="NEW"))}; END IF;
                    RETURN NULL;
                END $$ LANGUAGE plpgsql"""
            )
            op.execute(f"DROP TRIGGER IF EXISTS tidtam_plan_version ON {table}")
            op.execute(
                f"CREATE TRIGGER tidtam_plan_version AFTER INSERT OR UPDATE OR DELETE ON {table} "
                f"FOR EACH ROW EXECUTE FUNCTION tidtam_plan_version_{table}()"
            )
        return
    for table, org in ORG_OF.items():
        for event, rows in (("INSERT", ("NEW",)), ("UPDATE", ("OLD", "NEW")), ("DELETE", ("OLD",))):
            name = f"tidtam_plan_version_{table}_{event.lower()}"
            body = "; ".join(BUMP.format(org=org.format(row=row)) for row in rows)
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
            op.execute(f"CREATE TRIGGER {name} AFTER {event} ON {table} BEGIN {body}; END")


def drop_triggers() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for table in ORG_OF:
        if postgres:
            op.execute(f"DROP TRIGGER IF EXISTS tidtam_plan_version ON {table}")
            op.execute(f"DROP FUNCTION IF EXISTS tidtam_plan_version_{table}()")
        else:
            for event in ("insert", "update", "delete"):
                op.execute(f"DROP TRIGGER IF EXISTS tidtam_plan_version_{table}_{event}")


def upgrade() -> None:
    op.add_column("organisation", sa.Column("plan_version", sa.Integer(), server_default="0", nullable=False))
    create_triggers()


def downgrade() -> None:
    drop_triggers()
    with op.batch_alter_table("organisation") as batch_op:
        batch_op.drop_column("plan_version")
