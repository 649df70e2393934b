"""Every chat flow through the neutral core, with no network: what people see, and what is stored."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
import time_machine
from sqlmodel import func, select

from base.settings import Settings
from storage.db import Database
from storage.models import AuditLog, GroupChat, Outbox, PlanItem, Role, Round, RoundNarrative, RoundState, StatusReport
from support.chat import Chat, invite_code, join, round_change, setup_org
from support.db import count_rows
from support.paths import EXAMPLE_PLAN


@pytest.fixture
async def world(tmp_path):
    """An organisation with the example plan, its 6-month round open, an admin and staff of two units."""
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'chat.db'}")
    await db.upgrade()
    org = await setup_org(db, EXAMPLE_PLAN)
    chat = Chat(db, Settings(data_dir=tmp_path / "data"))
    await join(chat, "admin", await invite_code(db, org, Role.ADMIN), "ผู้ดูแล ระบบ")
    await join(chat, "boss", await invite_code(db, org, Role.MANAGER), "ปลัด ทดสอบ")
    await join(chat, "klang", await invite_code(db, org, Role.MEMBER, "กองคลัง"), "สมศรี คลัง")
    await join(chat, "chang", await invite_code(db, org, Role.MEMBER, "กองช่าง"), "สมชาย ช่าง")
    yield chat, db, org
    await db.dispose()


async def answer(chat: Chat, user: str, status: str, *, done="ดำเนินการแล้ว", money="-", qty="1", reason="เหตุผล"):
    """Answer the item whose status question is on screen; returns the last reply."""
    said = await chat.press(user, (await chat.type(user, "/report")).buttons[0].data)
    said = await chat.press(user, said.button(status))
    steps = {"ดำเนินการอะไร": done, "เบิกจ่ายไปแล้ว": money, "ดำเนินการได้แล้วกี่": qty, "พิมพ์เหตุผล": reason}
    for _ in range(8):
        if "เหตุใดจึงดำเนินการไม่ได้" in said.text:
            said = await chat.press(user, said.button("อื่นๆ"))
            continue
        if "กรุณาตรวจสอบคำตอบ" in said.text:
            return await chat.press(user, said.button("ยืนยัน"))
        if "หลักฐาน (ไม่บังคับ)" in said.text:
            said = await chat.press(user, said.button("ต่อไป"))
            continue
        key = next(k for k in steps if k in said.texts[-1])
        said = await chat.type(user, steps[key])
    raise AssertionError(said.text)


# ---------------------------------------------------------------- onboarding


async def test_join_greets_in_thai_and_asks_the_name(world):
    chat, db, org = world
    code = await invite_code(db, org, Role.MEMBER, "กองการศึกษา")
    said = await chat.type("new", f"/start {code}")
    assert "ยินดีต้อนรับสู่ Tidtam" in said.text and "เจ้าหน้าที่ของกองการศึกษา" in said.text
    said = await chat.type("new", "มานี มีใจ")
    assert "ขอบคุณ มานี มีใจ" in said.text and "/report" in said.text and "/invite" not in said.text


@pytest.mark.parametrize("problem, expected", [("wrong", "ไม่ถูกต้อง"), ("used", "ถูกใช้ไปแล้ว"), ("expired", "หมดอายุแล้ว")])
async def test_bad_invite_codes(world, problem, expected):
    chat, db, org = world
    code = "NOSUCH99"
    if problem == "used":
        code = await invite_code(db, org, Role.MEMBER, "กองคลัง")
        await chat.type("first", f"/start {code}")
    if problem == "expired":
        code = await invite_code(db, org, Role.MEMBER, "กองคลัง", days=1)
        with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(days=2)):
            said = await chat.type("late", f"/start {code}")
    else:
        said = await chat.type("late", f"/start {code}")
    assert expected in said.text
    said = await chat.type("late", "/report")
    assert "กรุณาเปิดลิงก์เชิญ" in said.text  # not registered


async def test_one_person_in_two_units_and_multi_use_codes(world):
    chat, db, org = world
    shared = await invite_code(db, org, Role.MEMBER, "กองช่าง", uses=2)
    said = await chat.type("klang", f"/start {shared}")
    assert "เพิ่มบทบาทแล้ว" in said.text
    said = await chat.type("klang", "/report")
    assert "[กองช่าง]" in said.text or any("[กองช่าง]" in b.label for b in said.buttons)
    assert "ลงทะเบียนเรียบร้อย" in (await join(chat, "third", shared, "คนที่สาม")).text
    assert "ถูกใช้ไปแล้ว" in (await chat.type("fourth", f"/start {shared}")).text


# ---------------------------------------------------------------- check-in


async def test_full_answer_with_thai_digits_then_the_next_item_follows(world):
    chat, db, org = world
    said = await chat.type("klang", "/report")
    assert "รอรายงาน" in said.text and len(said.buttons) == 6  # five items, the form
    budget_item = next(b for b in said.buttons if "1.2.2-2" in b.label)
    said = await chat.press("klang", budget_item.data)
    assert "งบประมาณ: 20,000.00 บาท" in said.text
    said = await chat.press("klang", said.button("อยู่ระหว่าง"))
    said = await chat.type("klang", "ปลูกต้นไม้ ๒ ครั้ง มีผู้เข้าร่วม ๕๐ คน")
    assert "เบิกจ่ายไปแล้วเท่าไร" in said.text
    said = await chat.type("klang", "abc")
    assert 'อ่าน "abc" เป็นจำนวนเงินไม่ได้' in said.text
    said = await chat.type("klang", "ห้าพัน")
    assert "ตัวเลข" in said.text and "๕,๐๐๐" in said.text
    said = await chat.type("klang", "๑๒,๕๐๐.๕๐ บาท")
    assert "ดำเนินการได้แล้วกี่ครั้ง" in said.text
    said = await chat.type("klang", "๑")
    said = await chat.type("klang", "https://www.example.go.th/news/12")
    assert "ได้รับแล้ว (1)" in said.text
    said = await chat.press("klang", said.button("ต่อไป"))
    assert "เบิกจ่าย: 12,500.50 บาท" in said.text and "หลักฐาน: 1 รายการ" in said.text
    assert await count_rows(db, StatusReport) == 0  # nothing written before confirming
    said = await chat.press("klang", said.button("ยืนยัน"))
    assert "บันทึกแล้ว: 1.2.2-2" in said.text and "รายการนี้มีสถานะอย่างไร" in said.text
    async with db.session(commit=False) as s:
        report = (await s.exec(select(StatusReport))).one()
    assert report.disbursed == Decimal("12500.50") and report.qty_achieved == Decimal(1)
    assert report.evidence == [{"kind": "url", "url": "https://www.example.go.th/news/12"}]
    assert report.channel == "telegram" and report.done_text.startswith("ปลูกต้นไม้")
    async with db.session(commit=False) as s:
        assert (await s.exec(select(func.count()).select_from(AuditLog).where(AuditLog.action == "answer"))).one() == 1


async def test_a_long_list_pages_forward_and_back(world, monkeypatch):
    import handlers.checkin

    monkeypatch.setattr(handlers.checkin, "PAGE", 2)
    chat, _db, _org = world
    said = await chat.type("klang", "/report")
    assert "(หน้า 1 จาก 3)" in said.text and len(said.buttons) == 4  # two items, next, the form
    first = [b.label for b in said.buttons[:2]]
    said = await chat.press("klang", said.button("ถัดไป"))
    assert "(หน้า 2 จาก 3)" in said.text and [b.label for b in said.buttons[:2]] != first
    said = await chat.press("klang", said.button("ก่อนหน้า"))
    assert "(หน้า 1 จาก 3)" in said.text and [b.label for b in said.buttons[:2]] == first


async def test_amount_above_budget_asks_to_confirm(world):
    chat, db, org = world
    said = await chat.type("klang", "/report")
    said = await chat.press("klang", next(b for b in said.buttons if "1.2.2-2" in b.label).data)
    said = await chat.press("klang", said.button("แล้วเสร็จ"))
    await chat.type("klang", "ทำแล้ว")
    said = await chat.type("klang", "25,000")
    assert "มากกว่างบประมาณ" in said.text
    said = await chat.press("klang", said.button("ไม่ใช่"))
    said = await chat.type("klang", "19,999.99")
    assert "ดำเนินการได้แล้วกี่" in said.text


async def test_not_started_skips_to_evidence_and_cannot_asks_eplannacc_reason_first(world):
    chat, db, org = world
    said = await answer(chat, "klang", "ยังไม่ดำเนินการ")
    assert "บันทึกแล้ว" in said.text
    said = await chat.press("klang", said.button("ดำเนินการไม่ได้"))
    assert "เหตุใดจึงดำเนินการไม่ได้" in said.text and "ดำเนินการอะไร" not in said.text
    assert [b.label for b in said.buttons] == ["ไม่ได้รับงบประมาณ", "นโยบายผู้บริหารเปลี่ยนแปลง", "บุคลากรไม่เพียงพอ", "อื่นๆ"]
    said = await chat.press("klang", said.button("อื่นๆ"))
    assert "กรุณาพิมพ์เหตุผล" in said.text
    said = await chat.type("klang", "   ")
    assert "กรุณาพิมพ์ข้อความ" in said.text
    said = await chat.type("klang", "งดจัดกิจกรรมเนื่องจากโรคระบาด")
    for _ in range(3):
        if "กรุณาตรวจสอบคำตอบ" in said.text:
            break
        assert "หลักฐาน" not in said.text and "ดำเนินการอะไร" not in said.text
        said = await chat.type("klang", "-" if "เบิกจ่าย" in said.text else "๑")
    assert "เหตุผล: อื่นๆ: งดจัดกิจกรรม" in said.text
    await chat.press("klang", said.button("ยืนยัน"))
    async with db.session(commit=False) as s:
        rows = (await s.exec(select(StatusReport).order_by(StatusReport.id))).all()
    assert [r.status.value for r in rows] == ["not_started", "cannot"]
    assert rows[1].reason_category.value == "other" and rows[1].reason == "งดจัดกิจกรรมเนื่องจากโรคระบาด"
    assert rows[1].done_text == ""


async def test_a_reason_button_is_stored_with_no_text_and_counted(world):
    chat, db, org = world
    said = await chat.press("chang", (await chat.type("chang", "/report")).buttons[0].data)
    said = await chat.press("chang", said.button("ดำเนินการไม่ได้"))
    said = await chat.press("chang", said.button("บุคลากรไม่เพียงพอ"))
    for _ in range(3):
        if "กรุณาตรวจสอบคำตอบ" in said.text:
            break
        said = await chat.type("chang", "-")
    assert "เหตุผล: บุคลากรไม่เพียงพอ" in said.text
    await chat.press("chang", said.button("ยืนยัน"))
    said = await chat.type("boss", "/summary")
    assert "เหตุผลที่ดำเนินการไม่ได้:" in said.text and "บุคลากรไม่เพียงพอ: 1" in said.text
    code = (await chat.type("chang", "/status")).buttons[0].label.split()[1]
    said = await chat.type("boss", f"/item {code}")
    assert "เหตุผล: บุคลากรไม่เพียงพอ" in said.text


async def test_changing_an_answer_keeps_the_history(world):
    chat, db, org = world
    await answer(chat, "chang", "อยู่ระหว่าง")
    said = await chat.type("chang", "/status")
    assert "ยังรอรายงาน 1 จาก 2 รายการ" in said.text
    first = said.buttons[0]
    assert first.label.startswith("🔄")
    said = await chat.press("chang", first.data)
    said = await chat.press("chang", said.button("แล้วเสร็จ"))
    while "กรุณาตรวจสอบ" not in said.text:
        said = (
            (await chat.press("chang", said.button("ต่อไป")))
            if "หลักฐาน" in said.text
            else await chat.type("chang", "๑" if "กี่" in said.text else "-" if "เบิกจ่าย" in said.text else "เสร็จแล้ว")
        )
    await chat.press("chang", said.button("ยืนยัน"))
    said = await chat.type("chang", "/status")
    assert said.buttons[0].label.startswith("✅")
    assert await count_rows(db, StatusReport) == 2
    said = await chat.type("boss", "/item " + said.buttons[0].label.split()[1])
    assert "อยู่ระหว่างดำเนินการ" in said.text and "ดำเนินการแล้วเสร็จ" in said.text and "สมชาย ช่าง" in said.text


async def test_restart_in_the_middle_resumes_at_the_same_step(world, tmp_path):
    chat, db, org = world
    said = await chat.type("klang", "/report")
    said = await chat.press("klang", next(b for b in said.buttons if "1.2.2-2" in b.label).data)
    said = await chat.press("klang", said.button("อยู่ระหว่าง"))
    await chat.type("klang", "ประชุมแล้ว")
    await db.dispose()  # the process goes away; a new one opens the same database
    reborn = Chat(Database(db.url), chat.settings)
    said = await reborn.type("klang", "๓,๐๐๐")
    assert "ดำเนินการได้แล้วกี่ครั้ง" in said.text
    await reborn.db.dispose()


async def test_redelivered_event_is_processed_once(world):
    chat, db, org = world
    said = await chat.type("klang", "/report")
    from base.events import Incoming
    from handlers.core import handle

    event = Incoming(
        platform="telegram", user_id="klang", chat_id="klang", data=said.buttons[0].data, event_id="update-42"
    )
    first = await handle(db, event, chat.settings)
    again = await handle(db, event, chat.settings)
    assert first.messages and not again.messages


# ---------------------------------------------------------------- bad input: clear Thai, nothing written


async def test_bad_input_is_refused_clearly_and_writes_nothing(world):
    chat, db, org = world
    said = await chat.type("klang", "/report")
    pick = next(b for b in said.buttons if "1.2.2-2" in b.label).data
    said = await chat.press("klang", pick)
    status_button = said.button("อยู่ระหว่าง")
    said = await chat.press("klang", status_button)
    said = await chat.type("klang", "ก" * 20_000)
    assert "ยาวเกินไป (20,000 ตัวอักษร)" in said.text
    said = await chat.type("klang", "/nosuchcommand")
    assert "ไม่รู้จักคำสั่ง /nosuchcommand" in said.text
    for forged in ["st:zzzz:c", "pk:999999:1", "pk:abc", "ok:", "zz:1", "st:" + "x" * 60, "rnd:open:1"]:
        said = await chat.press("klang", forged)
        assert said.text and "Traceback" not in said.text, forged
    said = await chat.send_file(
        "klang", "photo.jpg", b"\xff\xd8" + b"0" * 100, kind="photo", size=30 * 1024 * 1024, mime="image/jpeg"
    )
    assert "ไฟล์ใหญ่เกินไป (30.0 MB)" in said.text
    assert await count_rows(db, StatusReport) == 0


async def test_old_button_after_the_round_closed(world):
    chat, db, org = world
    said = await chat.type("klang", "/report")
    said = await chat.press("klang", said.buttons[0].data)
    status_button = said.button("แล้วเสร็จ")
    said = await round_change(chat, "admin", "/round close")
    assert "ปิดแล้ว" in said.text
    said = await chat.press("klang", status_button)
    assert "รอบรายงานนี้ปิดแล้ว" in said.text
    said = await chat.type("klang", "/report")
    assert "ยังไม่เปิดรอบรายงาน" in said.text and "/round" not in said.text  # a hint only for who may run it
    assert await count_rows(db, StatusReport) == 0


async def test_evidence_files_are_stored_under_generated_names(world, tmp_path):
    chat, db, org = world
    said = await chat.type("klang", "/report")
    said = await chat.press("klang", said.buttons[0].data)
    await chat.press("klang", said.button("ยังไม่ดำเนินการ"))
    said = await chat.send_file("klang", "../../etc/passwd.pdf", b"%PDF-1.4 test", mime="application/pdf")
    assert "ได้รับแล้ว (1)" in said.text
    said = await chat.send_file("klang", "virus.exe", b"MZ", mime="application/octet-stream")
    assert "เก็บไฟล์ชนิดนี้เป็นหลักฐานไม่ได้" in said.text
    said = await chat.press("klang", said.button("ต่อไป"))
    await chat.press("klang", said.button("ยืนยัน"))
    async with db.session(commit=False) as s:
        evidence = (await s.exec(select(StatusReport))).one().evidence
    stored = chat.settings.data_dir / evidence[0]["path"]
    assert stored.read_bytes() == b"%PDF-1.4 test"
    assert stored.parent == chat.settings.data_dir / "evidence" / str(org) and stored.name != "passwd.pdf"
    assert evidence[0]["name"] == "passwd.pdf"
    # those who may see the item reach the file by a one-time download link
    said = await chat.type("boss", "/item " + (await chat.type("klang", "/status")).buttons[0].label.split()[1])
    token = said.text.split("/files/")[1].split()[0]
    from storage.files import redeem

    async with db.session() as s:
        path, name = await redeem(s, chat.settings, token)
    assert path.read_bytes() == b"%PDF-1.4 test" and name == "passwd.pdf"
    async with db.session() as s:
        assert await redeem(s, chat.settings, token) is None  # once


# ---------------------------------------------------------------- managers


async def test_summary_counts_exactly(world):
    """1.2.2-2 belongs to all units: กองคลัง's "completed" alone does not complete it."""
    chat, db, org = world
    await answer(chat, "klang", "แล้วเสร็จ", money="1,000")  # 1.2.2-2 (all units)
    await answer(chat, "klang", "แล้วเสร็จ")  # 2.2-1 (กองคลัง only)
    await answer(chat, "chang", "อยู่ระหว่าง")  # 1.2.2-2 again, for กองช่าง
    said = await chat.type("boss", "/summary")
    text = said.text
    assert "ทั้งหมด 63 รายการ" in text
    assert "ดำเนินการแล้วเสร็จ: 1" in text and "อยู่ระหว่างดำเนินการ: 1" in text and "รอรายงาน: 61" in text
    assert "ดำเนินการแล้ว: ร้อยละ 1.59" in text and "(1) ÷ รายการทั้งหมดในแผน (63)" in text
    assert "มิติที่ 1 (19 รายการ): รอรายงาน 18 · อยู่ระหว่างดำเนินการ 1" in text
    assert "เบิกจ่าย 1,000.00 บาท จากงบประมาณ 1,048,500.50 บาท" in text
    assert "กองคลัง: 3 จาก 5 รายการ" in text and "กองช่าง: 1 จาก 2 รายการ" in text


