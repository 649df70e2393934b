"""Scale-out on PostgreSQL: exactly one active scheduler by an advisory lock, and takeover when it dies."""

import asyncio
import os
import signal
import subprocess
import sys
import time

import asyncpg
import pytest

from storage.db import Database
from storage.leader import ADVISORY_KEY, AdvisoryLock
from stress.dispatch_kills import ROOT, TOKEN, _arrived, _prepare, _remaining
from support.postgres import fresh_pg_database

ACTIVE = "now the active scheduler"

pytestmark = [pytest.mark.postgres, pytest.mark.slow]


async def _advisory_holders(db_url: str) -> int:
    conn = await asyncpg.connect(db_url.replace("postgresql+asyncpg://", "postgresql://", 1))
    try:
        return await conn.fetchval(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted "
            "AND ((classid::bigint << 32) | objid::bigint) = $1",
            ADVISORY_KEY,
        )
    finally:
        await conn.close()


def test_advisory_lock_one_holder_and_release(pg_server):
    asyncio.run(_one_holder_and_release(fresh_pg_database(pg_server)))


async def _one_holder_and_release(db_url: str) -> None:
    a, b = Database(db_url), Database(db_url)
    one, two = AdvisoryLock(a), AdvisoryLock(b)
    try:
        assert await one.acquire()
        assert not await two.acquire()  # waits
        assert await one.acquire()  # still held: its connection answers
        assert await _advisory_holders(db_url) == 1
        await one.release()
        assert await two.acquire()  # takes over once let go
        await _terminate_holder(db_url)  # the holder's connection dies (a crash, a network cut) …
        assert await _advisory_holders(db_url) == 0
        assert not await two.acquire()  # … and it notices: no longer the active scheduler
        assert await two.acquire()  # then takes it again on a fresh connection
    finally:
        await one.release()
        await two.release()
        await a.dispose()
        await b.dispose()


async def _terminate_holder(db_url: str) -> None:
    conn = await asyncpg.connect(db_url.replace("postgresql+asyncpg://", "postgresql://", 1))
    try:
        await conn.execute("SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND granted")
    finally:
        await conn.close()


def _wait_for(path, text: str, seconds: float) -> float | None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if text in path.read_text(errors="replace"):
            return time.monotonic()
        time.sleep(0.1)
    return None


def test_second_scheduler_waits_then_takes_over_within_a_minute(emulator, pg_server, tmp_path):
    client_url, api_url = emulator
    db_url = fresh_pg_database(pg_server)
    asyncio.run(_prepare(db_url, 0))
    env = {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_BASE_URL": api_url,
        "DATABASE_URL": db_url,
        "DATA_DIR": str(tmp_path / "data"),
        "PYTHONPATH": str(ROOT),
    }
    logs = [tmp_path / "first.log", tmp_path / "second.log"]

    def spawn(log):
        return subprocess.Popen(
            [sys.executable, "-m", "bot", "scheduler"],
            env=env,
            cwd=tmp_path,
            stdout=log.open("w"),
            stderr=subprocess.STDOUT,
        )

    first = spawn(logs[0])
    second = None
    try:
        assert _wait_for(logs[0], ACTIVE, 60), logs[0].read_text()
        second = spawn(logs[1])
        assert _wait_for(logs[1], "Scheduler started", 60), logs[1].read_text()
        time.sleep(7)  # longer than a waiting scheduler's retry interval
        assert ACTIVE not in logs[1].read_text()  # the second one waits …
        assert asyncio.run(_advisory_holders(db_url)) == 1

        first.send_signal(signal.SIGKILL)  # … the first dies without letting go
        first.wait(10)
        killed = time.monotonic()
        asyncio.run(_prepare_more(db_url, 40))  # work that only the second can now do
        took_over = _wait_for(logs[1], ACTIVE, 60)
        assert took_over is not None, logs[1].read_text()
        print(f"takeover after {took_over - killed:.1f} s")
        deadline = time.monotonic() + 120
        while asyncio.run(_remaining(db_url)) and time.monotonic() < deadline:
            time.sleep(0.3)
        delivered, duplicated = _arrived(client_url, 40)
        assert (delivered, duplicated) == (40, 0)
        assert asyncio.run(_advisory_holders(db_url)) == 1
    finally:
        for p in (first, second):
            if p is not None and p.poll() is None:
                p.terminate()
                try:
                    p.wait(15)
                except subprocess.TimeoutExpired:
                    p.kill()


async def _prepare_more(db_url: str, n: int) -> None:
    from sqlmodel import select

    from storage.models import Organisation
    from storage.outbox import enqueue

    db = Database(db_url)
    async with db.session() as s:
        org = (await s.exec(select(Organisation))).first()
        await enqueue(
            s,
            [
                {
                    "org_id": org.id,
                    "key": f"wave:{i}",
                    "kind": "notice",
                    "platform": "telegram",
                    "chat_id": str(10_000 + i),
                    "payload": {"text": f"wave {i}", "buttons": []},
                }
                for i in range(n)
            ],
        )
    await db.dispose()
