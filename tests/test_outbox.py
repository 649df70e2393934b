"""The send ledger, the dispatcher's retries and rate limits, late rungs, and exactly one active scheduler."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from sqlmodel import select

from base.events import Message
from base.settings import Settings
from scheduler.outbox import Dispatcher, Limits, PermanentFailure, RateLimiter, RetryLater
from scheduler.service import SchedulerService
from scheduler.tick import tick
from storage import leader
from storage.db import Database
from storage.models import ChannelAccount, Membership, Outbox, OutboxState, Person, Role, Unit
from storage.outbox import OutboxKey, enqueue
from support.chat import setup_org
from support.paths import EXAMPLE_PLAN

BKK = ZoneInfo("Asia/Bangkok")


class Recorder:
    def __init__(self, fail_with: list[Exception] | None = None):
        self.sent: list[tuple[str, str]] = []
        self.fail_with = list(fail_with or [])

    async def send(self, chat_id: str, message: Message, key: str = "", org_id: int = 0) -> None:
        if self.fail_with:
            raise self.fail_with.pop(0)
        self.sent.append((chat_id, message.text))


def rows(org: int, n: int, prefix: str = "k") -> list[dict]:
    return [
        {
            "org_id": org,
            "key": f"{prefix}{i}",
            "kind": "notice",
            "platform": "telegram",
            "chat_id": str(1000 + i),
            "payload": {"text": f"ข้อความ {i}", "buttons": []},
        }
        for i in range(n)
    ]


@pytest.fixture
async def org_db(db):
    org = await setup_org(db, EXAMPLE_PLAN)
    return db, org


async def test_enqueue_is_idempotent(org_db):
    db, org = org_db
    async with db.session() as s:
        assert await enqueue(s, rows(org, 5)) == 5
    async with db.session() as s:
        assert await enqueue(s, rows(org, 7)) == 2  # five keys existed
    async with db.session(commit=False) as s:
        assert len((await s.exec(select(Outbox))).all()) == 7


async def test_two_dispatchers_send_each_row_once(org_db):
    db, org = org_db
    async with db.session() as s:
        await enqueue(s, rows(org, 60))
    other = Database(db.url)
    a, b = Recorder(), Recorder()
    await asyncio.gather(
        Dispatcher(db, {"telegram": a}, db_dir(), "a", RateLimiter({})).run_once(),
        Dispatcher(other, {"telegram": b}, db_dir(), "b", RateLimiter({})).run_once(),
    )
    await other.dispose()
    everything = a.sent + b.sent
    assert len(everything) == 60 and len(set(everything)) == 60


def db_dir():
    from pathlib import Path

    return Path("data")


async def test_retry_after_backoff_and_permanent_failures(org_db):
    db, org = org_db
    sender = Recorder([RetryLater(30), ConnectionError("down"), PermanentFailure("blocked")])
    with time_machine.travel(dt.datetime(2026, 3, 16, 9, 0, tzinfo=BKK), tick=False) as clock:
        async with db.session() as s:
            await enqueue(s, rows(org, 3))
        d = Dispatcher(db, {"telegram": sender}, db_dir(), "t", RateLimiter({}))
        assert await d.run_once() == 0  # all three failed once
        async with db.session(commit=False) as s:
            state = {r.key: (r.state, r.attempts) for r in (await s.exec(select(Outbox))).all()}
        assert state == {"k0": (OutboxState.PENDING, 1), "k1": (OutboxState.PENDING, 1), "k2": (OutboxState.FAILED, 1)}
        clock.shift(6)  # the network error backs off 5 s; the 429 asked for 30 s
        assert await d.run_once() == 1
        clock.shift(25)
        assert await d.run_once() == 1
    assert sorted(c for c, _ in sender.sent) == ["1000", "1001"]


async def test_rate_limits_per_bot_chat_and_group():
    now = [0.0]

    async def sleep(seconds):
        now[0] += seconds

    limiter = RateLimiter({"telegram": Limits(30, 1, 20)}, clock=lambda: now[0], sleep=sleep)
    for i in range(90):
        await limiter.acquire("telegram", str(i), False)
    assert 2.0 <= now[0] < 3.1  # 30 a second overall
    start = now[0]
    for _ in range(3):
        await limiter.acquire("telegram", "same", False)
    assert now[0] - start >= 2.0  # 1 a second per chat
    start = now[0]
    for _ in range(21):
        await limiter.acquire("telegram", "-100", True)
    assert now[0] - start >= 60.0  # 20 a minute per group
    limiter.pause("telegram", 10)
    start = now[0]
    await limiter.acquire("telegram", "x", False)
    assert now[0] - start >= 10.0  # a 429 pauses the platform


async def test_line_is_sent_evenly_within_its_limit_and_forgets_old_chats():
    from scheduler.outbox import PLATFORM_LIMITS

    now = [0.0]

    async def sleep(seconds):
        now[0] += seconds

    limiter = RateLimiter(PLATFORM_LIMITS, clock=lambda: now[0], sleep=sleep)
    sent = []
    for i in range(10_000):
        await limiter.acquire("line/nueng", f"U{i}", False)
        sent.append(now[0])
    # never more than 2,000 in any second, nor a burst at the start of one: at most a tenth in any tenth
    assert max(sum(1 for u in sent[i : i + 2001] if u < sent[i] + 1.0) for i in range(0, 10_000, 50)) <= 2000
    assert max(sum(1 for u in sent[i : i + 201] if u < sent[i] + 0.1) for i in range(0, 10_000, 10)) <= 200
    assert 5.0 <= now[0] < 6.0  # 1,818 a second: 91 % of LINE's 2,000
    await limiter.acquire("line/song", "U0", False)  # another channel: its own lane, no wait
    assert now[0] == sent[-1]
    now[0] += 120
    for i in range(10_000):  # the ten-thousandth forgets the chats not written to for a minute
        await limiter.acquire("line/nueng", f"V{i}", False)
    assert not any(key[1].startswith("U") for key in limiter.sent if len(key) > 1)


async def _member(db, org, unit_name, external_id):
    async with db.session() as s:
        unit = (await s.exec(select(Unit).where(Unit.org_id == org, Unit.name == unit_name))).one()
        p = Person(org_id=org, display_name=external_id)
        s.add(p)
        await s.flush()
        s.add(ChannelAccount(org_id=org, person_id=p.id, platform="telegram", external_id=external_id))
        s.add(Membership(org_id=org, person_id=p.id, unit_id=unit.id, role=Role.MEMBER))


async def test_a_rung_missed_while_down_goes_out_late_that_day_but_is_dropped_once_superseded(org_db, tmp_path, caplog):
    db, org = org_db
    await _member(db, org, "กองคลัง", "klang")
    settings = Settings(data_dir=tmp_path)
    caplog.set_level(logging.INFO, logger="scheduler.tick")
    # d7 of the 6-month round is Tue 31 March 2569; the bot was down in the morning, back at 14:00
    with time_machine.travel(dt.datetime(2026, 3, 31, 14, 0, tzinfo=BKK), tick=False):
        await tick(db, settings)
    # then down again until after the due date: d3 and d1 are found too late and dropped; the due-day
    # reminder still makes sense until the first overdue one (17 April), so it goes out now
    with time_machine.travel(dt.datetime(2026, 4, 16, 10, 0, tzinfo=BKK), tick=False):
        await tick(db, settings)
    async with db.session(commit=False) as s:
        got = {OutboxKey.parse(r.key).subject: r.state for r in (await s.exec(select(Outbox))).all()}
    assert got["d7"] == OutboxState.PENDING
    assert got["d3"] == got["d1"] == OutboxState.DROPPED and got["due"] == OutboxState.PENDING
    assert "open" in got and got["open"] == OutboxState.DROPPED  # the open rung was superseded by d7
    assert "over2" not in got  # not due before 17 April
    assert "dropped" in caplog.text


async def test_nothing_is_queued_outside_working_hours(org_db, tmp_path):
    db, org = org_db
    await _member(db, org, "กองคลัง", "klang")
    settings = Settings(data_dir=tmp_path)
    for moment in (
        dt.datetime(2026, 3, 31, 8, 29, tzinfo=BKK),
        dt.datetime(2026, 3, 31, 16, 30, tzinfo=BKK),
        dt.datetime(2026, 4, 4, 10, 0, tzinfo=BKK),
        dt.datetime(2026, 4, 6, 10, 0, tzinfo=BKK),
    ):
        with time_machine.travel(moment, tick=False):
            report = await tick(db, settings)
        assert report.queued == 0, moment


async def test_two_ticks_at_once_queue_nothing_twice(org_db, tmp_path):
    db, org = org_db
    for i in range(5):
        await _member(db, org, ["กองคลัง", "กองช่าง", "สำนักปลัด", "กองการศึกษา", "กองคลัง"][i], f"p{i}")
    settings = Settings(data_dir=tmp_path)
    other = Database(db.url)
    with time_machine.travel(dt.datetime(2026, 3, 31, 9, 0, tzinfo=BKK), tick=False):
        reports = await asyncio.gather(tick(db, settings), tick(other, settings), return_exceptions=True)
        again = await tick(db, settings)
    await other.dispose()
    queued = sum(r.queued for r in reports if not isinstance(r, BaseException))
    async with db.session(commit=False) as s:
        outbox = (await s.exec(select(Outbox))).all()
    keys = [r.key for r in outbox]
    pending = [r.key for r in outbox if r.state == OutboxState.PENDING]
    assert len(keys) == len(set(keys))
    assert len(pending) == queued == 5 and again.queued == 0  # one d7 reminder per person, once


async def test_exactly_one_active_scheduler(org_db, tmp_path):
    db, org = org_db
    assert await leader.acquire(db, "host-a:1:1")
    assert not await leader.acquire(db, "host-b:2:2")  # waits
    assert await leader.acquire(db, "host-a:1:1")  # renews
    await leader.release(db, "host-a:1:1")
    assert await leader.acquire(db, "host-b:2:2")  # takes over once released (or expired)
    import socket

    dead = f"{socket.gethostname()}:999999:1"  # a process on this machine that no longer exists
    async with db.session() as s:
        from storage.models import SchedulerLock

        row = await s.get(SchedulerLock, leader.LOCK_NAME)
        row.holder = dead
        s.add(row)
    assert await leader.acquire(db, "host-c:3:3")


async def test_two_scheduler_services_send_nothing_twice(org_db, tmp_path):
    db, org = org_db
    async with db.session() as s:
        await enqueue(s, rows(org, 40))
    other = Database(db.url)
    settings = Settings(data_dir=tmp_path)
    a, b = Recorder(), Recorder()
    one = SchedulerService(db, settings, {"telegram": a}, tick_enabled=False, idle_sleep=0.05)
    two = SchedulerService(other, settings, {"telegram": b}, tick_enabled=False, idle_sleep=0.05)
    one.dispatcher.limiter = two.dispatcher.limiter = RateLimiter({})
    await one.start()
    await two.start()
    for _ in range(100):
        await asyncio.sleep(0.05)
        if len(a.sent) + len(b.sent) >= 40:
            break
    await one.stop()
    await two.stop()
    await other.dispose()
    assert sorted(a.sent + b.sent) == sorted(set(a.sent + b.sent)) and len(a.sent + b.sent) == 40
    assert not (a.sent and b.sent)  # only the lease holder sent


async def test_shutdown_drains_the_outbox(org_db, tmp_path):
    db, org = org_db
    recorder = Recorder()
    service = SchedulerService(
        db, Settings(data_dir=tmp_path), {"telegram": recorder}, tick_enabled=False, idle_sleep=30
    )
    service.dispatcher.limiter = RateLimiter({})
    await service.start()
    await asyncio.sleep(0.3)  # the loop took the lease and found nothing yet
    async with db.session() as s:
        await enqueue(s, rows(org, 25))
    await service.stop()  # the loop is asleep for 30 s: only the drain can send these
    assert len(recorder.sent) == 25
    async with db.session(commit=False) as s:
        assert all(r.state == OutboxState.SENT for r in (await s.exec(select(Outbox))).all())


class OwnBot(Recorder):
    """A sender whose organisation has a bot of its own: its sends are a lane of their own."""

    async def lane(self, org_id: int) -> str:
        return f"telegram/bot{org_id}"


@pytest.mark.parametrize("sender", [Recorder, OwnBot])
async def test_a_chat_that_must_wait_does_not_hold_up_the_others(org_db, sender):
    """Telegram allows one message a second to a chat: its second message is put back for a second, and
    everyone else's goes out meanwhile instead of queueing behind it — on the deployment's bot and on an
    organisation's own (whose chats' windows are its lane's)."""
    db, org = org_db
    async with db.session() as s:
        await enqueue(
            s,
            [{**r, "chat_id": "1000"} for r in rows(org, 2, "same")]
            + [{**r, "chat_id": str(2000 + i)} for i, r in enumerate(rows(org, 5, "other"))],
        )
    now = [100.0]

    async def no_sleep(seconds: float) -> None:
        now[0] += seconds

    recorder = sender()
    dispatcher = Dispatcher(
        db,
        {"telegram": recorder},
        Path("."),
        "t",
        RateLimiter({"telegram": Limits(30, 1, 20)}, clock=lambda: now[0], sleep=no_sleep),
    )
    assert await dispatcher.run_once() == 6
    assert now[0] == 100.0  # nothing slept in place
    assert [chat for chat, _t in recorder.sent].count("1000") == 1
    async with db.session(commit=False) as s:
        waiting = (await s.exec(select(Outbox).where(Outbox.state == OutboxState.PENDING))).all()
    assert [r.chat_id for r in waiting] == ["1000"] and waiting[0].attempts == 0