async def test_overdue_lists_units_and_people_after_the_due_date(world):
    chat, db, org = world
    said = await chat.type("boss", "/overdue")
    assert "ยังไม่มีรายการเลยกำหนด" in said.text or "เลยกำหนดตั้งแต่" in said.text
    with time_machine.travel(dt.datetime(2026, 4, 15, 9, 0, tzinfo=dt.UTC)):
        said = await chat.type("boss", "/overdue")
    assert "เลยกำหนดตั้งแต่ 10 เมษายน 2569 (5 วัน)" in said.text
    assert "กองคลัง: รอรายงาน 5 รายการ — สมศรี คลัง" in said.text
    assert "กองการศึกษา: รอรายงาน 6 รายการ — ยังไม่มีผู้ลงทะเบียน" in said.text


async def test_the_report_list_tells_the_due_date_as_it_stands(world):
    """The list says what the reminder says: before the due date, answer by it; after, how many days past."""
    chat, db, org = world
    with time_machine.travel(dt.datetime(2026, 4, 3, 9, 0, tzinfo=dt.UTC)):
        assert "(ตอบภายใน 10 เมษายน 2569)" in (await chat.type("klang", "/report")).text
    with time_machine.travel(dt.datetime(2026, 4, 10, 9, 0, tzinfo=dt.UTC)):
        assert "(วันนี้ 10 เมษายน 2569 เป็นวันสุดท้ายที่ต้องตอบ)" in (await chat.type("klang", "/report")).text
    with time_machine.travel(dt.datetime(2026, 4, 17, 9, 0, tzinfo=dt.UTC)):
        said = await chat.type("klang", "/report")
    assert "(เลยกำหนด 10 เมษายน 2569 มาแล้ว 7 วัน)" in said.text and "ตอบภายใน" not in said.text


