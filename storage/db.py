"""Engine, sessions and migrations: SQLite (WAL) by default, PostgreSQL through DATABASE_URL; no commit goes into a
SQLite file deleted or replaced since it was opened; the one INSERT … ON CONFLICT DO NOTHING of both dialects (by COPY
for many rows on PostgreSQL)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Insert, Table, event, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, InterfaceError, OperationalError
from sqlalchemy.exc import IntegrityError as IntegrityError  # for the layers above, which speak no SQLAlchemy
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlmodel import SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession as AsyncSession  # the session type the layers above hold

from locales.errors import UserError
from locales.i18n import _
from storage import sqlite_inline

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    dbapi_connection.isolation_level = None  # SQLAlchemy's "begin" event below starts transactions itself
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={sqlite_inline.BUSY_TIMEOUT_MS}")  # the longer wait: sqlite_inline
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
        raise UserError(_("DATABASE_URL is not a database address: {url}").format(url=url)) from None
    if parsed.get_backend_name() not in ("sqlite", "postgresql"):
        raise UserError(
            _("DATABASE_URL must point to SQLite or PostgreSQL, not {backend}").format(
                backend=parsed.get_backend_name()
            )
        )
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        in_memory = not parsed.database or parsed.database == ":memory:"
        database = ":memory:" if in_memory else str(parsed.database)
        engine = create_async_engine(
            url,
            async_creator=lambda: sqlite_inline.connect(database),
            hide_parameters=True,
            **({} if in_memory else {"pool_timeout": 60}),
        )
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        event.listen(engine.sync_engine, "begin", _sqlite_begin_immediate)
        return engine
    return create_async_engine(url, pool_pre_ping=True, hide_parameters=True)


DATA_FOLDERS = ("evidence", "exports", "imports", "logs", "charts", "backups")


def backend_of(url: str) -> str:
    """ "sqlite" or "postgresql", as the URL names it."""
    return make_url(url).get_backend_name()


def sqlite_file(url: str) -> Path | None:
    """The file of a SQLite URL (None for PostgreSQL or memory)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        return None
    return Path(parsed.database)


class Database:
    """One engine and its session factory; the unit every command and request works through.

    ``new_installation``: a SQLite file may be created beside data that an earlier database left (evidence,
    exports, logs …). Without it that is refused — the file was deleted or DATA_DIR points elsewhere, and a
    fresh database would quietly make every registered person a stranger."""

    def __init__(self, url: str, *, new_installation: bool = False) -> None:
        self.url = url
        self.new_installation = new_installation
        self.file = sqlite_file(url)
        self._opened: tuple[int, int] | None = None  # (device, inode) of the SQLite file once opened
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
                self._refuse_a_lost_file()
                await transaction.commit()
            else:
                session.expunge_all()  # what was read stays usable after the rollback
                await transaction.rollback()

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    async def upgrade(self, revision: str = "head") -> None:
        self._refuse_silent_new_file()
        try:
            async with self.engine.begin() as conn:
                await conn.run_sync(_run_upgrade, revision)
        except (OSError, OperationalError, InterfaceError) as e:
            where = self.engine.url.render_as_string(hide_password=True)
            raise UserError(
                _("Cannot open the database {url}: {error}").format(url=where, error=getattr(e, "orig", None) or e)
            ) from e
        if self.file is not None:
            st = self.file.stat()
            self._opened = (st.st_dev, st.st_ino)

    def _refuse_silent_new_file(self) -> None:
        if self.file is None or self.file.exists() or self.new_installation:
            return
        folder = self.file.parent
        left = [name for name in DATA_FOLDERS if (folder / name).is_dir() and any((folder / name).iterdir())]
        if left:
            raise UserError(
                _(
                    "The database file {file} is missing, but {folder} holds data of an earlier one "
                    "({left}). Restore the file from a backup; or, if this really is a new "
                    "installation, set NEW_INSTALLATION=true once."
                ).format(file=self.file, folder=folder, left=", ".join(left))
            )

    def _refuse_a_lost_file(self) -> None:
        """Before a commit: the SQLite file that was opened is still the one at its path. Deleted or replaced,
        SQLite would go on writing into the old inode and every answer acknowledged would be lost at the next
        start; failing the commit makes the webhook answer 5xx, so the platforms deliver again later."""
        if self.file is None or self._opened is None:
            return
        try:
            st = self.file.stat()
        except OSError:
            raise DatabaseGone("the SQLite file is gone") from None
        if (st.st_dev, st.st_ino) != self._opened:
            raise DatabaseGone("the SQLite file was replaced")

    async def check_writable(self) -> None:
        """Raise unless a write commits, to the very file that was opened (a deleted or replaced SQLite file,
        a read-only disk or a database in recovery all fail here)."""

        async with self.session() as s:
            await (await s.connection()).execute(text("UPDATE alembic_version SET version_num = version_num"))

    async def current_revision(self) -> str | None:
        from alembic.runtime.migration import MigrationContext

        async with self.engine.connect() as conn:
            return await conn.run_sync(lambda c: MigrationContext.configure(c).get_current_revision())

    async def dispose(self) -> None:
        await self.engine.dispose()


