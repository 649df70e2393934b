"""Verify: the time ``tidtam audit verify`` takes over an organisation's history of a given size.

    .venv/bin/python bench/chain.py [--rows 1000000] [--database-url pg | postgresql+asyncpg://…]

Writes one organisation with ROWS rows of history — a quarter answers, each with the audit line that seals it, the
rest other audit lines — chained as the application chains them (storage/chain.py), in bulk; then times
``verify_org`` over all of it, and once more after one answer in the middle was changed by hand (it must be named).
SQLite in a temporary folder unless a database URL is given ("pg": a throwaway PostgreSQL cluster).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

CHUNK = 10_000


async def fill(db, rows: int) -> tuple[int, int]:
    from sqlalchemy import insert

    from storage.chain import answer_hash, head, line_hash
    from storage.models import AuditLog, Status, StatusReport
    from support.chat import setup_org
    from support.paths import EXAMPLE_PLAN

    org = await setup_org(db, EXAMPLE_PLAN)
    async with db.session(commit=False) as s:
        from storage.answers import Answers

        answers = Answers(s, org)
        rnd = await answers.open_round()
        pairs = await answers.pairs(rnd.fiscal_year_id)
        previous = await head(s, org)  # the organisation's own lines so far (its creation, the plan's import)
    n_answers = rows // 4
    answer_id, middle = 0, 0
    start = dt.datetime(2026, 3, 16, 2, 0, tzinfo=dt.UTC)
    pending_answers: list[dict] = []
    pending_lines: list[dict] = []

    async def flush() -> None:
        async with db.session() as s:
            if pending_answers:
                await s.execute(insert(StatusReport.__table__), pending_answers)
            if pending_lines:
                await s.execute(insert(AuditLog.__table__), pending_lines)
        pending_answers.clear()
        pending_lines.clear()

    for i in range(rows - n_answers):
        at = start + dt.timedelta(seconds=i)
        new: dict = {"n": i}
        entity, action, entity_id = "leave", "create", i
        if i % 3 == 0 and answer_id < n_answers:
            answer_id += 1
            p = pairs[answer_id % len(pairs)]
            report = StatusReport(
                id=answer_id, org_id=org, round_id=rnd.id, item_id=p.item.id, unit_id=p.unit_id,
                status=Status.IN_PROGRESS, done_text=f"ทำแล้ว {answer_id} ครั้ง", created_at=at, evidence=[],
            )  # fmt: skip
            report.row_hash = answer_hash(report)
            pending_answers.append({c.name: getattr(report, c.name) for c in StatusReport.__table__.columns})
            entity, action, entity_id, new = "status_report", "answer", answer_id, {"sealed": report.row_hash}
            middle = answer_id if answer_id == n_answers // 2 else middle
        line = AuditLog(org_id=org, actor="bench", action=action, entity=entity, entity_id=entity_id, new=new, at=at)
        line.chain_prev = previous
        line.chain_hash = previous = line_hash(line)
        pending_lines.append({c.name: getattr(line, c.name) for c in AuditLog.__table__.columns if c.name != "id"})
        if len(pending_lines) >= CHUNK:
            await flush()
    await flush()
    return org, middle


async def main(rows: int, url: str) -> None:
    from sqlalchemy import text

    from storage.chain import verify_org
    from storage.db import Database

    db = Database(url)
    await db.upgrade()
    began = time.monotonic()
    org, middle = await fill(db, rows)
    async with db.session(commit=False) as s:
        total = (
            await s.exec(text("SELECT (SELECT count(*) FROM audit_log) + (SELECT count(*) FROM status_report)"))
        ).one()[0]
    print(f"wrote {total:,} rows of history in {time.monotonic() - began:.0f} s ({db.engine.dialect.name})")
    for label in ("intact", "one answer changed by hand"):
        if label != "intact":
            async with db.session() as s:
                await s.exec(text("UPDATE status_report SET done_text = 'แก้' WHERE id = :i").bindparams(i=middle))
        began = time.monotonic()
        async with db.session(commit=False) as s:
            checked, broken = await verify_org(s, org)
        print(f"verify, {label}: {time.monotonic() - began:.1f} s, {checked:,} rows checked, {broken or 'intact'}")
    await db.dispose()


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--database-url", default="")
    args = ap.parse_args()
    import warnings

    warnings.simplefilter("ignore")
    from contextlib import ExitStack

    with tempfile.TemporaryDirectory() as tmp, ExitStack() as stack:
        url = args.database_url or f"sqlite+aiosqlite:///{Path(tmp) / 'chain.db'}"
        if url == "pg":  # a throwaway PostgreSQL cluster for the run
            from support.postgres import throwaway_cluster

            url = stack.enter_context(throwaway_cluster("shared_buffers=512MB", "max_wal_size=4GB"))
        asyncio.run(main(args.rows, url))