@pytest.mark.slow
async def test_a_tick_over_many_organisations_counts_what_it_queued(db, tmp_path):
    """On PostgreSQL several organisations are planned at once: every one is planned, the count is exact,
    and the next minute (marked) plans none again."""
    orgs = [await setup_org(db, EXAMPLE_PLAN, name=f"อปท. {i}") for i in range(6)]
    for i, org in enumerate(orgs):
        await _member(db, org, "กองคลัง", f"m{i}")
    settings = Settings(data_dir=tmp_path)
    with time_machine.travel(dt.datetime(2026, 3, 31, 9, 0, tzinfo=BKK), tick=False):
        report = await tick(db, settings)
    async with db.session(commit=False) as s:
        pending = (await s.exec(select(Outbox).where(Outbox.state == OutboxState.PENDING))).all()
    assert report.queued == len(pending) == 6
    assert {r.org_id for r in pending} == set(orgs)
    with time_machine.travel(dt.datetime(2026, 3, 31, 9, 1, tzinfo=BKK), tick=False):
        async with db.session(commit=False) as s:
            from scheduler.due import rounds_and_counts
            from scheduler.tick import Policy

            due, _counts = await rounds_and_counts(s, Policy.from_settings(settings), dt.datetime.now(dt.UTC))
            assert due == []


