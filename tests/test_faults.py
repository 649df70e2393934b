"""Faults: a platform that refuses, fails or throttles for ten minutes during a reminder wave; a backup
that restores; parsers fed anything."""

from __future__ import annotations

import datetime as dt
import sqlite3
from zoneinfo import ZoneInfo

import pytest
import time_machine
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from sqlmodel import select

from base.events import Message
from locales.errors import ParseError, UserError
from scheduler.outbox import Dispatcher, RateLimiter, RetryLater
from storage.models import Outbox, OutboxState
from storage.outbox import enqueue
from storage.plan_file import PlanFileError, parse_plan
from support.chat import setup_org
from support.paths import EXAMPLE_PLAN

BKK = ZoneInfo("Asia/Bangkok")
START = dt.datetime(2026, 3, 31, 9, 0, tzinfo=BKK)


class FlakyPlatform:
    """Down for the first ten minutes — connection refused, 5xx, 429 with retry_after in turn — then fine."""

    def __init__(self):
        self.received: list[str] = []
        self.failures = 0

    async def send(self, chat_id: str, message: Message, key: str = "", org_id: int = 0) -> None:
        now = dt.datetime.now(BKK)
        if now < START + dt.timedelta(minutes=10):
            self.failures += 1
            kind = self.failures % 3
            if kind == 0:
                raise ConnectionRefusedError("connection refused")
            if kind == 1:
                raise RuntimeError("HTTP 502 Bad Gateway")
            raise RetryLater(30, "429")
        self.received.append(key)


@pytest.mark.parametrize("n", [60])
@pytest.mark.slow
async def test_ten_minutes_of_outage_lose_nothing_and_repeat_nothing(db, n):
    org = await setup_org(db, EXAMPLE_PLAN)
    platform = FlakyPlatform()
    with time_machine.travel(START, tick=False) as clock:
        async with db.session() as s:
            await enqueue(
                s,
                [
                    {
                        "org_id": org,
                        "key": f"wave:{i}",
                        "kind": "reminder",
                        "platform": "telegram",
                        "chat_id": str(1000 + i),
                        "payload": {"text": f"แจ้งเตือน {i}", "buttons": []},
                    }
                    for i in range(n)
                ],
            )
        dispatcher = Dispatcher(db, {"telegram": platform}, db_dir(), "t", RateLimiter({}))
        for _second in range(0, 40 * 60, 15):  # the dispatcher loop, every 15 s for 40 minutes
            await dispatcher.run_once()
            clock.shift(15)
    async with db.session(commit=False) as s:
        rows = (await s.exec(select(Outbox))).all()
    assert platform.failures > n  # every row failed at least once during the outage
    assert sorted(platform.received) == sorted(f"wave:{i}" for i in range(n))  # all delivered, once each
    assert all(r.state == OutboxState.SENT for r in rows)
    assert max(r.attempts for r in rows) <= 12  # backoff: a handful of tries, not a loop


def db_dir():
    from pathlib import Path

    return Path("data")


def test_backup_restores(cli_env, capsys):
    from base.settings import get_settings
    from bot.cli import main

    init = [
        "init",
        "--org",
        "ทดสอบ",
        "--kind",
        "เทศบาลตำบล",
        "--province",
        "ขอนแก่น",
        "--district",
        "เมือง",
        "--fiscal-year",
        "2569",
    ]
    assert main(init) == 0 and main(["plan", "import", str(EXAMPLE_PLAN)]) == 0
    assert main(["backup", str(cli_env / "copy.db")]) == 0
    capsys.readouterr()
    with sqlite3.connect(cli_env / "copy.db") as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    import os

    os.environ["DATABASE_URL"] = f"sqlite:///{cli_env / 'copy.db'}"
    get_settings.cache_clear()
    try:
        assert main(["plan", "show", "--json"]) == 0  # the copy works as the database
        import json

        items = json.loads(capsys.readouterr().out)
        assert len(items) == 63
    finally:
        del os.environ["DATABASE_URL"]
        get_settings.cache_clear()


cells = st.one_of(
    st.none(),
    st.text(max_size=40),
    st.integers(-(10**6), 10**12),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(["-", "๑.๑", "1.1.1", "ทุกสำนัก/กอง", "โครงการ", "<b>x</b>", "๕,๐๐๐"]),
)


