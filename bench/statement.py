"""The cost of one database statement through the stack a handler uses — the floor under every update.

    .venv/bin/python bench/statement.py

One-row reads of a round, 2,000 each, in one open transaction, on SQLite (inline on the loop's thread, as
Tidtam runs it: storage/sqlite_inline.py; and through aiosqlite's thread, as before) and PostgreSQL
(asyncpg, a cluster started for the run): the ORM entity by primary key, the same as an ORM select, two
columns by a Core select, and raw SQL text. Microseconds per statement (after 50 to warm the caches).
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

N = 2000


async def measure(url: str, threaded: bool = False) -> dict[str, float]:
    from sqlalchemy import text
    from sqlmodel import select

    from storage.db import Database
    from storage.models import Round
    from support.chat import setup_org
    from support.paths import EXAMPLE_PLAN

    db = Database(url)
    if threaded:  # SQLAlchemy's own aiosqlite connection: each call a hop to its thread and back
        from sqlalchemy import event
        from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine
        from sqlmodel.ext.asyncio.session import AsyncSession

        from storage.db import _sqlite_begin_immediate, _sqlite_pragmas

        db.engine = create_async_engine(url)
        event.listen(db.engine.sync_engine, "connect", _sqlite_pragmas)
        event.listen(db.engine.sync_engine, "begin", _sqlite_begin_immediate)
        db._sessions = async_sessionmaker(db.engine, class_=AsyncSession, expire_on_commit=False)
    await db.upgrade()
    await setup_org(db, EXAMPLE_PLAN)
    out = {}
    async with db.session() as s:
        cases = {
            "ORM get(Round, id)": lambda: s.get(Round, 1),
            "ORM select(Round)": lambda: s.exec(select(Round).where(Round.id == 1)),
            "Core select(2 columns)": lambda: s.exec(select(Round.id, Round.state).where(Round.id == 1)),
            "raw SQL text": lambda: s.exec(select(Round.id).from_statement(text("SELECT id FROM round WHERE id = 1"))),
        }
        for label, run in cases.items():
            for _ in range(50):  # warm the statement cache
                await run()
            started = time.perf_counter()
            for _ in range(N):
                result = await run()
                if hasattr(result, "all"):
                    result.all()
                s.expunge_all()
            out[label] = round((time.perf_counter() - started) / N * 1e6)
    await db.dispose()
    return out


def main() -> None:
    from support.postgres import throwaway_cluster

    with ExitStack() as stack:
        pg = stack.enter_context(throwaway_cluster())
        sqlite = f"sqlite+aiosqlite:///{tempfile.mkdtemp(prefix='tidtam-stmt-')}/s.db"
        sqlite_thread = f"sqlite+aiosqlite:///{tempfile.mkdtemp(prefix='tidtam-stmt-')}/s.db"
        for name, url, threaded in (
            ("SQLite (inline)", sqlite, False),
            ("SQLite (aiosqlite thread)", sqlite_thread, True),
            ("PostgreSQL (asyncpg)", pg, False),
        ):
            for label, us in asyncio.run(measure(url, threaded)).items():
                print(f"{name:26s} {label:24s} {us:6d} µs")


if __name__ == "__main__":
    main()
