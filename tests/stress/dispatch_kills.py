"""Crash safety of the outbox: SIGKILL the dispatcher at random points during a wave of sends, restart it,
again and again; then count on the platform side (the Telegram emulator) what arrived.

    .venv/bin/python tests/stress/dispatch_kills.py --messages 600 --kills 30 [--seed 7]

Every due message must arrive; a kill may repeat at most the one message that was in flight.
The test suite runs a small version of this (tests/test_dispatch_crash.py).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from sqlmodel import func, select  # noqa: E402

from storage.db import Database  # noqa: E402
from storage.models import OrgKind, Outbox, OutboxState  # noqa: E402
from storage.outbox import enqueue  # noqa: E402
from storage.repo import create_organisation  # noqa: E402

TOKEN = "123456:CRASH-TEST"


@dataclass
class Result:
    messages: int
    kills: int
    delivered: int
    missing: int
    duplicated: int
    seconds: float

    def __str__(self) -> str:
        return (
            f"{self.messages} messages, {self.kills} SIGKILLs: {self.delivered} delivered, "
            f"{self.missing} missing, {self.duplicated} duplicated (limit: {self.kills}), {self.seconds:.1f} s"
        )


async def _prepare(db_url: str, n: int) -> None:
    db = Database(db_url)
    await db.upgrade()
    async with db.session() as s:
        org = await create_organisation(s, name="crash", kind=OrgKind.SAO, province="p", district="d", fiscal_year=2569)
        for start in range(0, n, 200):
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
                    for i in range(start, min(n, start + 200))
                ],
            )
    await db.dispose()


async def _remaining(db_url: str) -> int:
    db = Database(db_url)
    async with db.session(commit=False) as s:
        n = (
            await s.exec(
                select(func.count())
                .select_from(Outbox)
                .where(Outbox.state.in_([OutboxState.PENDING, OutboxState.SENDING]))
            )
        ).one()
    await db.dispose()
    return n


def _arrived(client_url: str, messages: int) -> tuple[int, int]:
    """(messages that arrived at least once, extra copies) as the emulator's bot history shows."""
    history = httpx.post(f"{client_url}/getUpdatesHistory", json={"token": TOKEN}, timeout=30).json()["result"]
    counts = Counter(
        item["message"]["text"]
        for item in history
        if "chat_id" in item.get("message", {}) and item["message"].get("text", "").startswith("wave ")
    )
    return sum(1 for i in range(messages) if counts.get(f"wave {i}")), sum(c - 1 for c in counts.values() if c > 1)


def run(messages: int, kills: int, seed: int, client_url: str, api_url: str, workdir: Path) -> Result:
    rng = random.Random(seed)
    db_url = f"sqlite+aiosqlite:///{workdir / 'crash.db'}"
    asyncio.run(_prepare(db_url, messages))
    env = {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_BASE_URL": api_url,
        "DATABASE_URL": db_url,
        "DATA_DIR": str(workdir / "data"),
        "PYTHONPATH": str(ROOT),
    }
    log = (workdir / "dispatcher.log").open("a")
    started = time.monotonic()
    done_kills = 0

    def spawn() -> subprocess.Popen:
        return subprocess.Popen(
            [sys.executable, "-m", "bot", "scheduler", "--no-tick"],
            env=env,
            cwd=workdir,
            stdout=log,
            stderr=subprocess.STDOUT,
        )

    proc = spawn()
    try:
        while done_kills < kills and asyncio.run(_remaining(db_url)) > 0:
            time.sleep(rng.uniform(0.8, 2.5))
            proc.send_signal(signal.SIGKILL)
            proc.wait(10)
            done_kills += 1
            proc = spawn()
        deadline = time.monotonic() + 600
        while asyncio.run(_remaining(db_url)) > 0 and time.monotonic() < deadline:
            time.sleep(0.5)
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
    seconds = time.monotonic() - started
    delivered, duplicated = _arrived(client_url, messages)
    return Result(messages, done_kills, delivered, messages - delivered, duplicated, seconds)


def run_two(messages: int, client_url: str, api_url: str, workdir: Path) -> Result:
    """Two scheduler processes on the same database at once: everything arrives, nothing twice."""
    db_url = f"sqlite+aiosqlite:///{workdir / 'two.db'}"
    asyncio.run(_prepare(db_url, messages))
    env = {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_BASE_URL": api_url,
        "DATABASE_URL": db_url,
        "DATA_DIR": str(workdir / "data"),
        "PYTHONPATH": str(ROOT),
    }
    log = (workdir / "two.log").open("a")
    started = time.monotonic()
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "bot", "scheduler", "--no-tick"],
            env=env,
            cwd=workdir,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        for _ in range(2)
    ]
    try:
        deadline = time.monotonic() + 300
        while asyncio.run(_remaining(db_url)) > 0 and time.monotonic() < deadline:
            time.sleep(0.5)
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            try:
                p.wait(15)
            except subprocess.TimeoutExpired:
                p.kill()
    delivered, duplicated = _arrived(client_url, messages)
    return Result(messages, 0, delivered, messages - delivered, duplicated, time.monotonic() - started)


def main() -> None:
    from support.telegram import start_harness

    ap = argparse.ArgumentParser()
    ap.add_argument("--messages", type=int, default=600)
    ap.add_argument("--kills", type=int, default=30)
    ap.add_argument("--seed", type=int, default=int(time.time()))
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp, start_harness() as (client_url, api_url):
        print(f"seed {args.seed}")
        print(run(args.messages, args.kills, args.seed, client_url, api_url, Path(tmp)))


if __name__ == "__main__":
    main()
