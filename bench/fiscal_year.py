"""What the fiscal year costs: carrying the 6-month answers forward, and a round-12 prompt beside a round-6 one.

    .venv/bin/python bench/fiscal_year.py [--repeat 200]

On SQLite, through the neutral core (``handlers.core.handle``), with the example 63-item plan:
1. opening the 12-month round with every pair answered in March (2/3 of them completed, so carried);
2. the same step — a unit member picks an item and gets its status prompt — in the 6-month round (no earlier
   answer to read) and in the 12-month round (the 6-month answer shown), timed side by side in one run, with
   the number of SQL statements each step runs.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import statistics
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]


async def main(repeat: int) -> None:
    from sqlalchemy import event
    from sqlmodel import select

    from base.settings import Settings
    from storage.answers import Answers
    from storage.db import Database
    from storage.models import Role, Round, RoundState, Status, StatusReport, Unit
    from storage.round_state import set_round_state
    from support.chat import Chat, invite_code, join, setup_org
    from support.paths import EXAMPLE_PLAN

    tmp = Path(tempfile.mkdtemp())
    db = Database(f"sqlite+aiosqlite:///{tmp / 'year.db'}")
    await db.upgrade()
    org = await setup_org(db, EXAMPLE_PLAN)
    chat = Chat(db, Settings(data_dir=tmp / "data"))
    await join(chat, "klang", await invite_code(db, org, Role.MEMBER, "กองคลัง"), "สมศรี คลัง")
    statements = [0]
    event.listen(
        db.engine.sync_engine, "before_cursor_execute", lambda *a: statements.__setitem__(0, statements[0] + 1)
    )

    async def pick_step() -> tuple[list[float], float]:
        async with db.session(commit=False) as s:
            unit = (await s.exec(select(Unit).where(Unit.name == "กองคลัง"))).one()
            answers = Answers(s, org)
            rnd = await answers.open_round()
            item = (await answers.awaiting(rnd, [unit.id]))[0].item  # asked, with its 6-month answer in round 12
        data = f"pk:{item.id}:{unit.id}"
        times, counted = [], []
        for _ in range(repeat):
            before = statements[0]
            t = time.perf_counter()
            said = await chat.press("klang", data)
            times.append((time.perf_counter() - t) * 1000)
            counted.append(statements[0] - before)
        assert "สถานะ" in said.text
        return times, statistics.median(counted)

    six_times, six_statements = await pick_step()

    async with db.session() as s:
        answers = Answers(s, org)
        six = await answers.open_round()
        for i, p in enumerate(await answers.pairs(six.fiscal_year_id)):
            status = Status.IN_PROGRESS if i % 3 == 1 else Status.COMPLETED
            await answers.save(
                StatusReport(
                    round_id=six.id,
                    item_id=p.item.id,
                    unit_id=p.unit_id,
                    status=status,
                    done_text="ทำแล้ว",
                    disbursed=None if p.item.no_budget else Decimal(1000),
                ),
                "bench",
            )
        six.state = RoundState.CLOSED
        twelve = (await s.exec(select(Round).where(Round.org_id == org, Round.months == 12))).one()
        before = statements[0]
        t = time.perf_counter()
        carried = await set_round_state(s, org, twelve, RoundState.OPEN, actor="bench", today=dt.date(2026, 9, 15))
        open_ms = (time.perf_counter() - t) * 1000
        open_statements = statements[0] - before
    twelve_times, twelve_statements = await pick_step()
    await db.dispose()

    def row(name: str, times: list[float], n: float) -> str:
        q = statistics.quantiles(times, n=100)
        return f"| {name} | {statistics.median(times):.2f} | {q[98]:.2f} | {n:.0f} |"

    print(f"opening the 12-month round: {carried} answers carried in {open_ms:.0f} ms, {open_statements} statements")
    print("| pick an item → status prompt (SQLite) | median ms | p99 ms | statements |")
    print("|---|---|---|---|")
    print(row("6-month round (nothing earlier)", six_times, six_statements))
    print(row("12-month round (6-month answer shown)", twelve_times, twelve_statements))


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=200)
    asyncio.run(main(parser.parse_args().repeat))
