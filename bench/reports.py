"""Time to produce a round's documents (XLSX, DOCX report and memo, PDF report and memo) for a 75-item plan.

    .venv/bin/python bench/reports.py [--items 75] [--repeat 5]

Prints the median per format and in all; the target is under 2 s for everything on a 2-core machine.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from answered import answered_round

from base.settings import Settings
from reports.export import export
from reports.model import build_report
from storage.db import Database
from storage.models import Round, RoundState


async def prepare(tmp: Path, n: int) -> tuple[Database, int, int]:
    db = Database(f"sqlite+aiosqlite:///{tmp / 'bench.db'}")
    await db.upgrade()
    async with db.session() as s:
        org, rnd = await answered_round(s, tmp, n)
        rnd.state = RoundState.OPEN
        s.add(rnd)
        return db, org.id, rnd.id


async def once(db: Database, org_id: int, round_id: int, out: Path) -> dict[str, float]:
    times = {}
    async with db.session(commit=False) as s:
        from storage.models import Organisation

        t = time.perf_counter()
        report = await build_report(
            s, Settings(data_dir=out), await s.get(Organisation, org_id), await s.get(Round, round_id)
        )
        times["build (queries)"] = time.perf_counter() - t
    for fmt in ("xlsx", "docx", "pdf"):
        t = time.perf_counter()
        export(report, [fmt], out)
        times[fmt] = time.perf_counter() - t
    times["all, one after another"] = sum(times.values())
    return times, report


def parallel_export(report, out: Path) -> float:
    """What `tidtam report export` does: the PDFs in a forked child, XLSX and DOCX meanwhile."""
    t = time.perf_counter()
    export(report, ["xlsx", "docx", "pdf"], out, parallel=True)
    return time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--items", type=int, default=75)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)

    async def run():
        tmp = tempfile.mkdtemp()
        db, org, rnd = await prepare(Path(tmp), args.items)
        _times, report = await once(db, org, rnd, Path(tmp) / "warm")  # imports, fonts, templates
        runs = [(await once(db, org, rnd, Path(tmp) / f"out{i}"))[0] for i in range(args.repeat)]
        await db.dispose()
        return runs, report, tmp

    runs, report, tmp = asyncio.run(run())
    par = [parallel_export(report, Path(tmp) / f"par{i}") for i in range(args.repeat)]  # no DB thread left now
    print(f"{args.items}-item plan, median of {len(runs)} runs (first run excluded: imports and font loading):")
    for key in runs[0]:
        print(f"  {key:24s} {statistics.median(r[key] for r in runs) * 1000:8.0f} ms")
    print(f"  {'all, PDF in parallel':24s} {statistics.median(par) * 1000:8.0f} ms   (tidtam report export)")


if __name__ == "__main__":
    main()
