"""The overseer's page at scale: every organisation beneath one office, as /oversee/api/orgs computes it.

    .venv/bin/python bench/oversee.py [--orgs 250] [--database-url URL]

Loads the organisations as bench/tick.py does (63 items and 8 units each, 30 % of the answers in, the 6-month round
open), puts them beneath one oversight organisation with an overseer, then times the page's data
(``handlers.overseer.view``: the roll-up, late units, last answers, sign-off states — what the JSON carries) and its
JSON encoding, median of 3. A province is about 250 organisations, the nation about 7,850. PostgreSQL in a
throwaway cluster unless a database URL is given.
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

    from base.settings import Settings
    from handlers.overseer import view
    from storage.db import Database
    from storage.form_passes import Holder
    from storage.models import Membership, Organisation, OrgKind, Oversight, Person, Role

    started = time.perf_counter()
    await tick.load(url, orgs, 8)
    loaded = time.perf_counter() - started
    db = Database(url)
    async with db.session() as s:
        ids = list((await s.exec(select(Organisation.id))).all())
        office = Organisation(name="สำนักงานกำกับดูแล", kind=OrgKind.OVERSIGHT)
        s.add(office)
        await s.flush()
        person = Person(org_id=office.id, display_name="ผู้กำกับ")
        s.add(person)
        await s.flush()
        s.add(Membership(org_id=office.id, person_id=person.id, role=Role.OVERSEER))
        s.add_all([Oversight(overseer_id=office.id, org_id=i) for i in ids])
        holder = Holder(office.id, person.id)
    times, size = [], 0
    for _ in range(3):
        started = time.perf_counter()
        async with db.session(commit=False) as s:
            data = await view(s, Settings(), holder, 6)
        size = len(json.dumps(data, ensure_ascii=False).encode())
        times.append(time.perf_counter() - started)
    await db.dispose()
    return {
        "organisations": len(data["rows"]),
        "load_seconds": round(loaded, 1),
        "page_data_seconds": round(statistics.median(times), 2),
        "json_kb": round(size / 1024),
        "by_state": {label: n for _s, label, n in data["totals"]["by_state"]},
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--orgs", type=int, default=250)
    ap.add_argument("--database-url", default="")
    args = ap.parse_args()
    from support.postgres import throwaway_cluster

    with ExitStack() as stack:
        url = args.database_url or stack.enter_context(throwaway_cluster())
        print(json.dumps(asyncio.run(measure(url, args.orgs)), ensure_ascii=False))


if __name__ == "__main__":
    main()