# ---------------------------------------------------------------- authorisation


async def test_members_cannot_see_or_answer_other_units(world):
    chat, db, org = world
    said = await chat.type("chang", "/report")
    chang_pick = said.buttons[0].data
    item_id, unit_id = chang_pick.split(":")[1:]
    said = await chat.press("klang", chang_pick)
    assert "เฉพาะรายการของหน่วยงานตนเอง" in said.text
    for command in [
        "/summary",
        "/overdue",
        "/invite กองคลัง member",
        "/round open 12",
        "/remind",
        "/import",
        "/narrative",
        "/units",
        "/members",
    ]:
        said = await chat.type("klang", command)
        assert "ขออภัย" in said.text, command
    said = await chat.type("klang", "/item 4.1.1-1")  # an item of สำนักปลัด only
    assert "เป็นของหน่วยงานอื่น" in said.text
    said = await chat.type("boss", "/invite กองคลัง member")
    assert "ขออภัย" in said.text
    async with db.session(commit=False) as s:
        refused = (await s.exec(select(AuditLog).where(AuditLog.action == "refused"))).all()
    assert len(refused) >= 12
    assert await count_rows(db, StatusReport) == 0


async def test_another_organisation_is_invisible(world, tmp_path):
    chat, db, org = world
    other = await setup_org(db, EXAMPLE_PLAN, name="อบต.อื่น")
    await join(chat, "stranger", await invite_code(db, other, Role.MEMBER, "กองคลัง"), "คนนอก")
    said = await chat.type("stranger", "/report")
    theirs = said.buttons[0].data
    said = await chat.type("klang", "/report")
    ours = said.buttons[0].data
    assert theirs != ours
    said = await chat.press("klang", theirs)
    assert "เฉพาะรายการของหน่วยงานตนเอง" in said.text
    said = await chat.type("admin", "/members")
    assert "คนนอก" not in said.text and "สมศรี คลัง" in said.text
    said = await chat.type("boss", "/summary")
    assert "ทั้งหมด 63 รายการ" in said.text


