"""Leave: recorded in chat (one's own, or a member's by their head), bounded like every typed value, and followed by
every reminder — nobody on leave is reminded, a unit whose members are all away reaches its head, a head who is away
the ปลัด."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from sqlmodel import select

from base.settings import Settings
from base.values import BANGKOK
from locales.errors import ParseError
from locales.thai import parse_day_range
from scheduler.tick import tick
from storage.db import Database
from storage.models import Leave, Outbox, Person, Role
from storage.people import forget_person
from support.chat import Chat, invite_code, join, setup_org
from support.db import count_rows
from support.paths import EXAMPLE_PLAN

MONDAY = dt.datetime(2026, 3, 16, 9, 0, tzinfo=BANGKOK)  # the 6-month round of 2569 opens for answers


@pytest.fixture
async def world(tmp_path):
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'leave.db'}")
    await db.upgrade()
    org = await setup_org(db, EXAMPLE_PLAN)
    chat = Chat(db, Settings(data_dir=tmp_path / "data"))
    with time_machine.travel(MONDAY, tick=False):
        await join(chat, "admin", await invite_code(db, org, Role.ADMIN), "ผู้ดูแล ระบบ")
        await join(chat, "boss", await invite_code(db, org, Role.MANAGER), "ปลัด ทดสอบ")
        await join(chat, "klang", await invite_code(db, org, Role.MEMBER, "กองคลัง"), "สมศรี คลัง")
        await join(chat, "klang2", await invite_code(db, org, Role.MEMBER, "กองคลัง"), "มานี คลัง")
        await join(chat, "klanghead", await invite_code(db, org, Role.HEAD, "กองคลัง"), "วิชัย หัวหน้าคลัง")
        await join(chat, "chang", await invite_code(db, org, Role.MEMBER, "กองช่าง"), "สมชาย ช่าง")
    yield chat, db, org
    await db.dispose()


async def queued(db: Database) -> list[tuple[str, str, str]]:
    async with db.session(commit=False) as s:
        rows = (await s.exec(select(Outbox).order_by(Outbox.id))).all()
    return [(r.chat_id, r.kind, r.payload.get("text", "")) for r in rows]


def test_days_typed_in_thai():
    today = dt.date(2026, 12, 6)
    assert parse_day_range("10–20 ธ.ค.", today) == (dt.date(2026, 12, 10), dt.date(2026, 12, 20))
    assert parse_day_range("๑๐-๒๐ ธ.ค. ๒๕๖๙", today) == (dt.date(2026, 12, 10), dt.date(2026, 12, 20))
    assert parse_day_range("28 ธ.ค. – 5 ม.ค.", today) == (dt.date(2026, 12, 28), dt.date(2027, 1, 5))
    assert parse_day_range("10/12 ถึง 12/12", today) == (dt.date(2026, 12, 10), dt.date(2026, 12, 12))
    assert parse_day_range("2 ธ.ค.", today) == (dt.date(2026, 12, 2), dt.date(2026, 12, 2))  # days ago: this year
    for bad in ("20–10 ธ.ค.", "31 ก.พ.", "พรุ่งนี้เช้า", "1" * 5000):
        with pytest.raises(ParseError):
            parse_day_range(bad, today)


async def test_a_member_on_leave_is_not_reminded_and_the_reminder_names_who_is_away(world):
    chat, db, org = world
    with time_machine.travel(MONDAY, tick=False):
        said = await chat.type("klang", "/leave")
        assert "คุณไม่อยู่วันไหน" in said.text
        said = await chat.press("klang", said.button("ถึงวันศุกร์"))
        assert "บันทึกการลาของคุณแล้ว: 16 มี.ค. 2569 – 20 มี.ค. 2569" in said.text
        again = await chat.type("klang", "/leave")  # pressing "until Friday" again adds nothing
        await chat.press("klang", again.button("ถึงวันศุกร์"))
        assert await count_rows(db, Leave) == 1
        await tick(db, chat.settings, now=MONDAY.astimezone(dt.UTC))
    sent = await queued(db)
    to_klang = [text for who, kind, text in sent if kind == "reminder" and who.startswith("klang")]
    assert [who for who, kind, _t in sent if kind == "reminder" and who.startswith("klang")] == ["klang2"]
    assert "ลาอยู่: สมศรี คลัง (20 มี.ค. 2569)" in to_klang[0]


async def test_a_unit_all_away_reaches_its_head_and_a_head_away_the_manager(world):
    chat, db, org = world
    with time_machine.travel(MONDAY, tick=False):
        said = await chat.type("klanghead", "/leave สมศรี คลัง 16–27 มี.ค. ลาป่วย")
        assert "บันทึกการลาของสมศรี คลังแล้ว" in said.text
        await chat.type("klanghead", "/leave มานี คลัง 16–27 มี.ค.")
        await tick(db, chat.settings, now=MONDAY.astimezone(dt.UTC))
    reminders = [(who, text) for who, kind, text in await queued(db) if kind == "reminder"]
    assert [who for who, _t in reminders if who.startswith("klang")] == ["klanghead"]
    head_text = next(text for who, text in reminders if who == "klanghead")
    assert "สมาชิกของกองลาทั้งหมดถึง 27 มี.ค. 2569" in head_text and "ลาป่วย" not in head_text  # the kind stays private
    with time_machine.travel(MONDAY, tick=False):
        await chat.type("klanghead", "/leave 16–27 มี.ค.")  # now the head is away too
    day = dt.datetime(2026, 3, 17, 9, 0, tzinfo=BANGKOK)
    with time_machine.travel(day, tick=False):
        said = await chat.type("admin", "/remind")
    to = {d.chat_id for d in said.response.deliveries}
    assert "boss" in to and not to & {"klang", "klang2", "klanghead"}


async def test_only_a_head_of_their_unit_or_the_admin_records_leave_for_someone(world):
    chat, db, org = world
    with time_machine.travel(MONDAY, tick=False):
        said = await chat.type("chang", "/leave สมศรี คลัง 16 มี.ค.")
        assert "เฉพาะผู้ดูแลระบบ ปลัด หรือหัวหน้ากองของผู้นั้น" in said.text
        said = await chat.type("klang", "/leave สมศร 16 มี.ค.")  # a slip in the name
        assert 'ไม่มีผู้ใช้ชื่อ "สมศร"' in said.text and "สมศรี คลัง" in said.text
        said = await chat.type("klang", "/leave 1–30 เม.ย.")
        assert "บันทึกการลาของคุณแล้ว: 1 เม.ย. 2569 – 30 เม.ย. 2569" in said.text
        said = await chat.type("klang", "/leave 1 พ.ค. – 30 ก.ย.")
        assert "ไม่เกิน 120 วัน" in said.text
        said = await chat.type("klang", "/leave 1–3 เม.ย. 2571")
        assert "ล่วงหน้าได้ไม่เกินหนึ่งปี" in said.text
        said = await chat.type("klang", "/leave " + "๑" * 5000)
        assert "อ่าน" in said.text and len(said.text) < 400
        assert await count_rows(db, Leave) == 1
        said = await chat.type("admin", "/leave สมศรี คลัง ยกเลิก")
        assert "ยกเลิกการลาของสมศรี คลังแล้ว" in said.text
        said = await chat.type("boss", "/leave สมชาย ช่าง 17 มี.ค.")  # the ปลัด for anyone
        assert "บันทึกการลาของสมชาย ช่างแล้ว" in said.text
        await chat.type("boss", "/leave สมชาย ช่าง ยกเลิก")
        assert await count_rows(db, Leave) == 0


async def test_forgetting_a_person_removes_their_leave(world):
    chat, db, org = world
    with time_machine.travel(MONDAY, tick=False):
        await chat.type("klang", "/leave 16–18 มี.ค. ลาป่วย")
        async with db.session() as s:
            person = (await s.exec(select(Person).where(Person.display_name == "สมศรี คลัง"))).one()
            await forget_person(s, org, person, actor="test")
    assert await count_rows(db, Leave) == 0


AFTER_DUE = dt.datetime(2026, 4, 20, 9, 0, tzinfo=BANGKOK)  # the 3rd working day after 10 April: head3 is due


async def test_an_acting_head_gets_the_escalation_while_the_head_is_away(world):
    chat, db, org = world
    with time_machine.travel(AFTER_DUE, tick=False):
        said = await chat.type("klanghead", "/acting กองคลัง มานี คลัง ถึง 24 เม.ย.")
        assert "มานี คลัง รักษาราชการแทนผู้อำนวยการกองคลัง 20 เม.ย. 2569 – 24 เม.ย. 2569" in said.text
        await chat.type("klanghead", "/leave ถึง 24 เม.ย.")
        said = await chat.type("klang2", "/summary")  # the acting head reads the unit's progress
        assert "กองคลัง" in said.text and "ไม่มีสิทธิ์" not in said.text
        await tick(db, chat.settings, now=AFTER_DUE.astimezone(dt.UTC))
    async with db.session(commit=False) as s:
        rows = (await s.exec(select(Outbox).where(Outbox.key.contains(":head3:")).order_by(Outbox.id))).all()
    to_klang = [(r.chat_id, r.payload["text"]) for r in rows if "กองคลัง" in r.payload["text"].split(":")[0]]
    assert [who for who, _t in to_klang] == ["klang2"]
    assert to_klang[0][1].startswith("ถึงผู้รักษาราชการแทนผู้อำนวยการกองคลัง:")


async def test_acting_is_named_only_by_the_office_or_the_admin_and_ends_on_request(world):
    chat, db, org = world
    with time_machine.travel(MONDAY, tick=False):
        said = await chat.type("klang", "/acting กองคลัง มานี คลัง ถึง 20 มี.ค.")
        assert "ใช้คำสั่ง /acting ไม่ได้" in said.text  # a member names no acting officer
        said = await chat.type("klanghead", "/acting กองช่าง มานี คลัง ถึง 20 มี.ค.")
        assert "เฉพาะผู้ดูแลระบบ หรือผู้ดำรงตำแหน่งนั้นเอง" in said.text  # another unit's head neither
        said = await chat.type("admin", "/acting กองคลง มานี คลัง ถึง 20 มี.ค.")
        assert 'ไม่มีหน่วยงาน "กองคลง" หมายถึง กองคลัง หรือไม่' in said.text
        said = await chat.type("boss", "/acting ปลัด วิชัย หัวหน้าคลัง ถึง 20 มี.ค.")
        assert "รักษาราชการแทนปลัด" in said.text
        said = await chat.type("admin", "/acting")
        assert "วิชัย หัวหน้าคลัง: รักษาราชการแทนปลัด" in said.text
        said = await chat.type("klanghead", "/digest")  # the acting ปลัด reads what the ปลัด reads
        assert "สรุปประจำสัปดาห์" in said.text
        said = await chat.type("boss", "/acting ปลัด ยกเลิก")
        assert "ไม่มีผู้รักษาราชการแทนปลัดแล้ว" in said.text


async def test_an_admin_adds_a_day_off_in_chat_and_the_ladder_skips_it(world):
    chat, db, org = world
    with time_machine.travel(MONDAY, tick=False):
        said = await chat.type("admin", "/dayoff 16 มี.ค. งานประเพณีท้องถิ่น")
        assert "เพิ่มวันหยุด 16 มีนาคม 2569 (งานประเพณีท้องถิ่น) แล้ว" in said.text
        said = await chat.type("admin", "/dayoff 16 มี.ค.")
        assert "16 มีนาคม 2569 เป็นวันหยุดอยู่แล้ว" in said.text
        said = await chat.type("admin", "/dayoff")
        assert "16 มี.ค. 2569 งานประเพณีท้องถิ่น" in said.text
        said = await chat.type("admin", "/dayoff งานวัด")
        assert "กรุณาพิมพ์วันที่ก่อน" in said.text
        said = await chat.type("admin", "/dayoff 1 ม.ค. 2600 " + "ก" * 5000)
        assert "อยู่นอกช่วงนี้" in said.text and len(said.text) < 300
        said = await chat.type("klang", "/dayoff 17 มี.ค.")
        assert "ใช้คำสั่ง /dayoff ไม่ได้" in said.text
        report = await tick(db, chat.settings, now=MONDAY.astimezone(dt.UTC))
    assert report.queued == 0  # the opening day is the organisation's day off: nothing goes out
    with time_machine.travel(MONDAY + dt.timedelta(days=1), tick=False):
        report = await tick(db, chat.settings, now=(MONDAY + dt.timedelta(days=1)).astimezone(dt.UTC))
        assert report.queued > 0  # the opening rung goes on the next working day
        said = await chat.type("admin", "/dayoff 16 มี.ค. ยกเลิก")
        assert "กลับเป็นวันทำงานแล้ว" in said.text


async def test_overdue_and_the_digest_say_who_of_a_late_unit_is_away(world):
    chat, db, org = world
    with time_machine.travel(AFTER_DUE, tick=False):
        await chat.type("klanghead", "/leave สมศรี คลัง ถึง 24 เม.ย.")
        said = await chat.type("boss", "/overdue")
        assert "กองคลัง" in said.text and "ลาอยู่: สมศรี คลัง (24 เม.ย. 2569)" in said.text
        said = await chat.type("boss", "/digest")
        assert "ลาอยู่: สมศรี คลัง (24 เม.ย. 2569)" in said.text


async def test_a_group_reminder_names_only_the_members_present_who_owe_answers(world):
    chat, db, org = world
    with time_machine.travel(MONDAY, tick=False):
        code = await invite_code(db, org, Role.MEMBER, "กองคลัง")
        said = await chat.type("admin", f"/bindgroup {code}", chat_id="-100300", chat_type="group")
        assert "กองคลัง" in said.text
        await chat.type("klang", "/leave วันนี้")
        await tick(db, chat.settings, now=MONDAY.astimezone(dt.UTC))
    async with db.session(commit=False) as s:
        rows = (await s.exec(select(Outbox).where(Outbox.kind == "reminder"))).all()
    to_group = [r for r in rows if r.chat_id == "-100300"]
    assert len(to_group) == 1 and to_group[0].payload["mentions"] == [["klang2", "มานี คลัง"]]
    assert not [r for r in rows if r.chat_id in ("klang", "klang2")]  # the group has it: nobody also in private


def test_telegram_mentions_cover_exactly_each_name():
    """The entities the adapter writes, read back by python-telegram-bot (UTF-16 offsets, Thai combining marks)."""
    from telegram import Message as TgMessage

    from base.events import Mention
    from bot.adapters.telegram import _mention_line

    text = "แจ้งเตือนกองคลัง: ยังมี 2 รายการ 🙏"
    line, entities = _mention_line([Mention("1001", "สมศรี ใจดี"), Mention("x", "ไม่มีเลข"), Mention("1002", "มานี")])
    full = text + "\n" + line
    shift = len((text + "\n").encode("utf-16-le")) // 2
    raw = {
        "message_id": 1,
        "date": 0,
        "chat": {"id": -1, "type": "group"},
        "text": full,
        "entities": [{**e, "offset": e["offset"] + shift} for e in entities],
    }
    parsed = TgMessage.de_json(raw, None).parse_entities()
    assert sorted(parsed.values()) == ["มานี", "สมศรี ใจดี"]
    assert sorted(e.user.id for e in parsed) == [1001, 1002]


async def test_the_manager_reached_for_a_unit_all_away_gets_one_message_not_two(world):
    chat, db, org = world
    with time_machine.travel(AFTER_DUE, tick=False):
        for who in ("สมศรี คลัง", "มานี คลัง"):
            await chat.type("klanghead", f"/leave {who} ถึง 24 เม.ย.")
        await chat.type("klanghead", "/leave ถึง 24 เม.ย.")
        await tick(db, chat.settings, now=AFTER_DUE.astimezone(dt.UTC))
    async with db.session(commit=False) as s:
        rows = (await s.exec(select(Outbox).where(Outbox.chat_id == "boss", Outbox.kind == "reminder"))).all()
    sent = [r for r in rows if r.state != "dropped" and "กองคลัง" in r.payload["text"]]
    assert len(sent) == 1 and sent[0].payload["text"].startswith("ผู้อำนวยการกองคลังลาอยู่ และไม่มีผู้รักษาราชการแทนที่อยู่")
    assert [r.last_error for r in rows if r.state == "dropped" and ":over" in r.key] == ["repeat"]
