"""How long from "our plan is a spreadsheet" to a database: parse + import, first time and again.

    .venv/bin/python bench/import_plan.py [--items 75] [--repeat 5] [--database-url URL]

Prints the median of each step; the target is seconds, far under the issue's two minutes.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from openpyxl import Workbook

from storage.db import Database
from storage.models import OrgKind
from storage.plan_file import THAI_HEADER, parse_plan, read_table
from storage.plan_import import import_plan
from storage.repo import Rounds, create_organisation

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "plan-example.csv"


def make_xlsx(path: Path, n: int) -> Path:
    keys = [
        "dimension",
        "dimension_title",
        "mission",
        "mission_title",
        "title",
        "kpi",
        "target_unit",
        "target_qty",
        "budget_plan",
        "budget_ordinance",
        "units",
        "months",
    ]
    wb = Workbook()
    ws = wb.active
    ws.append([THAI_HEADER[k] for k in keys])
    for i in range(n):
        d = i % 4 + 1
        ws.append(
            [
                d,
                f"มิติที่ {d}",
                f"{d}.{i % 3 + 1}",
                f"ภารกิจ {d}.{i % 3 + 1}",
                f"โครงการทดสอบที่ {i + 1}",
                "ร้อยละ 80",
                "คน",
                100,
                "๕๐,๐๐๐" if i % 3 else "-",
                50000 if i % 3 else "ไม่ใช้งบประมาณ",
                ["สำนักปลัด", "กองคลัง;กองช่าง", "ทุกสำนัก/กอง"][i % 3],
                "ต.ค.68-ก.ย.69",
            ]
        )
    wb.save(path)
    return path


async def once(url: str, path: Path) -> tuple[float, float, float]:
    db = Database(url)
    await db.upgrade()
    async with db.session() as s:
        org = await create_organisation(s, name="bench", kind=OrgKind.SAO, province="p", district="d", fiscal_year=2569)
    t0 = time.perf_counter()
    rows = parse_plan(read_table(path))
    t1 = time.perf_counter()
    async with db.session() as s:
        await import_plan(s, org.id, await Rounds(s, org.id).fiscal_year(2569), rows)
    t2 = time.perf_counter()
    async with db.session() as s:
        again = parse_plan(read_table(path))
        await import_plan(s, org.id, await Rounds(s, org.id).fiscal_year(2569), again)
    t3 = time.perf_counter()
    await db.dispose()
    return t1 - t0, t2 - t1, t3 - t2


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--items", type=int, default=75)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--database-url", default="")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        files = {
            "example csv (63 items)": EXAMPLE,
            f"generated xlsx ({args.items} items)": make_xlsx(Path(tmp) / "plan.xlsx", args.items),
        }
        for label, path in files.items():
            runs = []
            for i in range(args.repeat):
                url = args.database_url or f"sqlite+aiosqlite:///{tmp}/bench-{label[:3]}-{i}.db"
                if args.database_url and i:
                    break  # one org name per database
                runs.append(asyncio.run(once(url, path)))
            parse, first, again = (statistics.median(r[k] for r in runs) for k in range(3))
            print(
                f"{label:28s} parse {parse * 1000:7.1f} ms   first import {first * 1000:7.1f} ms   "
                f"re-import (no change) {again * 1000:7.1f} ms   [median of {len(runs)}]"
            )


if __name__ == "__main__":
    main()
