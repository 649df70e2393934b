"""Tick: the minute tick for a whole country's worth of organisations on PostgreSQL.

    .venv/bin/python bench/tick.py [--orgs 7850] [--units 8] [--database-url URL]

Loads (with COPY) ORGS organisations × UNITS units, each with a 63-item plan, two staff per unit on
Telegram, the 6-month round open and 30 % of the unit-item pairs answered; starts a PostgreSQL cluster
for the run unless given a URL. Then times, on 2 March 2569 (a Monday in the round):

  quiet      08:00, before working hours: nothing may be sent
  wave       10:00 on the round's first working day: every unit with answers awaited gets its reminder
  steady     10:01, the minute after: everything due is claimed already (the usual minute)
  thanks     10:02, after 500 units answered their last item: only their thank-yous are new

and prints each tick's seconds and what it queued.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import random
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

BKK = ZoneInfo("Asia/Bangkok")
ITEMS = 63


async def load(url: str, orgs: int, units: int, seed: int = 7) -> None:
    import asyncpg

    from storage.db import Database

    db = Database(url)
    await db.upgrade()
    await db.dispose()
    conn = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://", 1))
    rng = random.Random(seed)
    now = dt.datetime(2026, 2, 1, tzinfo=dt.UTC)
    y = 2026  # the 6-month round of fiscal year 2569
    tables: dict[str, list[tuple]] = {
        t: []
        for t in (
            "organisation",
            "fiscal_year",
            "round",
            "plan_section",
            "unit",
            "plan_item",
            "plan_item_unit",
            "person",
            "channel_account",
            "membership",
            "status_report",
        )
    }
    ids = {"section": 0, "item": 0, "unit": 0, "person": 0, "report": 0}
    for o in range(1, orgs + 1):
        tables["organisation"].append((o, f"อปท. {o:05d}", "อบต.", f"จังหวัด {o % 76}", "", "", False, now))
        tables["fiscal_year"].append((o, o, 2569))
        tables["round"] += [
            (
                2 * o - 1,
                o,
                o,
                6,
                dt.date(y - 1, 10, 1),
                dt.date(y, 3, 31),
                dt.date(y, 3, 1),
                dt.date(y, 3, 15),
                dt.date(y, 4, 30),
                "open",
            ),
            (
                2 * o,
                o,
                o,
                12,
                dt.date(y - 1, 10, 1),
                dt.date(y, 9, 30),
                dt.date(y, 9, 1),
                dt.date(y, 9, 15),
                dt.date(y, 10, 31),
                "planned",
            ),
        ]
        dims = []
        for d in range(1, 5):
            ids["section"] += 1
            dim = ids["section"]
            tables["plan_section"].append((dim, o, o, "dimension", str(d), f"มิติที่ {d}", None))
            ids["section"] += 1
            tables["plan_section"].append((ids["section"], o, o, "mission", f"{d}.1", f"ภารกิจ {d}.1", dim))
            dims.append((dim, ids["section"]))
        org_units = []
        for u in range(units):
            ids["unit"] += 1
            org_units.append(ids["unit"])
            tables["unit"].append((ids["unit"], o, f"กอง {u + 1}", None, True))
            for k in range(2):
                ids["person"] += 1
                p = ids["person"]
                tables["person"].append((p, o, f"เจ้าหน้าที่ {p}", "th", "", now))
                tables["channel_account"].append((p, o, p, "telegram", str(10_000_000 + p)))
                tables["membership"].append((p, o, p, ids["unit"], "head" if k == 0 else "member"))
        for i in range(ITEMS):
            ids["item"] += 1
            dim, mission = dims[i % 4]
            tables["plan_item"].append(
                (
                    ids["item"],
                    o,
                    o,
                    f"{i // 4 + 1}.{i % 4 + 1}",
                    str(i + 1),
                    i,
                    "โครงการ",
                    f"โครงการที่ {i + 1}",
                    "",
                    "ครั้ง",
                    "1",
                    1_000_000,
                    None,
                    False,
                    "",
                    None,
                    None,
                    False,
                    None,
                    dim,
                    mission,
                    None,
                )
            )
            owners = [org_units[i % units]] + ([org_units[(i + 1) % units]] if i % 9 == 0 else [])
            for unit_id in owners:
                tables["plan_item_unit"].append((ids["item"], unit_id))
                if rng.random() < 0.3:
                    ids["report"] += 1
                    tables["status_report"].append(
                        (
                            ids["report"],
                            o,
                            2 * o - 1,
                            ids["item"],
                            unit_id,
                            "in_progress",
                            "ดำเนินการแล้ว",
                            None,
                            None,
                            False,
                            "",
                            None,
                            None,
                            "[]",
                            "",
                            "",
                            None,
                            "telegram",
                            now,
                        )
                    )
    from sqlmodel import SQLModel

    named = {  # the rows above name these columns; a column added since takes its default
        "status_report": "id org_id round_id item_id unit_id status done_text qty_achieved disbursed no_budget_used "
        "months date_from date_to evidence problems reason person_id channel created_at".split(),
    }
    for table, rows in tables.items():  # else the models' first columns, in order
        columns = named.get(table) or [c.name for c in SQLModel.metadata.tables[table].columns][: len(rows[0])]
        await conn.copy_records_to_table(table, records=rows, columns=columns)
        if table not in ("plan_item_unit",):
            await conn.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), {max(r[0] for r in rows)})")
    await conn.execute("ANALYZE")
    await conn.close()
    print(json.dumps({t: len(r) for t, r in tables.items()}), flush=True)


async def answer_all(url: str, n_units: int) -> None:
    """``n_units`` units answer every item they still owe (so they are due a thank-you)."""
    import asyncpg

    conn = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://", 1))
    await conn.execute(
        """
        INSERT INTO status_report (org_id, round_id, item_id, unit_id, status, done_text, no_budget_used, months,
                                   evidence, problems, reason, channel, created_at)
        SELECT i.org_id, 2 * i.org_id - 1, i.id, pu.unit_id, 'completed', 'เสร็จ', false, '', '[]', '', '', 'telegram',
               now()
        FROM plan_item_unit pu JOIN plan_item i ON i.id = pu.item_id
        WHERE pu.unit_id <= $1 AND NOT EXISTS (SELECT 1 FROM status_report s WHERE s.round_id = 2 * i.org_id - 1
                                               AND s.item_id = i.id AND s.unit_id = pu.unit_id)""",
        n_units,
    )
    await conn.close()


async def timed_tick(url: str, data_dir: Path, when: dt.datetime) -> dict:
    from base.settings import Settings
    from scheduler.tick import tick
    from storage.db import Database

    db = Database(url)
    settings = Settings(data_dir=data_dir, database_url=url)
    started = time.perf_counter()
    report = await tick(db, settings, now=when.astimezone(dt.UTC))
    seconds = time.perf_counter() - started
    from sqlmodel import func, select

    from storage.models import Outbox

    async with db.session(commit=False) as s:
        rows = (await s.exec(select(func.count()).select_from(Outbox))).one()
    await db.dispose()
    return {"seconds": round(seconds, 2), "queued": report.queued, "dropped": report.dropped, "outbox_rows": rows}


async def main_async(url: str, orgs: int, units: int, data_dir: Path) -> None:
    started = time.perf_counter()
    await load(url, orgs, units)
    print(f"loaded in {time.perf_counter() - started:.0f} s", flush=True)
    day = dt.date(2026, 3, 2)  # the first working day of a round that opens on Sunday 1 March 2569
    for name, at, before in (
        ("quiet", dt.time(8, 0), None),
        ("wave", dt.time(10, 0), None),
        ("steady", dt.time(10, 1), None),
        ("thanks", dt.time(10, 2), 500),
    ):
        if before:
            await answer_all(url, before)
        result = await timed_tick(url, data_dir, dt.datetime.combine(day, at, tzinfo=BKK))
        print(json.dumps({"tick": name, "organisations": orgs, "units": orgs * units, **result}), flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--orgs", type=int, default=7850)
    ap.add_argument("--units", type=int, default=8)
    ap.add_argument("--database-url", default="")
    args = ap.parse_args()
    from support.postgres import throwaway_cluster

    with ExitStack() as stack:
        url = args.database_url or stack.enter_context(throwaway_cluster("shared_buffers=512MB", "max_wal_size=4GB"))
        asyncio.run(main_async(url, args.orgs, args.units, Path(tempfile.mkdtemp(prefix="tidtam-tick-"))))


if __name__ == "__main__":
    main()
