"""Migrations from empty, on SQLite and on a real PostgreSQL, match the models exactly."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text
from sqlmodel import SQLModel

import storage.models  # noqa: F401
from storage.db import Database, alembic_config

pytestmark = pytest.mark.migrations


async def test_upgrade_from_empty_reaches_head_and_matches_models(db_url):
    db = Database(db_url)
    try:
        assert await db.current_revision() is None
        await db.upgrade()
        head = ScriptDirectory.from_config(alembic_config()).get_current_head()
        assert await db.current_revision() == head
        async with db.engine.connect() as conn:
            tables = set(await conn.run_sync(lambda c: inspect(c).get_table_names()))
            diff = await conn.run_sync(
                lambda c: compare_metadata(
                    MigrationContext.configure(c, opts={"compare_type": True}), SQLModel.metadata
                )
            )
        assert set(SQLModel.metadata.tables) <= tables
        assert diff == [], f"models and migrations differ: {diff}"
        await db.upgrade()  # idempotent
        assert await db.current_revision() == head
    finally:
        await db.dispose()


async def test_sqlite_runs_in_wal_mode(tmp_path):
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'w.db'}")
    try:
        await db.upgrade()
        async with db.engine.connect() as conn:
            assert (await conn.execute(text("PRAGMA journal_mode"))).scalar() == "wal"
            assert (await conn.execute(text("PRAGMA foreign_keys"))).scalar() == 1
    finally:
        await db.dispose()


async def test_line_usage_keeps_its_months_when_counted_per_channel(db_url):
    """0013 makes (month, channel) the key of line_usage: the deployment's counts stay, under channel ""."""
    from alembic import command

    db = Database(db_url)
    try:
        await db.upgrade("0012")
        async with db.engine.begin() as conn:
            await conn.execute(text("INSERT INTO line_usage (month, pushed, quota) VALUES ('2026-11', 120, 300)"))
        await db.upgrade()
        async with db.engine.begin() as conn:
            rows = (await conn.execute(text("SELECT month, channel, pushed, quota FROM line_usage"))).all()
            assert [tuple(r) for r in rows] == [("2026-11", "", 120, 300)]
            await conn.execute(text("INSERT INTO line_usage (month, channel, pushed) VALUES ('2026-11', 'nueng', 5)"))
            await conn.run_sync(lambda c: command.downgrade(alembic_config(c), "0012"))
            rows = (await conn.execute(text("SELECT month, pushed FROM line_usage"))).all()
            assert [tuple(r) for r in rows] == [("2026-11", 120)]
    finally:
        await db.dispose()
