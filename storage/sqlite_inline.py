"""SQLite on the event loop's own thread, behind SQLAlchemy's aiosqlite dialect.

aiosqlite runs each call on a thread of its own connection and wakes the loop for its result: two thread
hops a call, four or more a statement, ~0.3 ms of CPU a hop on these machines against the few microseconds
SQLite itself needs for a one-row read (bench/statement.py). This module gives the dialect the same
interface with the calls made inline: a statement costs what SQLite costs.

What makes that safe here: every transaction takes the write lock first (``BEGIN IMMEDIATE``, storage/db.py)
and this process runs one at a time (``Database._turn``), so SQLite waits only for *another* process (the
CLI's import, a backup). That wait must not stop the loop: SQLite's own busy handler is cut to a few
milliseconds and a locked ``BEGIN`` is retried here with ``asyncio.sleep`` until ``BUSY_WAIT`` has passed.
Statements are milliseconds at most on this schema; bulk work (backups) uses sqlite3 on a thread of its own.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Callable, Iterable
from typing import Any

BUSY_WAIT = 30.0  # seconds a BEGIN waits for another process's write lock, as busy_timeout=30000 did
BUSY_TIMEOUT_MS = 5  # SQLite's own (blocking) wait before this module's asynchronous retry takes over


class Cursor:
    """aiosqlite's Cursor, inline."""

    def __init__(self, cursor: sqlite3.Cursor):
        self._cursor = cursor

    async def __aenter__(self) -> Cursor:
        return self

    async def __aexit__(self, *_exc: object) -> None:
        self._cursor.close()

    async def execute(self, sql: str, parameters: Any = ()) -> Cursor:
        if sql.lstrip()[:5].upper() != "BEGIN":
            self._cursor.execute(sql, parameters)
            return self
        deadline, pause = time.monotonic() + BUSY_WAIT, 0.002
        while True:
            try:
                self._cursor.execute(sql, parameters)
                return self
            except sqlite3.OperationalError as e:
                if "locked" not in str(e) and "busy" not in str(e) or time.monotonic() > deadline:
                    raise
            await asyncio.sleep(pause)  # another process writes: let this loop go on meanwhile
            pause = min(pause * 2, 0.1)

    async def executemany(self, sql: str, seq: Iterable[Any]) -> Cursor:
        self._cursor.executemany(sql, seq)
        return self

    async def fetchone(self) -> Any:
        return self._cursor.fetchone()

    async def fetchmany(self, size: int | None = None) -> list[Any]:
        return self._cursor.fetchmany(size if size is not None else self._cursor.arraysize)

    async def fetchall(self) -> list[Any]:
        return self._cursor.fetchall()

    async def close(self) -> None:
        self._cursor.close()

    async def setinputsizes(self, *_sizes: Any) -> None:
        return None

    @property
    def description(self) -> Any:
        return self._cursor.description

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount

    @property
    def lastrowid(self) -> int | None:
        return self._cursor.lastrowid

    @property
    def arraysize(self) -> int:
        return self._cursor.arraysize

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        self._cursor.arraysize = value


class _Now:
    """Stands in for aiosqlite's request queue, which the dialect's isolation-level setter writes to."""

    def __init__(self, connection: Connection):
        self.connection = connection

    def put_nowait(self, item: tuple[asyncio.Future, Callable[[], Any]]) -> None:
        future, function = item
        try:
            future.set_result(function())
        except Exception as e:  # the dialect awaits the future and handles what it raises
            future.set_exception(e)


class Connection:
    """aiosqlite's Connection, inline: what SQLAlchemy's aiosqlite dialect calls, and nothing more."""

    def __init__(self, conn: sqlite3.Connection):
        self._conn = conn
        self._connection: sqlite3.Connection | None = conn
        self._tx = _Now(self)

    def cursor(self) -> Cursor:
        assert self._connection is not None, "connection closed"
        return Cursor(self._connection.cursor())

    async def commit(self) -> None:
        self._conn.commit()

    async def rollback(self) -> None:
        self._conn.rollback()

    async def close(self) -> None:
        if self._connection is not None:
            self._connection = None
            self._conn.close()

    def stop(self) -> None:
        if self._connection is not None:
            self._connection = None
            self._conn.close()

    async def create_function(self, *args: Any, **kw: Any) -> None:
        self._conn.create_function(*args, **kw)

    @property
    def isolation_level(self) -> str | None:
        return self._conn.isolation_level


async def connect(database: str, uri: bool = False) -> Connection:
    """A connection usable from any thread (one at a time: the pool hands it out)."""
    conn = sqlite3.connect(database, uri=uri, check_same_thread=False, timeout=BUSY_TIMEOUT_MS / 1000)
    return Connection(conn)