# ---------------------------------------------------------------- admins


async def test_invite_from_chat_gives_a_deep_link(world):
    chat, db, org = world
    said = await chat.type("admin", "/invite กองการศึกษา head 3")
    code = said.texts[-1].splitlines()[-1]
    assert f"https://t.me/TidtamTestBot?start={code}" in said.text and "ใช้ได้ 3 ครั้ง" in said.text
    said = await join(chat, "head1", code, "หัวหน้า ศึกษา")
    assert "ลงทะเบียนเรียบร้อย" in said.text
    said = await chat.type("admin", "/invite กองที่ไม่มี member")
    assert 'ไม่พบหน่วยงานชื่อ "กองที่ไม่มี"' in said.text


async def test_remind_only_units_still_awaiting_and_prefers_the_group(world):
    chat, db, org = world
    code = await invite_code(db, org, Role.MEMBER, "กองช่าง")
    said = await chat.type("admin", f"/bindgroup {code}", chat_id="-100200", chat_type="group")
    assert "กลุ่มนี้จะได้รับการเตือนของกองช่าง" in said.text
    for _ in range(2):
        await answer(chat, "chang", "แล้วเสร็จ")
    said = await chat.type("admin", "/remind")
    targets = {(d.chat_id, d.message.text.split(":")[0]) for d in said.response.deliveries}
    assert ("klang", "แจ้งเตือนกองคลัง") in targets
    assert all(chat_id != "-100200" for chat_id, _ in targets)  # กองช่าง has answered everything
    reminder = next(d for d in said.response.deliveries if d.chat_id == "klang").message
    assert "ยังมี 5 รายการรอรายงาน" in reminder.text and "10 เมษายน 2569" in reminder.text
    assert reminder.buttons[0][0].data == "cmd:report"
    assert "ยังไม่มีผู้ลงทะเบียน" in said.text  # สำนักปลัด, กองการศึกษา
    async with db.session(commit=False) as s:
        assert (await s.exec(select(GroupChat))).one().chat_id == "-100200"
        queued = (await s.exec(select(Outbox))).all()  # the dispatcher sends them, within rate limits
    assert [(r.chat_id, r.kind, r.payload["text"].split(":")[0]) for r in queued] == [
        ("klang", "reminder", "แจ้งเตือนกองคลัง")
    ]
    said = await chat.type("admin", "/remind")  # again, at once: nobody is pushed the same reminder twice
    assert said.response.deliveries == []
    assert "ไม่ได้ส่งซ้ำ เพราะเพิ่งได้รับการเตือนเมื่อไม่ถึง 20 ชั่วโมงก่อน: กองคลัง" in said.text


