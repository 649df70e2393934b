"""A whole fiscal year with the clock moved by the test: 8 units, 63 items, units answering at different times.

Units that completed every item in the 6-month round have nothing to answer in the 12-month
round (their answers are carried forward): they get no reminder and no thank-you for it.

The tick runs at fixed times every day (before, during and after working hours, weekends
included) and the dispatcher drains the outbox into a recording platform after each tick.
The reminders each unit receives are compared with the ladder worked out by hand.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections import Counter, defaultdict
from zoneinfo import ZoneInfo

import pytest
import time_machine
from sqlmodel import select

from base.events import Message
from base.settings import Settings
from domain.calendar import WorkCalendar
from scheduler.outbox import Dispatcher, RateLimiter
from scheduler.tick import tick
from storage.answers import Answers
from storage.db import Database
from storage.models import (
    ChannelAccount,
    GroupChat,
    Holiday,
    Membership,
    OrgKind,
    Outbox,
    OutboxState,
    Person,
    Role,
    Round,
    RoundState,
    Status,
    StatusReport,
)
from storage.plan_file import parse_plan, read_table
from storage.plan_import import import_plan
from storage.repo import Rounds, Units, create_organisation
from support.paths import EXAMPLE_PLAN

pytestmark = pytest.mark.slow  # a whole fiscal year of ticks

BKK = ZoneInfo("Asia/Bangkok")
D = dt.date
UNITS = ["สำนักปลัด", "กองคลัง", "กองช่าง", "กองการศึกษา", "กองสาธารณสุข", "กองการประปา", "งานนิติการ", "งานพัสดุ"]
DAY_OFF = D(2026, 4, 8)  # added by the admin: moves d3 and d7

SIX = {
    "open": D(2026, 3, 16),
    "d7": D(2026, 3, 30),
    "d3": D(2026, 4, 3),
    "d1": D(2026, 4, 9),
    "due": D(2026, 4, 10),
    "over2": D(2026, 4, 17),
    "over4": D(2026, 4, 21),
    "over6": D(2026, 4, 23),
    "over8": D(2026, 4, 27),
    "over10": D(2026, 4, 29),
}
SIX_HEAD = {
    "head3": D(2026, 4, 20),
    "head5": D(2026, 4, 22),
    "head7": D(2026, 4, 24),
    "head9": D(2026, 4, 28),
    "head11": D(2026, 4, 30),
}
TWELVE = {
    "open": D(2026, 9, 15),
    "d7": D(2026, 10, 1),
    "d3": D(2026, 10, 7),
    "d1": D(2026, 10, 9),
    "over2": D(2026, 10, 14),
    "over4": D(2026, 10, 16),
    "over6": D(2026, 10, 20),
    "over8": D(2026, 10, 22),
    "over10": D(2026, 10, 27),
    "over12": D(2026, 10, 29),
}
TWELVE_HEAD = {
    "head3": D(2026, 10, 15),
    "head5": D(2026, 10, 19),
    "head7": D(2026, 10, 21),
    "head9": D(2026, 10, 26),
    "head11": D(2026, 10, 28),
    "head13": D(2026, 10, 30),
}

# when each unit answers (at 10:00 local); None: never; "half": only half of its items
ANSWERS_SIX = {
    0: D(2026, 3, 17),
    1: D(2026, 4, 1),
    2: DAY_OFF,
    3: D(2026, 4, 10),
    4: D(2026, 4, 20),
    5: None,
    6: ("half", D(2026, 3, 20)),
    7: D(2026, 4, 2),
}
ANSWERS_TWELVE = {k: (None if k == 5 else D(2026, 10, 5)) for k in range(8)}
GROUP_UNIT = 7


def plan_csv(tmp_path):
    rows = list(csv.reader(io.StringIO(EXAMPLE_PLAN.read_text(encoding="utf-8"))))
    header, body = rows[0], rows[1:]
    col = header.index("ผู้รับผิดชอบ")
    for i, r in enumerate(body):
        r[col] = UNITS[i % 8] if i != 8 else f"{UNITS[1]};{UNITS[2]}"
    path = tmp_path / "plan8.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows([header] + body)
    return path


class Recorder:
    def __init__(self):
        self.sent: list[tuple[dt.datetime, str, str]] = []

    async def send(self, chat_id: str, message: Message, key: str = "", org_id: int = 0) -> None:
        self.sent.append((dt.datetime.now(BKK), chat_id, message.text))


async def build_world(db: Database, tmp_path) -> dict:
    async with db.session() as s:
        org = await create_organisation(
            s,
            name="เทศบาลตำบลแปดกอง",
            kind=OrgKind.SUBDISTRICT_MUNICIPALITY,
            province="ขอนแก่น",
            district="เมือง",
            fiscal_year=2569,
        )
        fy = await Rounds(s, org.id).fiscal_year(2569)
        await import_plan(s, org.id, fy, parse_plan(read_table(plan_csv(tmp_path))))
        s.add(Holiday(org_id=org.id, day=DAY_OFF, name="วันหยุดพิเศษ"))
        units = {u.name: u.id for u in await Units(s, org.id).all()}
        people = {}
        for k, name in enumerate(UNITS):
            for role, tag in ((Role.MEMBER, "m"), (Role.HEAD, "h")):
                p = Person(org_id=org.id, display_name=f"{tag}{k}")
                s.add(p)
                await s.flush()
                s.add(ChannelAccount(org_id=org.id, person_id=p.id, platform="telegram", external_id=f"{tag}{k}"))
                s.add(Membership(org_id=org.id, person_id=p.id, unit_id=units[name], role=role))
                people[f"{tag}{k}"] = p.id
        s.add(GroupChat(org_id=org.id, unit_id=units[UNITS[GROUP_UNIT]], platform="telegram", chat_id="-1007"))
        for n in range(2):
            p = Person(org_id=org.id, display_name=f"manager{n}")
            s.add(p)
            await s.flush()
            s.add(ChannelAccount(org_id=org.id, person_id=p.id, platform="telegram", external_id=f"boss{n}"))
            s.add(Membership(org_id=org.id, person_id=p.id, role=Role.MANAGER))
        return {"org": org.id, "units": [units[n] for n in UNITS]}


async def answer_unit(db: Database, org_id: int, unit_id: int, half: bool = False) -> None:
    async with db.session() as s:
        answers = Answers(s, org_id)
        rnd = await answers.open_round()
        todo = await answers.awaiting(rnd, [unit_id])
        for p in todo[: len(todo) // 2] if half else todo:
            await answers.save(
                StatusReport(
                    org_id=org_id,
                    round_id=rnd.id,
                    item_id=p.item.id,
                    unit_id=unit_id,
                    status=Status.COMPLETED,
                    done_text="ทำแล้ว",
                ),
                actor="test",
            )


async def close_round(db: Database, org_id: int, months: int) -> None:
    async with db.session() as s:
        rnd = (await s.exec(select(Round).where(Round.org_id == org_id, Round.months == months))).one()
        rnd.state = RoundState.CLOSED
        s.add(rnd)


TICKS = (dt.time(7, 0), dt.time(8, 30), dt.time(10, 30), dt.time(16, 45))


@pytest.mark.filterwarnings("ignore::UserWarning")
async def test_a_fiscal_year_of_reminders_and_digests(tmp_path):
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'year.db'}")
    await db.upgrade()
    world = await build_world(db, tmp_path)
    org, unit_ids = world["org"], world["units"]
    settings = Settings(data_dir=tmp_path / "data")
    recorder = Recorder()
    dispatcher = Dispatcher(db, {"telegram": recorder}, settings.data_dir, owner="test", limiter=RateLimiter({}))
    day = D(2025, 10, 1)
    with time_machine.travel(dt.datetime(2025, 10, 1, 6, 0, tzinfo=BKK), tick=False) as clock:
        while day <= D(2026, 11, 6):
            for at in TICKS:
                if at == dt.time(10, 30):  # people answer at 10:00
                    clock.move_to(dt.datetime.combine(day, dt.time(10, 0), tzinfo=BKK))
                    for table, _months in ((ANSWERS_SIX, 6), (ANSWERS_TWELVE, 12)):
                        for k, when in table.items():
                            half = isinstance(when, tuple)
                            when = when[1] if half else when
                            if when == day:
                                await answer_unit(db, org, unit_ids[k], half)
                if day.weekday() >= 5 and at != dt.time(10, 30):
                    continue  # weekends: one tick is enough to show nothing goes out
                clock.move_to(dt.datetime.combine(day, at, tzinfo=BKK))
                await tick(db, settings)
                await dispatcher.run_once()
            if day == D(2026, 5, 8):
                await close_round(db, org, 6)  # the admin closes the round once the report is submitted
            day += dt.timedelta(days=1)

    async with db.session(commit=False) as s:
        rows = (await s.exec(select(Outbox).order_by(Outbox.id))).all()
        rounds = {r.id: r.months for r in (await s.exec(select(Round))).all()}
    await db.dispose()

    sent = [r for r in rows if r.state == OutboxState.SENT]
    assert all(r.state == OutboxState.SENT for r in rows), Counter(r.state for r in rows)

    # nothing twice: one platform send per ledger row, and no key repeats
    assert len(recorder.sent) == len(sent)
    assert len({r.key for r in rows}) == len(rows)

    # only on working days, inside working hours
    cal = WorkCalendar({DAY_OFF})
    for when, chat, _text in recorder.sent:
        assert cal.is_working(when.date()), (when, chat)
        assert dt.time(8, 30) <= when.time() < dt.time(16, 30), (when, chat)

    # exactly the ladder, per unit and round, to the right people
    got: dict[tuple[int, int, str], set[str]] = defaultdict(set)
    for r in sent:
        if r.kind in ("reminder", "thanks"):
            parts = r.key.split(":")
            round_months = rounds[int(parts[1][1:])]
            unit_index = unit_ids.index(int(parts[2][1:]))
            got[(round_months, unit_index, r.chat_id)].add(parts[3])

    def expected(ladder, head_ladder, when):
        if when is None or isinstance(when, tuple):
            return set(ladder), set(head_ladder)
        return (
            {n for n, d in ladder.items() if d <= when} | {"thanks"},
            {n for n, d in head_ladder.items() if d <= when},
        )

    for months, ladder, head_ladder, plan in (
        (6, SIX, SIX_HEAD, ANSWERS_SIX),
        (12, TWELVE, TWELVE_HEAD, ANSWERS_TWELVE),
    ):
        for k in range(8):
            unit_rungs, head_rungs = expected(ladder, head_ladder, plan[k])
            if months == 12 and isinstance(ANSWERS_SIX[k], D):
                unit_rungs, head_rungs = set(), set()  # all completed in March: carried, never reminded again
            unit_chat = "-1007" if k == GROUP_UNIT else f"m{k}"
            assert got.get((months, k, unit_chat), set()) == unit_rungs, (months, k)
            assert got.get((months, k, f"h{k}"), set()) == head_rungs, (months, k)
            if k == GROUP_UNIT:
                assert (months, k, f"m{k}") not in got  # the group gets the unit's reminders, not each member

    # a digest to each manager every week a round is open, on the first working day from Monday 08:30
    digests = defaultdict(list)
    for r in sent:
        if r.kind == "digest":
            digests[r.chat_id].append(r.sent_at.astimezone(BKK))
    weeks_six = [D(2026, 3, 16) + dt.timedelta(weeks=n) for n in range(8)]  # 16 Mar … 4 May (closed 8 May)
    weeks_twelve = [D(2026, 9, 14) + dt.timedelta(weeks=n) for n in range(8)]  # opened Tue 15 Sep … 2 Nov
    for boss in ("boss0", "boss1"):
        days = [t.date() for t in digests[boss]]
        expected_days = (
            [cal.next_working(m) if m >= D(2026, 3, 16) else m for m in weeks_six]
            + [D(2026, 9, 15)]
            + [cal.next_working(m) for m in weeks_twelve[1:]]
        )
        assert days == expected_days, (boss, days)
        assert all(t.time() == dt.time(8, 30) for t in digests[boss])
    assert D(2026, 4, 16) in [t.date() for t in digests["boss0"]]  # Songkran week: Thursday
