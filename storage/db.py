"""Engine, sessions and migrations: SQLite (WAL) by default, PostgreSQL through DATABASE_URL."""

from __future__ import annotations

import asyncio
from contextlib import asynccontextmanager
from pathlib import Path
from typing import AsyncIterator

from alembic import command
from alembic.config import Config
from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, InterfaceError, OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession

from locales.errors import UserError
from locales.i18n import _

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    dbapi_connection.isolation_level = None  # SQLAlchemy's "begin" event below starts transactions itself
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _sqlite_begin_immediate(conn) -> None:
    """Take SQLite's write lock when a transaction begins, so concurrent writers queue up (busy_timeout)
    instead of failing: a transaction that read first and then writes gets SQLITE_BUSY at once if another
    wrote meanwhile, without waiting."""
    conn.exec_driver_sql("BEGIN IMMEDIATE")


def make_engine(url: str) -> AsyncEngine:
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise UserError(_("DATABASE_URL is not a database address: {url}").format(url=url))
    if parsed.get_backend_name() not in ("sqlite", "postgresql"):
        raise UserError(_("DATABASE_URL must point to SQLite or PostgreSQL, not {backend}")
                        .format(backend=parsed.get_backend_name()))
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        in_memory = not parsed.database or parsed.database == ":memory:"
        engine = create_async_engine(url) if in_memory else create_async_engine(url, pool_timeout=60)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        event.listen(engine.sync_engine, "begin", _sqlite_begin_immediate)
        return engine
    return create_async_engine(url, pool_pre_ping=True)


class Database:
    """One engine and its session factory; the unit every command and request works through."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        self._sessions = async_sessionmaker(self.engine, class_=AsyncSession, expire_on_commit=False)
        self._turns: dict[asyncio.AbstractEventLoop, asyncio.Lock] = {}

    @asynccontextmanager
    async def session(self, *, commit: bool = True) -> AsyncIterator[AsyncSession]:
        """A session in one transaction: committed on success (unless ``commit=False``, a dry
        run), rolled back on any error."""
        if self.is_sqlite:
            # SQLite has one writer at a time and every transaction here takes the write lock; waiting for it
            # in SQLite's busy handler means sleeps of up to 100 ms, so this process queues its own in turn
            async with self._turn():
                async with self._transaction(commit) as session:
                    yield session
        else:
            async with self._transaction(commit) as session:
                yield session

    def _turn(self) -> asyncio.Lock:
        loop = asyncio.get_running_loop()
        lock = self._turns.get(loop)
        if lock is None:
            self._turns = {loop: (lock := asyncio.Lock())}  # one loop at a time; earlier loops are gone
        return lock

    @asynccontextmanager
    async def _transaction(self, commit: bool) -> AsyncIterator[AsyncSession]:
        async with self._sessions() as session:
            transaction = await session.begin()
            try:
                yield session
            except BaseException:
                await transaction.rollback()
                raise
            if commit:
                await transaction.commit()
            else:
                session.expunge_all()  # what was read stays usable after the rollback
                await transaction.rollback()

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    async def upgrade(self, revision: str = "head") -> None:
        try:
            async with self.engine.begin() as conn:
                await conn.run_sync(_run_upgrade, revision)
        except (OSError, OperationalError, InterfaceError) as e:
            where = self.engine.url.render_as_string(hide_password=True)
            raise UserError(_("Cannot open the database {url}: {error}").format(
                url=where, error=getattr(e, "orig", None) or e)) from e

    async def ping(self) -> None:
        """Raise when the database does not answer (a webhook then asks the platform to redeliver)."""
        from sqlalchemy import text

        async with self.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    async def current_revision(self) -> str | None:
        from alembic.runtime.migration import MigrationContext

        async with self.engine.connect() as conn:
            return await conn.run_sync(lambda c: MigrationContext.configure(c).get_current_revision())

    async def dispose(self) -> None:
        await self.engine.dispose()


def alembic_config(connection=None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def _run_upgrade(connection, revision: str) -> None:
    command.upgrade(alembic_config(connection), revision)


def run(coro):
    """Run a coroutine from synchronous code (the CLI)."""
    return asyncio.run(coro)
