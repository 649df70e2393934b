"""`tidtam person forget` rewrites by structure: another person whose name contains this one's is untouched,
quotes in names are no problem, and what was queued to the person or linked for them is cancelled."""

from __future__ import annotations

import asyncio

from sqlmodel import select

from base.settings import Settings
from bot.cli import main
from storage.db import Database
from storage.files import link_for, redeem
from storage.models import AuditLog, DownloadLink, Outbox, OutboxState, Person, Role
from support.chat import Chat, invite_code, join, setup_org
from support.paths import EXAMPLE_PLAN

NAMES = {"short": "สม", "longer": "สมศรี ใจดี", "quoted": 'นาย "โก้" ดี', "odd": '"x'}


async def _world(data):
    db = Database(f"sqlite+aiosqlite:///{data / 'tidtam.db'}")
    await db.upgrade()
    org = await setup_org(db, EXAMPLE_PLAN)
    settings = Settings(data_dir=data)
    chat = Chat(db, settings)
    for user, name in NAMES.items():
        await join(chat, user, await invite_code(db, org, Role.MEMBER, "กองคลัง"), name)
    (data / "exports").mkdir(parents=True, exist_ok=True)
    (data / "exports" / "r.pdf").write_bytes(b"%PDF-1.4")
    async with db.session() as s:
        s.add(
            Outbox(
                org_id=org,
                key="test:short",
                kind="notice",
                platform="telegram",
                chat_id="short",
                payload={"text": "สวัสดี สม"},
            )
        )
        token = (
            await link_for(s, settings, data / "exports" / "r.pdf", "r.pdf", platform="telegram", external_id="short")
        ).rsplit("/", 1)[1]
    await db.dispose()
    return token


async def _audit_text(db, person_id):
    async with db.session(commit=False) as s:
        rows = (
            await s.exec(select(AuditLog).where(AuditLog.entity == "person", AuditLog.entity_id == person_id))
        ).all()
    return " ".join(str(r.old) + str(r.new) for r in rows)


async def _people(db):
    async with db.session(commit=False) as s:
        return {p.display_name: p.id for p in (await s.exec(select(Person))).all()}


def test_forget_by_structure_not_by_substring(cli_env, capsys):
    data = cli_env / "data"
    token = asyncio.run(_world(data))
    db = Database(f"sqlite+aiosqlite:///{data / 'tidtam.db'}")
    ids = asyncio.run(_people(db))

    assert main(["person", "forget", "สม", "--yes"]) == 0, capsys.readouterr().err
    out = capsys.readouterr().out
    assert "ยกเลิกลิงก์ดาวน์โหลด 1 ลิงก์" in out
    longer = asyncio.run(_audit_text(db, ids["สมศรี ใจดี"]))
    assert "สมศรี ใจดี" in longer and "-ศรี" not in longer  # the other person's line is intact
    assert "'สม'" not in asyncio.run(_audit_text(db, ids["สม"]))

    async def after():
        async with db.session() as s:
            row = (await s.exec(select(Outbox).where(Outbox.key == "test:short"))).one()
            link = await redeem(s, Settings(data_dir=data), token)
            links = (await s.exec(select(DownloadLink))).all()
        return row, link, links

    row, link, links = asyncio.run(after())
    assert row.state == OutboxState.DROPPED and row.payload == {}  # never sent, and the text is gone
    assert link is None and all(one.person_id is None for one in links)

    for name in ('"x', 'นาย "โก้" ดี'):
        assert main(["person", "forget", name, "--yes"]) == 0, capsys.readouterr().err
        capsys.readouterr()
    quoted = asyncio.run(_audit_text(db, ids['นาย "โก้" ดี']))
    assert "โก้" not in quoted and '"x' not in asyncio.run(_audit_text(db, ids['"x']))
    assert "สมศรี ใจดี" in asyncio.run(_people(db))
    asyncio.run(db.dispose())
