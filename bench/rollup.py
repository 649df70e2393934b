"""Reports at scale: a provincial roll-up of 600 organisations on PostgreSQL.

    .venv/bin/python bench/rollup.py [--orgs 600] [--database-url URL]

Loads the organisations as bench/tick.py does (63 items and 8 units each, 30 % of the answers in), then
times the roll-up (`tidtam report summary --all-orgs --json` computes exactly this) — and, side by side,
the same figures the slow way, one organisation's summary after another. Median of 5.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
from contextlib import ExitStack
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "bench"), str(ROOT / "tests")]


async def measure(url: str, orgs: int) -> dict:
    import tick
    from sqlmodel import select

    from reports.rollup import all_org_ids, rollup, rollup_json
    from reports.summary import round_summary
    from storage.db import Database
    from storage.models import Round

    await tick.load(url, orgs, 8)
    db = Database(url)
    fast, slow = [], []
    for _ in range(5):
        started = time.perf_counter()
        async with db.session(commit=False) as s:
            r = rollup_json(await rollup(s, await all_org_ids(s), 2569, 6))
        fast.append(time.perf_counter() - started)
    for _ in range(5):
        started = time.perf_counter()
        async with db.session(commit=False) as s:
            carried = 0
            for rnd in (await s.exec(select(Round).where(Round.months == 6))).all():
                carried += (await round_summary(s, rnd.org_id, rnd)).carried_out
        slow.append(time.perf_counter() - started)
    await db.dispose()
    return {
        "organisations": r["totals"]["organisations"],
        "items": r["totals"]["items"],
        "rollup_seconds": round(statistics.median(fast), 2),
        "one_summary_after_another_seconds": round(statistics.median(slow), 2),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--orgs", type=int, default=600)
    ap.add_argument("--database-url", default="")
    args = ap.parse_args()
    from support.postgres import throwaway_cluster

    with ExitStack() as stack:
        url = args.database_url or stack.enter_context(throwaway_cluster())
        print(json.dumps(asyncio.run(measure(url, args.orgs))))


if __name__ == "__main__":
    main()