@pytest.mark.slow
async def test_import_from_chat_dry_run_then_confirm(world, tmp_path):
    chat, db, org = world
    await chat.type("admin", "/import")
    content = EXAMPLE_PLAN.read_text(encoding="utf-8").replace("โครงการสมุดความดี", "โครงการสมุดบันทึกความดี", 1)
    said = await chat.send_file("admin", "แผน.csv", content.encode("utf-8"))
    assert "ทดลองนำเข้า" in said.text and "เปลี่ยนแปลง 1" in said.text
    async with db.session(commit=False) as s:
        assert (
            await s.exec(select(func.count()).select_from(PlanItem).where(PlanItem.title.like("%สมุดบันทึกความดี%")))
        ).one() == 0
    said = await chat.press("admin", said.button("นำเข้า"))
    assert "นำเข้าแล้ว" in said.text
    async with db.session(commit=False) as s:
        assert (
            await s.exec(select(func.count()).select_from(PlanItem).where(PlanItem.title.like("%สมุดบันทึกความดี%")))
        ).one() == 1
    await chat.type("admin", "/import")
    bad = content.replace('"๑๐,๐๐๐"', '"หนึ่งหมื่น"', 1)
    said = await chat.send_file("admin", "bad.csv", bad.encode("utf-8"))
    assert "ไฟล์แผนมีปัญหา 1 จุด" in said.text and "แถว 2" in said.text
    said = await chat.send_file("admin", "plan.docx", b"PK\x03\x04")
    assert "ต้องเป็น .xlsx หรือ .csv" in said.text
    # a misspelt unit is named against the units already stored, and nothing is offered to import
    typo = content.replace("กองคลัง", "กองคลงั", 1)
    said = await chat.send_file("admin", "typo.csv", typo.encode("utf-8"))
    assert "หมายถึง กองคลัง หรือไม่" in said.text and not said.buttons


