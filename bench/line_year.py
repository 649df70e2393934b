"""LINE messages a fiscal year costs: an organisation of 8 units × 2 staff + 2 managers + the admin, everyone on
LINE, the ladder and digests under the given settings, units answering at typical times, and the admin chasing
with /remind at 10:00 on each round's due date and the working day after (``--no-remind``: never). Prints
messages per month as LINE counts them (each push × its recipients; replies are free), and the reminders not
pushed because the chat had the same unit's reminder within REMINDER_REPEAT_HOURS, and those that rode on a reply.

    .venv/bin/python bench/line_year.py [--rungs open,d7,d3,d1,due,overdue,head,thanks] [--digest-at "mon 08:30"]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import sys
import tempfile
from collections import Counter
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

import time_machine  # noqa: E402

from base.events import Message  # noqa: E402
from base.settings import Settings  # noqa: E402
from domain.calendar import WorkCalendar  # noqa: E402
from scheduler.outbox import Dispatcher, RateLimiter  # noqa: E402
from scheduler.tick import tick  # noqa: E402
from storage.db import Database  # noqa: E402
from storage.models import AuditLog, ChannelAccount, Outbox, Round  # noqa: E402

BKK = ZoneInfo("Asia/Bangkok")
# typical answering: two units early, three around the due date, two late, one never (day offsets from opening)
ANSWER_AFTER = {0: 3, 1: 8, 2: 18, 3: 24, 4: 26, 5: 33, 6: 36, 7: None}


class Counting:
    def __init__(self):
        self.per_month: Counter = Counter()

    async def send(self, chat_id: str, message: Message, key: str = "", org_id: int = 0) -> None:
        self.per_month[dt.datetime.now(BKK).strftime("%Y-%m")] += 1  # private chats: one recipient each


async def remind(db: Database, settings: Settings) -> None:
    """The admin types /remind (on LINE, in a private chat), as a compiler does on the due date."""
    import uuid

    from base.events import Incoming
    from handlers.core import handle

    event = Incoming(platform="line", user_id="admin", chat_id="admin", text="/remind", event_id=uuid.uuid4().hex)
    await handle(db, event, settings)


def chase_day(rnd: Round, day: dt.date) -> bool:
    """The due date and the working day after it: when a compiler chases with /remind."""
    return day in (rnd.due_on, WorkCalendar().shift(rnd.due_on, 1))


async def add_admin(db: Database, org_id: int) -> None:
    from storage.models import Membership, Person, Role

    async with db.session() as s:
        p = Person(org_id=org_id, display_name="ผู้ดูแล")
        s.add(p)
        await s.flush()
        s.add(ChannelAccount(org_id=org_id, person_id=p.id, platform="line", external_id="admin"))
        s.add(Membership(org_id=org_id, person_id=p.id, role=Role.ADMIN))


async def simulate(settings: Settings, tmp: Path, chase: bool = True) -> tuple[Counter, Counter]:
    from test_scheduler_year import answer_unit, build_world, close_round

    db = Database(f"sqlite+aiosqlite:///{tmp / 'y.db'}")
    await db.upgrade()
    world = await build_world(db, tmp)
    async with db.session() as s:  # everyone on LINE, no group chats (a group push costs one per member anyway)
        for a in (await s.exec(__import__("sqlmodel").select(ChannelAccount))).all():
            a.platform = "line"
            s.add(a)
        from storage.models import GroupChat

        for g in (await s.exec(__import__("sqlmodel").select(GroupChat))).all():
            await s.delete(g)
    org, units = world["org"], world["units"]
    await add_admin(db, org)
    counting = Counting()
    dispatcher = Dispatcher(db, {"line": counting}, settings.data_dir, "sim", RateLimiter({}))
    async with db.session(commit=False) as s:
        rounds = {r.months: r for r in (await s.exec(__import__("sqlmodel").select(Round))).all()}
    day = dt.date(2025, 10, 1)
    with time_machine.travel(dt.datetime(2025, 10, 1, 7, tzinfo=BKK), tick=False) as clock:
        while day <= dt.date(2026, 11, 6):
            for at in (dt.time(8, 30), dt.time(10, 30)):
                clock.move_to(dt.datetime.combine(day, at, tzinfo=BKK))
                for rnd in rounds.values():
                    for k, offset in ANSWER_AFTER.items():
                        if offset is not None and day == rnd.opens_on + dt.timedelta(days=offset) and at.hour == 10:
                            await answer_unit(db, org, units[k])
                await tick(db, settings)
                await dispatcher.run_once()
                if chase and at.hour == 10 and any(chase_day(r, day) for r in rounds.values()):
                    await remind(db, settings)
                    await dispatcher.run_once()
            if day == rounds[6].submit_by + dt.timedelta(days=8):
                await close_round(db, org, 6)
            day += dt.timedelta(days=1)
    async with db.session(commit=False) as s:
        outcomes = Counter(r.last_error for r in (await s.exec(__import__("sqlmodel").select(Outbox))).all())
        for row in (await s.exec(__import__("sqlmodel").select(AuditLog).where(AuditLog.action == "remind"))).all():
            outcomes["repeat"] += (row.new or {}).get("chats_not_reminded_again", 0)
    await db.dispose()
    return counting.per_month, outcomes


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rungs", default=Settings().reminder_rungs)
    ap.add_argument("--digest-at", default="mon 08:30")
    ap.add_argument("--no-remind", action="store_true", help="the admin never types /remind")
    args = ap.parse_args()
    import warnings

    warnings.simplefilter("ignore")
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(data_dir=Path(tmp) / "data", reminder_rungs=args.rungs, digest_at=args.digest_at)
        per_month, outcomes = asyncio.run(simulate(settings, Path(tmp), chase=not args.no_remind))
    print(f"rungs: {args.rungs}; digest: {args.digest_at}")
    for month in sorted(per_month):
        flag = "  over the free plan (300)" if per_month[month] > 300 else ""
        print(f"  {month}: {per_month[month]:4d} messages{flag}")
    print(f"  busiest month: {max(per_month.values())}; the year: {sum(per_month.values())}")
    print(
        f"  not pushed, a repeat within the interval: {outcomes.get('repeat', 0)}; rode on a reply: "
        f"{outcomes.get('by reply', 0)}; recorded late (a rung superseded): {outcomes.get('late', 0)}"
    )


if __name__ == "__main__":
    main()
