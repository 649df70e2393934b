"""The organisation's rounds, units and plan kept in memory between steps (storage/snapshot.py): every
change moves the stamp, by whoever makes it, and a step never answers from what is no longer true."""

from __future__ import annotations

from sqlalchemy import text
from sqlmodel import select

from base.settings import Settings
from storage.answers import Answers
from storage.db import Database
from storage.models import Organisation, PlanItem, Role
from storage.snapshot import snapshot_of
from support.chat import Chat, invite_code, join, setup_org
from support.paths import EXAMPLE_PLAN


async def _stamp(db: Database, org: int) -> int:
    async with db.session() as s:
        return (await s.exec(select(Organisation.plan_version).where(Organisation.id == org))).one()


async def test_every_change_to_rounds_units_items_and_owners_moves_the_stamp(db):
    org = await setup_org(db, EXAMPLE_PLAN)
    other = await setup_org(db, EXAMPLE_PLAN, name="เทศบาลตำบลอื่น")
    first = "(SELECT min(id) FROM plan_item WHERE org_id = :org AND all_units = false)"
    changes = [
        "UPDATE round SET due_on = due_on WHERE org_id = :org",
        "INSERT INTO unit (org_id, name, is_active) VALUES (:org, 'กองใหม่', true)",
        "UPDATE unit SET is_active = false WHERE org_id = :org AND name = 'กองใหม่'",
        f"UPDATE plan_item SET title = title || '!' WHERE id = {first}",
        f"INSERT INTO plan_item_unit (item_id, unit_id) SELECT {first}, id FROM unit WHERE name = 'กองใหม่' "
        "AND org_id = :org",
        f"DELETE FROM plan_item_unit WHERE item_id = {first} AND unit_id = "
        "(SELECT id FROM unit WHERE name = 'กองใหม่' AND org_id = :org)",
        "DELETE FROM unit WHERE org_id = :org AND name = 'กองใหม่'",
    ]
    untouched = await _stamp(db, other)
    for sql in changes:
        before = await _stamp(db, org)
        async with db.session() as s:
            await s.exec(text(sql).bindparams(org=org))  # type: ignore[call-overload]
        assert await _stamp(db, org) > before, sql
    assert await _stamp(db, other) == untouched  # another organisation's snapshot stays


async def test_a_step_sees_what_another_process_changed(db, tmp_path):
    """Another worker or the CLI (a second engine here) renames an item, takes an owner off it, closes the
    round: the next step of a person whose organisation is kept in memory shows each change."""
    org = await setup_org(db, EXAMPLE_PLAN)
    chat = Chat(db, Settings(data_dir=tmp_path / "data"))
    await join(chat, "klang", await invite_code(db, org, Role.MEMBER, "กองคลัง"), "สมศรี คลัง")
    said = await chat.type("klang", "/status")
    elsewhere = Database(db.url)
    async with elsewhere.session() as s:
        own = set((await s.exec(select(PlanItem.id).where(PlanItem.org_id == org, PlanItem.all_units == False))).all())  # noqa: E712
    picks = [b for b in said.buttons if b.data.startswith("pk:") and int(b.data.split(":")[1]) in own]
    item_id, unit_id = (int(x) for x in picks[0].data.split(":")[1:3])
    try:
        async with elsewhere.session() as s:
            item = await s.get(PlanItem, item_id)
            item.title = "ชื่อใหม่จากที่อื่น"
            s.add(item)
        said = await chat.type("klang", "/status")
        assert any("ชื่อใหม่จากที่อื่น" in b.label for b in said.buttons if b.data == picks[0].data)

        async with elsewhere.session() as s:
            await s.exec(  # type: ignore[call-overload]
                text("DELETE FROM plan_item_unit WHERE item_id = :i AND unit_id = :u").bindparams(i=item_id, u=unit_id)
            )
        said = await chat.press("klang", picks[0].data)
        assert "คุณรายงานได้เฉพาะรายการของหน่วยงานตนเอง" in said.text

        async with elsewhere.session() as s:
            await s.exec(text("UPDATE round SET state = 'closed' WHERE org_id = :o").bindparams(o=org))  # type: ignore[call-overload]
        said = await chat.press("klang", picks[1].data)
        assert "ขณะนี้ยังไม่เปิดรอบรายงาน" in said.text
    finally:
        await elsewhere.dispose()


async def test_a_snapshot_read_after_this_transaction_changed_the_plan_is_not_kept(db):
    org_id = await setup_org(db, EXAMPLE_PLAN)
    async with db.session(commit=False) as s:  # rolled back at the end
        org = await s.get(Organisation, org_id)
        item = (await s.exec(select(PlanItem).where(PlanItem.org_id == org_id))).first()
        item.title = "ไม่เคยบันทึก"
        s.add(item)
        await s.flush()
        assert (await snapshot_of(s, org)).items[item.id].title == "ไม่เคยบันทึก"  # its own change, seen
    async with db.session() as s:
        org = await s.get(Organisation, org_id)
        assert (await snapshot_of(s, org)).items[item.id].title != "ไม่เคยบันทึก"


async def test_two_databases_with_the_same_organisation_id_keep_apart(tmp_path):
    """Tests, the simulator and a CLI may open several databases in one process: organisation 1 of one is
    not organisation 1 of another."""
    a = Database(f"sqlite+aiosqlite:///{tmp_path / 'a.db'}")
    b = Database(f"sqlite+aiosqlite:///{tmp_path / 'b.db'}")
    try:
        for db in (a, b):
            await db.upgrade()
            assert await setup_org(db, EXAMPLE_PLAN) == 1
        async with b.session() as s:
            await s.exec(text("UPDATE plan_item SET title = 'ของ b' WHERE id = 1"))  # type: ignore[call-overload]
            await s.exec(text("UPDATE organisation SET plan_version = 0"))  # type: ignore[call-overload]
        async with a.session() as s:
            await s.exec(text("UPDATE organisation SET plan_version = 0"))  # type: ignore[call-overload]
        for db, title in ((a, None), (b, "ของ b")):
            async with db.session() as s:
                snap = await snapshot_of(s, await s.get(Organisation, 1))
                assert (snap.items[1].title == "ของ b") == (title is not None)
    finally:
        await a.dispose()
        await b.dispose()


async def test_only_the_plan_of_a_year_with_an_open_round_is_kept_and_the_rest_is_read(db):
    """A year without an open round is not what check-ins ask about: it is not kept (memory), and a question
    about it still gets the database's answer."""
    org_id = await setup_org(db, EXAMPLE_PLAN, open_round=None)
    async with db.session() as s:
        snap = await snapshot_of(s, await s.get(Organisation, org_id))
        assert snap.items == {} and snap.open_round() is None and snap.units
        item = (await s.exec(select(PlanItem).where(PlanItem.org_id == org_id, PlanItem.all_units == False))).first()  # noqa: E712
        answers = Answers(s, org_id, snap)
        assert (await answers.item(item.id)).title == item.title
        pairs = await answers.pairs(item.fiscal_year_id)
        assert len(pairs) >= 63 and any(p.item.id == item.id for p in pairs)
        owner = next(p.unit_id for p in pairs if p.item.id == item.id)
        assert await answers.owns(item, owner) and owner in [u.id for u in await answers.owner_units(item)]
