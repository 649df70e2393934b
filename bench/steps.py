"""The check-in's five steps through the neutral core: statements and time of each, and what they are.

    .venv/bin/python bench/steps.py [--repeat 100] [--sql] [--database-url postgresql+asyncpg://…]

One unit member answers item after item on SQLite (or the given database) as staff do in chat:
/status → an item → ยังไม่ดำเนินการ → ต่อไป (no evidence) → ยืนยัน. Printed for each step: the median
number of SQL statements, median and p99 wall time of ``handlers.core.handle`` (no platform, no HTTP).
``--sql`` prints the statements of one pass, step by step, to see where they go.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

STEPS = ("/status", "pick", "status", "no evidence", "confirm")


async def main(repeat: int, show_sql: bool, url: str) -> None:
    from sqlalchemy import event

    from base.settings import Settings
    from storage.db import Database
    from storage.models import Role
    from support.chat import Chat, invite_code, join, setup_org
    from support.paths import EXAMPLE_PLAN

    tmp = Path(tempfile.mkdtemp())
    db = Database(url or f"sqlite+aiosqlite:///{tmp / 'steps.db'}")
    await db.upgrade()
    org = await setup_org(db, EXAMPLE_PLAN)
    chat = Chat(db, Settings(data_dir=tmp / "data"))
    await join(chat, "klang", await invite_code(db, org, Role.MEMBER, "กองคลัง"), "สมศรี คลัง")
    seen: list[str] = []
    event.listen(db.engine.sync_engine, "before_cursor_execute", lambda _c, _cur, sql, *a: seen.append(sql))

    counts: dict[str, list[int]] = {s: [] for s in STEPS}
    times: dict[str, list[float]] = {s: [] for s in STEPS}

    async def step(name: str, action) -> object:
        before = len(seen)
        t = time.perf_counter()
        said = await action
        times[name].append((time.perf_counter() - t) * 1000)
        counts[name].append(len(seen) - before)
        if show_sql and len(times[name]) == 2:
            print(f"\n--- {name}: {len(seen) - before} statements")
            for sql in seen[before:]:
                print("   ", " ".join(sql.split())[:160])
        return said

    for i in range(repeat):
        said = await step("/status", chat.type("klang", "/status"))
        picks = [b.data for b in said.buttons if b.data.startswith("pk:")]
        said = await step("pick", chat.press("klang", picks[i % len(picks)]))
        said = await step("status", chat.press("klang", said.button("ยังไม่ดำเนินการ")))
        said = await step("no evidence", chat.press("klang", said.button("ต่อไป")))
        said = await step("confirm", chat.press("klang", said.button("ยืนยัน")))
        assert "บันทึก" in said.text, said.text
        del seen[:-1000]
    await db.dispose()

    print(f"\n| step ({db.engine.dialect.name}, {repeat} passes) | statements | median ms | p99 ms |")
    print("|---|---|---|---|")
    for name in STEPS:
        q = statistics.quantiles(times[name], n=100)
        print(
            f"| {name} | {statistics.median(counts[name]):.0f} | {statistics.median(times[name]):.2f} | {q[98]:.2f} |"
        )
    every = [c for s in STEPS for c in counts[s]]
    print(f"| mean of a step | {statistics.mean(every):.1f} | | |")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=100)
    parser.add_argument("--sql", action="store_true")
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    asyncio.run(main(args.repeat, args.sql, args.database_url))
