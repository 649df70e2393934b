"""The e-PlanNACC entry sheet: what entering a round costs the compiler, counted from the sheet itself.

    .venv/bin/python bench/eplan.py [--items 75]

A round of N items answered as bench/answered.py answers it (a quarter each completed, in progress, not started,
could not be done; results typed; money where budgeted). Printed: the items to enter, the copies and the choices
the sheet asks for, the characters those copies spare the compiler from typing, the time to make the sheet and its
size — and an estimate of the time at the keyboard, with its assumptions stated (e-PlanNACC itself is not
reachable from here, so its own clicks are an assumption, not a measurement).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests"), str(ROOT / "bench")]

COPY_S, CHOICE_S, ITEM_S = 3.0, 3.0, 8.0  # copy + switch + paste; open a list + pick; find, open and save an item


async def main(n: int) -> None:
    from answered import answered_round

    from base.settings import Settings
    from locales.i18n import set_language
    from reports.eplan import entry, write_eplan
    from reports.model import build_report
    from storage.db import Database

    set_language("th")
    tmp = Path(tempfile.mkdtemp())
    settings = Settings(data_dir=tmp / "data", log_level="WARNING")
    (tmp / "data").mkdir()
    db = Database(settings.effective_database_url, new_installation=True)
    await db.upgrade()
    async with db.session() as s:
        org, rnd = await answered_round(s, tmp, n)
    async with db.session(commit=False) as s:
        report = await build_report(s, settings, org, rnd)
    await db.dispose()
    started = time.perf_counter()
    path = write_eplan(report, tmp / "eplan.html")
    made = time.perf_counter() - started
    entries = [e for e in (entry(report, row) for row in report.rows) if not e.skip]
    copies = [f for e in entries for f in e.fields if f.copy]
    choices = [f for e in entries for f in e.fields if f.choice]
    typed = sum(len(f.copy) for f in copies)
    minutes = (len(copies) * COPY_S + len(choices) * CHOICE_S + len(entries) * ITEM_S) / 60
    print(f"| e-PlanNACC sheet, {n}-item round | value |")
    print("|---|---|")
    print(f"| items to enter | {len(entries)} |")
    print(f"| copies (copy + paste) | {len(copies)} ({len(copies) / len(entries):.1f} an item) |")
    print(f"| choices from e-PlanNACC's lists | {len(choices)} ({len(choices) / len(entries):.1f} an item) |")
    print(f"| characters not typed (the copied values) | {typed:,} |")
    print(f"| sheet made in | {made * 1000:.0f} ms, {path.stat().st_size / 1024:.0f} KB (fonts inside) |")
    print(
        f"| estimated time at the keyboard | {minutes:.1f} min (a copy {COPY_S:.0f} s, a choice {CHOICE_S:.0f} s, "
        f"finding and saving an item {ITEM_S:.0f} s) |"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=75)
    asyncio.run(main(parser.parse_args().items))