async def test_narrative_and_round_buttons(world):
    chat, db, org = world
    said = await chat.type("admin", "/narrative")
    said = await chat.press("admin", said.button("ปัญหาอุปสรรค"))
    said = await chat.type("admin", "บุคลากรมีภารกิจมาก")
    assert 'บันทึก "ปัญหาอุปสรรค" แล้ว' in said.text
    async with db.session(commit=False) as s:
        assert (await s.exec(select(RoundNarrative))).one().problems == "บุคลากรมีภารกิจมาก"
    said = await chat.type("admin", "/round")
    said = await chat.press("admin", said.button("ปิดรอบ 6 เดือน"))
    assert "ปิดรอบ 6 เดือนหรือไม่" in said.text  # a question first: one press changes nothing
    async with db.session(commit=False) as s:
        assert {r.months: r.state for r in (await s.exec(select(Round))).all()}[6] == RoundState.OPEN
    said = await chat.press("admin", said.button("ปิดรอบ 6 เดือน"))
    told = {d.chat_id: d.message.text for d in said.response.deliveries}
    assert {"klang", "chang"} <= set(told) and all("ปิดแล้ว: ส่งคำตอบรอบนี้ไม่ได้อีก" in t for t in told.values())
    question = await chat.press("admin", said.button("เปิดรอบ 12 เดือน"))
    assert "ย้อนกลับไม่ได้" in question.text and "เปิดรอบ 6 เดือนอีกไม่ได้" in question.text
    assert re.search(r"รอบ 6 เดือนยังรอคำตอบอีก \d+ คำตอบ จาก \d+ หน่วยงาน", question.text)
    assert "ไม่ได้เปลี่ยนแปลง" in (await chat.press("admin", question.button("ยกเลิก"))).text
    assert "คำถามก่อนหน้า" in (await chat.press("admin", question.button("เปิดรอบ 12 เดือน"))).text  # stale
    said = await chat.press("admin", (await chat.type("admin", "/round open 12")).button("เปิดรอบ 12 เดือน"))
    async with db.session(commit=False) as s:
        states = {r.months: r.state for r in (await s.exec(select(Round))).all()}
    assert states == {6: RoundState.CLOSED, 12: RoundState.OPEN}


