"""The six-month round of the year test (eight units, the clock moved by the test) with people away: a member on
leave, a head away with an acting head, a head away with nobody acting, a manager away. Counted: no reminder or
digest reaches anyone on the day they are away; every rung the ladder asks of a unit still reaches someone present;
every escalation reaches a present head, the acting head, or — with nobody acting — the managers."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

import pytest
import time_machine
from sqlmodel import select
from test_scheduler_year import ANSWERS_SIX, BKK, SIX, SIX_HEAD, TICKS, Recorder, answer_unit, build_world

from base.settings import Settings
from domain.vocabulary import LeaveKind
from scheduler.outbox import Dispatcher, RateLimiter
from scheduler.tick import tick
from storage.acting import record_acting
from storage.db import Database
from storage.leave import record_leave
from storage.models import Outbox, OutboxState, Person

pytestmark = pytest.mark.slow

D = dt.date
LEAVE = {  # chat (= person) → (first day, last day)
    "m1": (D(2026, 3, 30), D(2026, 4, 3)),  # d7 and d3 of กองคลัง: its only member is away
    "m5": (D(2026, 4, 20), D(2026, 4, 21)),  # over4 of unit 5
    "h4": (D(2026, 4, 17), D(2026, 4, 24)),  # unit 4's head3: acted for by m3
    "h5": (D(2026, 4, 27), D(2026, 5, 1)),  # unit 5's head9 and head11: nobody acts, the managers hear
    "boss0": (D(2026, 3, 23), D(2026, 3, 27)),  # the digest of 23 March
}
ACTING = ("m3", 4, (D(2026, 4, 17), D(2026, 4, 24)))  # m3 acts for the head of unit 4


def away(chat: str, day: dt.date) -> bool:
    return chat in LEAVE and LEAVE[chat][0] <= day <= LEAVE[chat][1]


async def test_a_round_with_people_away(tmp_path):
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'leave-year.db'}")
    await db.upgrade()
    world = await build_world(db, tmp_path)
    org, unit_ids = world["org"], world["units"]
    start = D(2026, 3, 13)
    async with db.session() as s:
        people = {p.display_name: p for p in (await s.exec(select(Person).where(Person.org_id == org))).all()}
        people["boss0"] = people.pop("manager0")
        for chat, period in LEAVE.items():
            await record_leave(s, org, people[chat], period, LeaveKind.VACATION, "test", start)
        who, unit, period = ACTING
        await record_acting(s, org, people[who], unit_ids[unit], period, "test", start)
    settings = Settings(data_dir=tmp_path / "data")
    recorder = Recorder()
    dispatcher = Dispatcher(db, {"telegram": recorder}, settings.data_dir, owner="test", limiter=RateLimiter({}))
    day = start
    with time_machine.travel(dt.datetime(2026, 3, 13, 6, 0, tzinfo=BKK), tick=False) as clock:
        while day <= D(2026, 5, 1):
            for at in TICKS:
                if at == dt.time(10, 30):
                    clock.move_to(dt.datetime.combine(day, dt.time(10, 0), tzinfo=BKK))
                    for k, when in ANSWERS_SIX.items():
                        half = isinstance(when, tuple)
                        if (when[1] if half else when) == day:
                            await answer_unit(db, org, unit_ids[k], half)
                if day.weekday() >= 5 and at != dt.time(10, 30):
                    continue
                clock.move_to(dt.datetime.combine(day, at, tzinfo=BKK))
                await tick(db, settings)
                await dispatcher.run_once()
            day += dt.timedelta(days=1)
    async with db.session(commit=False) as s:
        rows = (await s.exec(select(Outbox).where(Outbox.state == OutboxState.SENT).order_by(Outbox.id))).all()
    await db.dispose()

    # 0 to anyone on the day they are away (reminders, thank-yous, digests alike)
    to_away = [
        (r.chat_id, r.kind, r.sent_at.astimezone(BKK).date())
        for r in rows
        if away(r.chat_id, r.sent_at.astimezone(BKK).date())
    ]
    assert to_away == []

    # every rung the ladder asks of a unit reaches someone present that day
    reached: dict[tuple[int, str], set[str]] = defaultdict(set)
    for r in rows:
        if r.kind == "reminder":
            _o, _r, unit, rung, _platform, chat = r.key.split(":")
            reached[(unit_ids.index(int(unit[1:])), rung)].add(chat)
    missed, escalations = [], defaultdict(set)
    for k, when in ANSWERS_SIX.items():
        last = None if when is None or isinstance(when, tuple) else when
        for ladder in (SIX, SIX_HEAD):
            for rung, on in ladder.items():
                if last is not None and on > last:
                    continue
                chats = {c for c in reached[(k, rung)] if not away(c, on)}
                if not chats:
                    missed.append((k, rung))
                if rung.startswith("head"):
                    escalations[(k, rung)] = chats
    assert missed == []
    # whoever would have had it while away had it reach someone present instead
    assert reached[(1, "d7")] == {"h1"}  # 30 March: กองคลัง's only member is away, its head is reminded
    assert reached[(5, "over4")] == {"h5"}
    # every escalation reaches a present head, the acting head, or (nobody acting) the managers
    assert escalations[(4, "head3")] == {"m3"}  # 20 April: h4 away, m3 acting
    assert escalations[(5, "head9")] == {"boss0", "boss1"} and escalations[(5, "head11")] == {"boss0", "boss1"}
    assert escalations[(5, "head3")] == {"h5"}  # before h5's leave: the head himself
    # the first working day back: one summary of what the unit still awaits, not the missed reminders one by one
    back = [(r.chat_id, r.sent_at.astimezone(BKK).date()) for r in rows if ":back" in r.key]
    assert back == [("m5", D(2026, 4, 22))]
    welcome = next(r.payload["text"] for r in rows if ":back" in r.key)
    assert welcome.startswith("ยินดีต้อนรับกลับ ระหว่างที่คุณไม่อยู่:") and "กองการประปา" in welcome
    digests = sorted((r.chat_id, r.sent_at.astimezone(BKK).date()) for r in rows if r.kind == "digest")
    assert ("boss1", D(2026, 3, 23)) in digests and ("boss0", D(2026, 3, 23)) not in digests
    print(
        f"sent {len(rows)}; reminders reaching someone instead of a person away: checked {len(escalations)} escalations"
    )
