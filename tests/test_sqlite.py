"""SQLite runs on the event loop's thread (storage/sqlite_inline.py): waiting for another process's write
lock must not stop the loop, must end when the lock is released, and must give up after BUSY_WAIT."""

from __future__ import annotations

import asyncio
import sqlite3
import time

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from storage import sqlite_inline
from storage.db import Database


async def _ticks_while(coro) -> tuple[object, int]:
    """Run ``coro``; count how often a 5 ms ticker ran meanwhile (0 when the loop was blocked)."""
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.005)
            ticks += 1

    task = asyncio.create_task(ticker())
    try:
        return await coro, ticks
    finally:
        task.cancel()


async def test_a_write_lock_held_elsewhere_is_waited_for_without_stopping_the_loop(tmp_path):
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'x.db'}", new_installation=True)
    async with db.session() as s:
        await s.exec(text("CREATE TABLE t (a INTEGER)"))
    other = sqlite3.connect(tmp_path / "x.db", isolation_level=None)  # another process, as SQLite sees it
    other.execute("BEGIN IMMEDIATE")
    other.execute("INSERT INTO t VALUES (1)")
    asyncio.get_running_loop().call_later(0.4, other.execute, "COMMIT")

    async def write() -> float:
        started = time.monotonic()
        async with db.session() as s:
            await s.exec(text("INSERT INTO t VALUES (2)"))
        return time.monotonic() - started

    waited, ticks = await _ticks_while(write())
    assert waited >= 0.35  # it did wait for the other writer …
    assert ticks >= 20  # … while the loop went on (a blocking wait would give 0)
    async with db.session() as s:
        assert (await s.exec(text("SELECT a FROM t ORDER BY a"))).all() == [(1,), (2,)]
    other.close()
    await db.dispose()


async def test_a_write_lock_never_released_is_given_up_on(tmp_path, monkeypatch):
    monkeypatch.setattr(sqlite_inline, "BUSY_WAIT", 0.3)
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'x.db'}", new_installation=True)
    async with db.session() as s:
        await s.exec(text("CREATE TABLE t (a INTEGER)"))
    other = sqlite3.connect(tmp_path / "x.db", isolation_level=None)
    other.execute("BEGIN IMMEDIATE")

    async def write() -> None:
        async with db.session() as s:
            await s.exec(text("INSERT INTO t VALUES (2)"))

    started = time.monotonic()
    with pytest.raises(OperationalError, match="locked"):
        await write()
    assert 0.3 <= time.monotonic() - started < 2
    other.execute("ROLLBACK")
    async with db.session() as s:  # the connection the failed BEGIN was on is usable again
        await s.exec(text("INSERT INTO t VALUES (3)"))
        assert (await s.exec(text("SELECT a FROM t"))).all() == [(3,)]
    other.close()
    await db.dispose()


async def test_two_databases_on_one_file_in_one_loop_take_turns(tmp_path):
    """Two engines in one process (a CLI command inside a test, the simulator's clock …) share no in-process
    turn: SQLite's lock decides, and the asynchronous wait lets the holder finish."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'x.db'}"
    a, b = Database(url, new_installation=True), Database(url, new_installation=True)
    async with a.session() as s:
        await s.exec(text("CREATE TABLE t (a INTEGER)"))

    async def writes(db: Database, base: int) -> None:
        for i in range(20):
            async with db.session() as s:
                await s.exec(text(f"INSERT INTO t VALUES ({base + i})"))
                await asyncio.sleep(0.002)  # hold the lock across an await, as a step awaiting I/O would

    await asyncio.wait_for(asyncio.gather(writes(a, 0), writes(b, 100)), 20)
    async with a.session() as s:
        assert len((await s.exec(text("SELECT a FROM t"))).all()) == 40
    await a.dispose()
    await b.dispose()