async def test_help_depends_on_role_and_language_switch(world):
    chat, db, org = world
    member_help = (await chat.type("klang", "/help")).text
    admin_help = (await chat.type("admin", "/help")).text
    assert "/report" in member_help and "/invite" not in member_help and "/summary" not in member_help
    assert "/invite" in admin_help and "/remind" in admin_help
    said = await chat.type("klang", "/lang en")
    assert "English" in said.text
    said = await chat.type("klang", "/report")
    assert "awaiting your answer" in said.text
    said = await chat.press("klang", said.buttons[0].data)
    assert "What is the status" in said.text and said.buttons[0].label == "Not started"


async def test_forget_a_person_keeps_the_answers_but_not_the_name(world):
    from storage.models import ChannelAccount, Person
    from storage.people import forget_person

    chat, db, org = world
    await answer(chat, "klang", "แล้วเสร็จ", money="1,000")
    async with db.session() as s:
        person = (await s.exec(select(Person).where(Person.display_name == "สมศรี คลัง"))).one()
        counts = await forget_person(s, org, person, actor="test")
    assert counts["accounts"] == 1 and counts["roles"] == 1 and counts["audit_rows_scrubbed"] >= 1
    async with db.session(commit=False) as s:
        assert await s.get(Person, person.id) is not None
        assert "สมศรี" not in (await s.get(Person, person.id)).display_name
        assert not (await s.exec(select(ChannelAccount).where(ChannelAccount.person_id == person.id))).all()
        report = (await s.exec(select(StatusReport))).one()
        assert report.person_id == person.id and report.disbursed == Decimal("1000.00")
        logs = (await s.exec(select(AuditLog))).all()
    assert all("สมศรี คลัง" not in str(log.old) + str(log.new) for log in logs)
    said = await chat.type("klang", "/report")
    assert "กรุณาเปิดลิงก์เชิญ" in said.text  # the chat account is gone
    said = await chat.type("boss", "/summary")
    assert "ดำเนินการแล้วเสร็จ" in said.text


