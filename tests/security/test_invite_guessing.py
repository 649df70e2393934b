"""Guessing invite and link codes: after five wrong codes a chat account is refused for 15 minutes (the right
code too, so guessing gains nothing); other accounts' tries never hold back a valid code; each refusal that
names an organisation is in its audit log."""

from __future__ import annotations

import datetime as dt

import time_machine
from sqlmodel import select

from base.settings import Settings
from storage.db import Database
from storage.models import AuditLog, JoinAttempt, Person, Role
from support.chat import Chat, invite_code, setup_org
from support.db import count_rows
from support.paths import EXAMPLE_PLAN


async def test_a_chat_account_is_limited_and_refusals_are_recorded(tmp_path):
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'g.db'}")
    await db.upgrade()
    org = await setup_org(db, EXAMPLE_PLAN)
    chat = Chat(db, Settings(data_dir=tmp_path / "data"))
    good = await invite_code(db, org, Role.MEMBER, "กองคลัง")
    with time_machine.travel(dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC), tick=False) as clock:
        for i in range(5):
            said = await chat.type("guesser", f"/start WRONG{i:03d}")
            assert "ไม่ถูกต้อง" in said.text
        said = await chat.type("guesser", f"/start {good}")
        assert "หลายครั้งเกินไป" in said.text and "15 นาที" in said.text
        assert await count_rows(db, Person) == 0
        assert await count_rows(db, JoinAttempt) == 5  # the refusal for the limit itself is not counted
        said = await chat.type("someone-else", f"/start {good}")  # another account is not held back
        assert "ลงทะเบียน" in said.text or "ชื่อ" in said.text
        clock.shift(dt.timedelta(minutes=16))
        said = await chat.type("guesser", f"/start {good}")
        assert "ถูกใช้ไปแล้ว" in said.text  # the code was used meanwhile: a refusal in its org
    async with db.session(commit=False) as s:
        refused = (
            await s.exec(select(AuditLog).where(AuditLog.action == "refused", AuditLog.entity == "invite"))
        ).all()
    assert [r.org_id for r in refused] == [org] and refused[0].actor == "telegram:guesser"
    await db.dispose()


async def test_a_used_code_spread_around_never_locks_a_newcomer_out(tmp_path):
    """One used code (printed, shared in a group) tried 5 times from each of 6 accounts: each of those accounts
    is held back, the organisation is not — a newcomer's valid code still works."""
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'o.db'}")
    await db.upgrade()
    org = await setup_org(db, EXAMPLE_PLAN)
    chat = Chat(db, Settings(data_dir=tmp_path / "data"))
    used = await invite_code(db, org, Role.MEMBER, "กองคลัง", uses=1)
    await chat.type("first", f"/start {used}")
    fresh = await invite_code(db, org, Role.MEMBER, "กองคลัง")
    for i in range(6):
        for _ in range(5):
            assert "ถูกใช้ไปแล้ว" in (await chat.type(f"acct{i}", f"/start {used}")).text
        assert "หลายครั้งเกินไป" in (await chat.type(f"acct{i}", f"/start {used}")).text
    said = await chat.type("newcomer", f"/start {fresh}")
    assert "ชื่อ" in said.text and "หลายครั้งเกินไป" not in said.text
    await db.dispose()


async def test_link_codes_are_limited_per_account_and_one_lives_at_a_time(tmp_path):
    from storage.models import LinkCode

    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'l.db'}")
    await db.upgrade()
    org = await setup_org(db, EXAMPLE_PLAN)
    chat = Chat(db, Settings(data_dir=tmp_path / "data"))
    await chat.type("admin", f"/start {await invite_code(db, org, Role.ADMIN)}")
    await chat.type("admin", "ผู้ดูแล ระบบ")
    for _ in range(20):
        said = await chat.type("admin", "/link")
    code = said.text.split("/link ")[-1].split()[0]
    assert await count_rows(db, LinkCode) == 1  # /link twenty times: one live code, not twenty rows
    line = Chat(db, Settings(data_dir=tmp_path / "data"), platform="line")
    for i in range(5):
        assert "ไม่ถูกต้อง" in (await line.type("Uguesser", f"/link WRONG{i:03d}")).text
    said = await line.type("Uguesser", f"/link {code}")  # the right code, after five guesses: refused
    assert "หลายครั้งเกินไป" in said.text and "เชื่อม" not in said.text
    assert "เชื่อม" in (await line.type("Uowner", f"/link {code}")).text  # another account is not held back
    await db.dispose()


async def test_the_tick_forgets_old_tries(tmp_path):
    from scheduler.tick import tick

    db = Database(f"sqlite+aiosqlite:///{tmp_path / 't.db'}")
    await db.upgrade()
    async with db.session() as s:
        s.add(JoinAttempt(platform="telegram", external_id="a", at=dt.datetime(2026, 12, 1, 8, tzinfo=dt.UTC)))
        s.add(JoinAttempt(platform="telegram", external_id="b", at=dt.datetime(2026, 12, 1, 9, 20, tzinfo=dt.UTC)))
    await tick(db, Settings(data_dir=tmp_path), now=dt.datetime(2026, 12, 1, 9, 30, tzinfo=dt.UTC))
    async with db.session(commit=False) as s:
        assert [a.external_id for a in (await s.exec(select(JoinAttempt))).all()] == ["b"]
    await db.dispose()