class DatabaseGone(RuntimeError):
    """The SQLite file this process opened was deleted or replaced: nothing more is committed into it."""


def alembic_config(connection=None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def _run_upgrade(connection, revision: str) -> None:
    command.upgrade(alembic_config(connection), revision)


def insert_ignoring_duplicates(dialect: str, model: type[SQLModel], values: Any, keys: list[str]) -> Insert:
    """INSERT … ON CONFLICT (``keys``) DO NOTHING in the dialect's words: how rows that two workers may both
    try to add are claimed (an outbox key, a tick mark, a processed event, a draft) — once, without an error."""
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    return insert(table_of(model)).values(values).on_conflict_do_nothing(index_elements=keys)


async def insert_rows_ignoring_duplicates(
    session: AsyncSession, model: type[SQLModel], rows: list[dict[str, Any]], keys: list[str]
) -> int:
    """``insert_ignoring_duplicates`` of many rows (each with the same columns) as one statement executed for
    all of them, which SQLAlchemy sends in batches of many rows: a statement whose VALUES hold every row is
    compiled anew each time, about a second per 10,000 rows (the tick's wave). Returns the rows inserted."""
    if not rows:
        return 0
    table = table_of(model)
    if session.bind.dialect.name == "postgresql" and len(rows) >= COPY_FROM:
        return await _copy_ignoring_duplicates(session, table, rows, keys)
    insert = pg_insert if session.bind.dialect.name == "postgresql" else sqlite_insert
    statement = insert(table).on_conflict_do_nothing(index_elements=keys).returning(*table.primary_key.columns)
    return len((await session.exec(statement, params=rows)).all())


COPY_FROM = 500  # rows from which PostgreSQL is sent them by COPY: a nation's wave is 60,000 sends and their marks


async def _copy_ignoring_duplicates(
    session: AsyncSession, table: Table, rows: list[dict[str, Any]], keys: list[str]
) -> int:
    """The rows COPYed into a temporary table in the session's transaction, then inserted from it ignoring
    duplicates: PostgreSQL's bulk load, about ten times an INSERT's rows a second. Each value is first made what
    SQLAlchemy would have sent (its column type's bind processing: enums, JSON, UTC times)."""
    names = list(rows[0])
    dialect = session.bind.dialect
    processors = [table.c[n].type.dialect_impl(dialect).bind_processor(dialect) for n in names]
    records = [tuple(p(r[n]) if p else r[n] for n, p in zip(names, processors, strict=True)) for r in rows]
    connection = await session.connection()
    pg = (await connection.get_raw_connection()).driver_connection
    if not pg.is_in_transaction():  # asyncpg's transaction begins at the first statement: begin it here
        await connection.execute(text("SELECT 1"))
    columns = ", ".join(f'"{n}"' for n in names)
    temp = f"copy_{table.name}"
    await pg.execute(
        f"DROP TABLE IF EXISTS pg_temp.{temp}; "
        f'CREATE TEMP TABLE {temp} ON COMMIT DROP AS SELECT {columns} FROM "{table.name}" WITH NO DATA'
    )
    await pg.copy_records_to_table(temp, records=records, columns=names, schema_name="pg_temp")
    returned = ", ".join(f'"{c.name}"' for c in table.primary_key.columns)
    inserted = await pg.fetch(
        f'INSERT INTO "{table.name}" ({columns}) SELECT {columns} FROM pg_temp.{temp} '
        f"ON CONFLICT ({', '.join(keys)}) DO NOTHING RETURNING {returned}"
    )
    return len(inserted)


def table_of(model: type[SQLModel]) -> Table:
    """A model's table, for Core statements (``insert(...).on_conflict_do_nothing``): SQLModel does not type it."""
    return model.__table__  # type: ignore[attr-defined,no-any-return]