async def test_someone_who_joins_while_a_rung_is_due_gets_it_and_no_one_gets_it_twice(org_db, tmp_path):
    """The tick marks what it planned and skips marked organisations; a newcomer makes it plan them again."""
    from support.chat import Chat, invite_code, join

    db, org = org_db
    await _member(db, org, "กองคลัง", "first")
    settings = Settings(data_dir=tmp_path)
    with time_machine.travel(dt.datetime(2026, 3, 31, 9, 0, tzinfo=BKK), tick=False):
        assert (await tick(db, settings)).queued == 1  # d7 to the one member
    with time_machine.travel(dt.datetime(2026, 3, 31, 9, 1, tzinfo=BKK), tick=False):
        assert (await tick(db, settings)).queued == 0  # marked: nothing new
        await join(Chat(db, settings), "newcomer", await invite_code(db, org, Role.MEMBER, "กองคลัง"), "ใหม่")
    with time_machine.travel(dt.datetime(2026, 3, 31, 9, 2, tzinfo=BKK), tick=False):
        assert (await tick(db, settings)).queued == 1  # the newcomer's d7, and only that
    async with db.session(commit=False) as s:
        pending = (await s.exec(select(Outbox).where(Outbox.state == OutboxState.PENDING))).all()
    chats = sorted(r.chat_id for r in pending)
    assert chats == ["first", "newcomer"]