async def test_a_file_must_be_what_its_name_says(world):
    chat, db, org = world
    said = await chat.type("klang", "/report")
    said = await chat.press("klang", said.buttons[0].data)
    await chat.press("klang", said.button("ยังไม่ดำเนินการ"))
    said = await chat.send_file("klang", "report.pdf", b"MZ\x90\x00 an executable", mime="application/pdf")
    assert "ไม่ใช่ไฟล์ PDF ตามชื่อ" in said.text
    said = await chat.send_file("klang", "photo.jpg", b"\xff\xd8\xff\xe0 jpeg", kind="photo", mime="image/jpeg")
    assert "ได้รับแล้ว (1)" in said.text


def test_reminders_say_the_truth_about_the_due_date():
    from domain.due import Owed
    from handlers.reminders import reminder_message
    from locales.i18n import set_language

    set_language("th")
    rnd = Round(
        org_id=1,
        fiscal_year_id=1,
        months=6,
        period_start=dt.date(2025, 10, 1),
        period_end=dt.date(2026, 3, 31),
        opens_on=dt.date(2026, 3, 15),
        due_on=dt.date(2026, 4, 10),
        submit_by=dt.date(2026, 4, 30),
    )

    def said(day: dt.date, **kw) -> str:
        return reminder_message(rnd, "กองคลัง", Owed(0), today=day, **kw).text

    assert "กรุณาตอบภายใน 10 เมษายน 2569" in said(dt.date(2026, 4, 3))
    assert "วันนี้ (10 เมษายน 2569) เป็นวันสุดท้ายที่ต้องตอบ" in said(dt.date(2026, 4, 10))
    assert "เลยกำหนด (10 เมษายน 2569) มาแล้ว 7 วัน กรุณาตอบโดยเร็ว" in said(dt.date(2026, 4, 17))
    late = said(dt.date(2026, 4, 17), to_head=True)  # the head's own words: see to it, or answer
    assert late.startswith("เรียนหัวหน้ากองคลัง: หน่วยงานของคุณยังมี 0 รายการ") and "มาแล้ว 7 วัน" in late
    assert "ติดตาม" in late and "แจ้งเตือนกองคลัง" not in late and "ภายใน" not in late


async def test_an_invite_to_a_misspelt_unit_names_the_likely_one_in_chat(world):
    chat, _db, _org = world
    said = await chat.type("admin", "/invite กองคลง member")
    assert 'ไม่พบหน่วยงานชื่อ "กองคลง" หมายถึง กองคลัง หรือไม่' in said.text and "tidtam" not in said.text
    said = await chat.type("admin", "/invite กองไม่มี member")
    assert "หน่วยงานที่มี:" in said.text and "กองคลัง" in said.text