@hsettings(max_examples=150, deadline=None)
@given(st.lists(st.lists(cells, min_size=17, max_size=17), min_size=1, max_size=5))
@pytest.mark.slow
def test_import_cells_fed_anything_are_read_or_refused_with_a_message(rows):
    header = [
        "รหัส",
        "มิติ",
        "ชื่อมิติ",
        "ภารกิจ",
        "ชื่อภารกิจ",
        "ข้อย่อย",
        "ชื่อข้อย่อย",
        "ที่",
        "ประเภท",
        "ชื่อโครงการ",
        "ตัวชี้วัด",
        "หน่วยนับ",
        "ปริมาณ",
        "งบประมาณตามแผน",
        "งบประมาณตามข้อบัญญัติ",
        "ผู้รับผิดชอบ",
        "ระยะเวลา",
    ]
    table = [(1, header)] + [(i + 2, r) for i, r in enumerate(rows)]
    try:
        parsed = parse_plan(table)
    except PlanFileError as e:
        assert e.errors and all(str(err).startswith("แถว ") for err in e.errors)
        return
    except UserError as e:
        assert str(e)
        return
    for r in parsed:
        assert r.title and r.mission.startswith(r.dimension + ".")
        assert r.budget_plan is None or r.budget_plan >= 0


@given(st.text(max_size=30))
def test_invite_and_link_codes_fed_anything(text):
    from locales.thai import parse_date, parse_month_range, parse_quantity

    for parser in (parse_date, parse_month_range, parse_quantity):
        try:
            parser(text)
        except ParseError as e:
            assert str(e)


@pytest.mark.slow
def test_concurrent_people_through_the_webhook_lose_no_answer(tmp_path):
    """A short run of the load script: every confirmed answer is stored, no request fails."""
    import asyncio

    from stress.load_webhook import main_async

    result = asyncio.run(main_async(20, 5, f"sqlite+aiosqlite:///{tmp_path / 'l.db'}", tmp_path))
    assert result["errors"] == 0 and result["replies_not_seen_in_60s"] == 0
    assert result["answers_confirmed"] == result["status_reports_stored"] > 0
    assert "Traceback" not in (tmp_path / "app.log").read_text()


@pytest.mark.slow
def test_sigkill_during_answers_leaves_them_whole(tmp_path):
    """Kill a process that is answering (and committing) over and over: every stored answer has its audit
    line from the same transaction, the database is intact, and the conversation can carry on."""
    import asyncio
    import os
    import random
    import select as waiting
    import signal
    import subprocess
    import sys
    import time

    from base.settings import Settings
    from storage.db import Database
    from storage.models import AuditLog, Role, StatusReport
    from support.chat import Chat, invite_code, join
    from support.paths import ROOT

    db_url = f"sqlite+aiosqlite:///{tmp_path / 'k.db'}"

    async def prepare():
        db = Database(db_url)
        await db.upgrade()
        org = await setup_org(db, EXAMPLE_PLAN)
        await join(
            Chat(db, Settings(data_dir=tmp_path)), "klang", await invite_code(db, org, Role.MEMBER, "กองคลัง"), "สมศรี"
        )
        await db.dispose()

    asyncio.run(prepare())
    rng = random.Random(5)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    for _kill in range(6):
        proc = subprocess.Popen(
            [sys.executable, str(ROOT / "tests" / "stress" / "answer_loop.py"), db_url, str(tmp_path)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        # once it answers (starting Python takes seconds on a loaded machine), kill it at a random point
        assert waiting.select([proc.stdout], [], [], 60)[0], "the answering process never answered"
        time.sleep(rng.uniform(0.2, 1.2))
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)

    async def check():
        db = Database(db_url)
        async with db.session(commit=False) as s:
            reports = (await s.exec(select(StatusReport))).all()
            audited = {a.entity_id for a in (await s.exec(select(AuditLog).where(AuditLog.action == "answer"))).all()}
        said = await Chat(db, Settings(data_dir=tmp_path)).type("klang", "/status")
        await db.dispose()
        return reports, audited, said

    reports, audited, said = asyncio.run(check())
    assert len(reports) > 10  # the processes did answer between kills
    assert {r.id for r in reports} == audited  # no answer without its audit line, or the reverse
    assert "รายการของหน่วยงานคุณ" in said.text  # and the person carries on
    with sqlite3.connect(tmp_path / "k.db") as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


@hsettings(max_examples=25, deadline=None)
@given(st.text(max_size=40))
@pytest.mark.slow
def test_invite_codes_fed_anything(text):
    """Whatever is typed after /start is either a usable code or a clear Thai refusal."""
    import asyncio

    from storage.db import Database
    from storage.people import find_invite

    async def go():
        db = Database("sqlite+aiosqlite:///:memory:")
        await db.upgrade()
        try:
            async with db.session(commit=False) as s:
                await find_invite(s, text)
        except UserError as e:
            assert "รหัสเชิญ" in str(e)
        finally:
            await db.dispose()

    asyncio.run(go())
