"""The tamper-evident history (storage/chain.py), on SQLite and PostgreSQL: what the application writes verifies;
an answer or audit line altered, deleted or inserted by hand in the database is named — the first such row."""

from __future__ import annotations

import asyncio

from sqlalchemy import text

from base.settings import Settings
from bot.cli import main
from storage.answers import Answers
from storage.chain import verify_org
from storage.db import Database
from storage.models import Person, Role, Status, StatusReport
from storage.people import forget_person
from support.chat import Chat, invite_code, join, setup_org
from support.paths import EXAMPLE_PLAN


async def history(db: Database) -> tuple[int, list[int]]:
    """An organisation with answers (two of them for one pair), audit lines, and a person who joined."""
    org = await setup_org(db, EXAMPLE_PLAN)
    chat = Chat(db, Settings())
    await join(chat, "klang", await invite_code(db, org, Role.MEMBER, "กองคลัง"), "สมศรี คลัง")
    ids = []
    async with db.session() as s:
        answers = Answers(s, org)
        rnd = await answers.open_round()
        pairs = (await answers.awaiting(rnd, [1, 2, 3]))[:3]
        for p, status in zip(
            pairs + pairs[:1], [Status.IN_PROGRESS, Status.COMPLETED, Status.NOT_STARTED, Status.COMPLETED], strict=True
        ):
            r = StatusReport(
                round_id=rnd.id, item_id=p.item.id, unit_id=p.unit_id, status=status, done_text="ทำแล้ว ๒ ครั้ง"
            )
            ids.append((await answers.save(r, actor="test")).id)
    return org, ids


async def check(db: Database, org: int):
    async with db.session(commit=False) as s:
        return await verify_org(s, org)


async def test_history_written_by_the_application_verifies_and_each_hand_edit_is_named(db):
    org, ids = await history(db)
    checked, broken = await check(db, org)
    assert broken is None and checked > len(ids)

    async with db.session() as s:  # an answer's text changed by hand
        await s.exec(text("UPDATE status_report SET done_text = 'แก้แล้ว' WHERE id = :i").bindparams(i=ids[1]))
    assert str((await check(db, org))[1]) == f"status_report #{ids[1]} (altered)"
    async with db.session() as s:
        await s.exec(text("UPDATE status_report SET done_text = 'ทำแล้ว ๒ ครั้ง' WHERE id = :i").bindparams(i=ids[1]))
    assert (await check(db, org))[1] is None  # put back as it was: intact again

    cols = ", ".join(c.name for c in StatusReport.__table__.columns if c.name != "id")
    async with db.session() as s:  # a copy of an answer put in by hand, under a new id
        await s.exec(
            text(f"INSERT INTO status_report ({cols}) SELECT {cols} FROM status_report WHERE id = :i").bindparams(
                i=ids[0]
            )
        )
        copy = (await s.exec(text("SELECT max(id) FROM status_report"))).one()[0]
    assert str((await check(db, org))[1]) == f"status_report #{copy} (inserted outside the application)"
    async with db.session() as s:
        await s.exec(text("DELETE FROM status_report WHERE id = :i").bindparams(i=copy))
        await s.exec(text("DELETE FROM status_report WHERE id = :i").bindparams(i=ids[0]))  # and an answer deleted
    assert str((await check(db, org))[1]) == f"status_report #{ids[0]} (deleted)"


async def test_audit_lines_altered_deleted_or_inserted_by_hand_are_named(db):
    org, _ids = await history(db)
    async with db.session(commit=False) as s:
        lines = [
            i
            for (i,) in (
                await s.exec(text("SELECT id FROM audit_log WHERE org_id = :o ORDER BY id").bindparams(o=org))
            ).all()
        ]
    middle = lines[len(lines) // 2]
    async with db.session() as s:
        await s.exec(text("UPDATE audit_log SET actor = 'someone else' WHERE id = :i").bindparams(i=middle))
    assert str((await check(db, org))[1]) == f"audit_log #{middle} (altered)"
    async with db.session() as s:
        await s.exec(text("DELETE FROM audit_log WHERE id = :i").bindparams(i=middle))
    after = lines[lines.index(middle) + 1]
    assert str((await check(db, org))[1]) == f"audit_log #{after} (a line before it was deleted)"


async def test_a_line_inserted_with_a_correct_looking_link_is_named(db):
    org, _ids = await history(db)
    async with db.session() as s:  # a forger who copies the last line's link into a new one
        last = (
            (await s.exec(text("SELECT * FROM audit_log WHERE org_id = :o ORDER BY id DESC LIMIT 1").bindparams(o=org)))
            .mappings()
            .one()
        )
        await s.exec(
            text(
                "INSERT INTO audit_log (org_id, actor, action, entity, at, chain_prev, chain_hash) "
                "VALUES (:o, 'cli', 'answer', 'status_report', :at, :p, :h)"
            ).bindparams(o=org, at=last["at"], p=last["chain_prev"], h=last["chain_hash"])
        )
    broken = (await check(db, org))[1]
    assert broken.table == "audit_log" and broken.what == "does not follow the line before it"


async def test_erasure_rewrites_lines_and_reseals_the_chain(db):
    org, _ids = await history(db)
    async with db.session() as s:
        person = (await s.exec(__import__("sqlmodel").select(Person).where(Person.org_id == org))).first()
        counts = await forget_person(s, org, person, actor="test")
    assert counts["audit_rows_resealed"] >= 1
    assert (await check(db, org))[1] is None


def test_the_command_names_the_row(cli_env, capsys):
    async def world():
        db = Database(f"sqlite+aiosqlite:///{cli_env / 'data' / 'tidtam.db'}")
        await db.upgrade()
        org, ids = await history(db)
        async with db.session() as s:
            await s.exec(text("UPDATE status_report SET disbursed = 99999900 WHERE id = :i").bindparams(i=ids[2]))
        await db.dispose()
        return ids[2]

    changed = asyncio.run(world())
    code = main(["audit", "verify"])
    out, err = capsys.readouterr()
    assert code == 1 and f"status_report #{changed} ถูกแก้ไขนอกระบบ" in out and "Traceback" not in out + err


async def test_writers_at_once_never_fork_the_chain(db):
    """Twenty transactions writing audit lines for one organisation at the same time (PostgreSQL: at once,
    each holding the organisation's chain until it commits): the chain stays one line after another."""
    from storage.repo import audit

    org, _ids = await history(db)

    async def writer(n: int) -> None:
        async with db.session() as s:
            for k in range(3):
                await audit(s, org, f"writer:{n}", "test", "leave", k)

    await asyncio.gather(*(writer(n) for n in range(20)))
    checked, broken = await check(db, org)
    assert broken is None and checked >= 60


async def test_the_migration_seals_a_history_written_before_it(db):
    """Answers and lines written before the chain existed: migration 0018 seals them in the order they were
    written, and the chain verifies — then a line written after it links on."""
    from alembic import command

    from storage.db import alembic_config
    from storage.repo import audit

    org, _ids = await history(db)
    async with db.engine.begin() as conn:  # back to before the chain: its columns go
        await conn.run_sync(lambda c: command.downgrade(alembic_config(c), "0017"))
    await db.upgrade()  # and forward again: the rows already there are sealed
    assert (await check(db, org))[1] is None
    async with db.session() as s:
        await audit(s, org, "test", "after", "leave", 1)
    checked, broken = await check(db, org)
    assert broken is None and checked > 5