async def test_the_wave_read_together_says_what_each_organisation_read_alone_would(db, tmp_path, monkeypatch):
    """The tick reads and plans organisations in batches (storage/wave.py): each one's reminders — how many items
    each unit owes and which come first — are what reading that organisation alone gives, across batch edges,
    and a unit that answered its items in between is not reminded."""
    import scheduler.tick as tick_module
    import storage.db
    from scheduler.tick import Policy, plan_org
    from storage.answers import Answers
    from storage.models import Organisation, Round, RoundState, Status, StatusReport

    monkeypatch.setattr(tick_module, "BATCH", 2)  # three batches, two at a time on PostgreSQL
    monkeypatch.setattr(storage.db, "COPY_FROM", 1)  # and each batch's sends and marks sent by COPY there
    orgs = [await setup_org(db, EXAMPLE_PLAN, name=f"อปท. {i}") for i in range(5)]
    for i, org in enumerate(orgs):
        await _member(db, org, "กองคลัง", f"k{i}")
        await _member(db, org, "กองช่าง", f"c{i}")
        async with db.session() as s:  # organisation i's กองคลัง answered its first i items
            answers = Answers(s, org)
            rnd = await answers.open_round()
            unit = (await s.exec(select(Unit).where(Unit.org_id == org, Unit.name == "กองคลัง"))).one()
            for pair in (await answers.pairs(rnd.fiscal_year_id, [unit.id]))[:i]:
                report = StatusReport(round_id=rnd.id, item_id=pair.item.id, unit_id=unit.id, status=Status.COMPLETED)
                await answers.save(report, "test")
    settings = Settings(data_dir=tmp_path)
    moment = dt.datetime(2026, 3, 31, 9, 0, tzinfo=BKK)
    alone: dict[str, str] = {}
    async with db.session(commit=False) as s:
        for org in orgs:
            rnd = (await s.exec(select(Round).where(Round.org_id == org, Round.state == RoundState.OPEN))).one()
            plan = await plan_org(
                s, settings, Policy.from_settings(settings), await s.get(Organisation, org), rnd, moment
            )
            alone |= {p.address.chat_id: p.message.text for p in plan.sends}
    planned = tick_module._plan_batch

    async def then_someone_answers(*args, **kwargs):
        """The counts are read; before the last batch is planned, กองช่าง of the last organisation answers all."""
        async with db.session() as s:
            answers = Answers(s, orgs[-1])
            rnd = await answers.open_round()
            unit = (await s.exec(select(Unit).where(Unit.org_id == orgs[-1], Unit.name == "กองช่าง"))).one()
            for pair in await answers.pairs(rnd.fiscal_year_id, [unit.id]):
                report = StatusReport(round_id=rnd.id, item_id=pair.item.id, unit_id=unit.id, status=Status.COMPLETED)
                await answers.save(report, "test")
        return await planned(*args, **kwargs)

    monkeypatch.setattr(tick_module, "_plan_batch", then_someone_answers)
    with time_machine.travel(moment, tick=False):
        report = await tick(db, settings)
    async with db.session(commit=False) as s:
        queued = {r.chat_id: r.payload["text"] for r in (await s.exec(select(Outbox))).all()}
    assert report.queued == len(queued) == 10
    # answered after the counts were read: the planning's own read saw it, so a thank-you and no reminder
    assert queued.pop("c4").startswith("ขอบคุณ") and "ยังมี" in alone["c4"]
    assert queued == {chat: text for chat, text in alone.items() if chat != "c4"}
    owed = sorted(int(t.split("ยังมี ")[1].split()[0]) for c, t in queued.items() if c.startswith("k"))
    assert owed == [1, 2, 3, 4, 5]  # each organisation's own answers were read, across the batches' edges
