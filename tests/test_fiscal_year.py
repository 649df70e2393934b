"""A whole fiscal year through the neutral core: the 12-month round builds on the 6-month one.

กองคลัง owns five items (1.2.2-2 is every unit's, 2.2-2 it shares with กองช่าง). In the 6-month
round it completes three and leaves one in progress; the 12-month round then asks it for two
only, shows the 6-month answer beside each, and the documents carry the whole year.
"""

from __future__ import annotations

import datetime as dt
import subprocess
import unicodedata
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from docx import Document
from docx.oxml.ns import qn
from sqlmodel import select

from base.settings import Settings
from bot.cli.report import summary_json
from locales.thai import to_thai_digits
from reports.export import export
from reports.model import build_report
from reports.tables import detail_table, status_table
from scheduler.tick import tick
from storage.answers import Answers
from storage.chain import verify_org
from storage.db import Database
from storage.models import AuditLog, Organisation, Outbox, PlanItem, Role, Round, RoundState, Status, StatusReport, Unit
from storage.open_rounds import unit_counts
from storage.repo import Plan, Rounds
from storage.year import Years
from support.chat import Chat, invite_code, join, round_change, setup_org
from support.paths import EXAMPLE_PLAN

BKK = ZoneInfo("Asia/Bangkok")


@pytest.fixture
async def world(tmp_path, db_url):
    """On SQLite and on PostgreSQL."""
    db = Database(db_url)
    await db.upgrade()
    org = await setup_org(db, EXAMPLE_PLAN)
    settings = Settings(data_dir=tmp_path / "data")
    chat = Chat(db, settings)
    await join(chat, "admin", await invite_code(db, org, Role.ADMIN), "ผู้ดูแล ระบบ")
    await join(chat, "boss", await invite_code(db, org, Role.MANAGER), "ปลัด ทดสอบ")
    await join(chat, "klang", await invite_code(db, org, Role.MEMBER, "กองคลัง"), "สมศรี คลัง")
    await join(chat, "chang", await invite_code(db, org, Role.MEMBER, "กองช่าง"), "สมชาย ช่าง")
    yield chat, db, org, settings
    await db.dispose()


async def answer_code(chat: Chat, user: str, code: str, status: str, *, money: str = "-", done: str = "ทำแล้ว"):
    """Answer the item ``code`` from /status; returns the reply to the confirm press."""
    listing = await chat.type(user, "/status")
    said = await chat.press(user, next(b.data for b in listing.buttons if f" {code} " in b.label))
    said = await chat.press(user, said.button(status))
    for _ in range(8):
        if "กรุณาตรวจสอบคำตอบ" in said.text:
            return await chat.press(user, said.button("ยืนยัน"))
        if "หลักฐาน (ไม่บังคับ)" in said.texts[-1]:
            said = await chat.press(user, said.button("ต่อไป"))
        elif "เหตุใดจึงดำเนินการไม่ได้" in said.texts[-1]:
            said = await chat.press(user, said.button("บุคลากรไม่เพียงพอ"))
        elif "ดำเนินการอะไร" in said.texts[-1]:
            said = await chat.type(user, done)
        elif "เบิกจ่าย" in said.texts[-1]:
            said = await chat.type(user, money)
        else:
            said = await chat.type(user, "1")
    raise AssertionError(said.text)


async def six_month_round(chat: Chat) -> None:
    for code in ("2.2-1", "2.2-3", "2.2-4"):
        assert "บันทึกแล้ว" in (await answer_code(chat, "klang", code, "แล้วเสร็จ")).text
    said = await answer_code(chat, "klang", "1.2.2-2", "อยู่ระหว่าง", money="5,000", done="ปลูกต้นไม้ ๒ ครั้ง")
    assert "บันทึกแล้ว" in said.text
    await answer_code(chat, "chang", "2.2-2", "แล้วเสร็จ")  # กองช่าง's part of the shared item


async def test_the_twelve_month_round_asks_only_what_is_not_completed(world):
    chat, db, org, settings = world
    await six_month_round(chat)
    said = await round_change(chat, "admin", "/round open 12")
    assert "ปิดรอบเดิมก่อน" in said.text or "เปิดอยู่" in said.text  # one round at a time
    await round_change(chat, "admin", "/round close")
    said = await round_change(chat, "admin", "/round open 12")
    assert "ยกคำตอบที่ดำเนินการแล้วเสร็จในรอบ 6 เดือนมา 4 คำตอบ" in said.text

    # the completed pairs are carried: in the round, completed, awaited by no one
    async with db.session(commit=False) as s:
        answers = Answers(s, org)
        twelve = await answers.open_round()
        klang = (await s.exec(select(Unit).where(Unit.name == "กองคลัง"))).one()
        carried = [r for r in (await answers.latest(twelve)).values() if r.carried]
        assert sorted([(await s.get(PlanItem, r.item_id)).code for r in carried]) == [
            "2.2-1",
            "2.2-2",
            "2.2-3",
            "2.2-4",
        ]
        assert all(r.status == Status.COMPLETED and r.round_id == twelve.id for r in carried)
        waiting = await answers.awaiting(twelve, [klang.id])
        assert sorted(p.item.code for p in waiting) == ["1.2.2-2", "2.2-2"]
        assert (await unit_counts(s))[(twelve.id, klang.id)] == (5, 2)  # what the ladder reads: 2 awaiting
        carry_lines = (await s.exec(select(AuditLog).where(AuditLog.action == "carry"))).all()
        assert len(carry_lines) == 4 and all(a.old["round"] != a.new["round"] for a in carry_lines)

    said = await chat.type("klang", "/report")
    assert said.text.startswith("มี 2 รายการ") and len([b for b in said.buttons if b.data.startswith("pk:")]) == 2
    said = await chat.type("klang", "/status")
    carried_label = next(b for b in said.buttons if " 2.2-1 " in b.label)
    assert "(ยกมา)" in carried_label.label and carried_label.label.startswith("✅")
    said = await chat.press("klang", carried_label.data)  # an item already answered shows its answer
    assert "คำตอบปัจจุบัน (ยกมาจากรอบ 6 เดือน):" in said.text and "ดำเนินการแล้วเสร็จ" in said.text

    # the item in progress in March shows that answer, and one press keeps it; only the money is new
    said = await chat.type("klang", "/report")
    said = await chat.press("klang", next(b.data for b in said.buttons if "1.2.2-2" in b.label))
    assert "คำตอบในรอบ 6 เดือน:" in said.text and "ปลูกต้นไม้ ๒ ครั้ง" in said.text and "5,000.00" in said.text
    said = await chat.press("klang", said.button("ไม่เปลี่ยนแปลงจากรอบ 6 เดือน"))
    assert "1.2.2-2" in said.texts[0]  # the item stays in view
    assert "ทั้งปีงบประมาณเบิกจ่ายไปแล้วรวมเท่าไร" in said.text and "รอบ 6 เดือน: 5,000.00 บาท" in said.text
    said = await chat.type("klang", "๑๒,๐๐๐")
    assert "กรุณาตรวจสอบคำตอบ" in said.text and "ปลูกต้นไม้ ๒ ครั้ง" in said.text
    said = await chat.press("klang", said.button("ยืนยัน"))
    assert "บันทึกแล้ว: 1.2.2-2" in said.text

    # the manager's view agrees, and says what was carried
    said = await chat.type("boss", "/summary")
    assert "สรุปรอบ 12 เดือน" in said.text and "ยกมาจากรอบ 6 เดือนเป็นดำเนินการแล้วเสร็จ: 4 คำตอบ" in said.text
    assert "กองคลัง: 1 จาก 5 รายการ" in said.text
    assert "สะสมทั้งปีงบประมาณ" in said.text

    # /overdue and the digest read the same: กองคลัง owes 2.2-2 only, กองช่าง 1.2.2-2 (its 2.2-2 was carried)
    with time_machine.travel(dt.datetime(2026, 10, 20, 10, 0, tzinfo=BKK), tick=False):
        said = await chat.type("boss", "/overdue")
    assert "กองคลัง: รอรายงาน 1 รายการ" in said.text and "กองช่าง: รอรายงาน 1 รายการ" in said.text
    said = await chat.type("boss", "/digest")
    assert "ยกมาจากรอบ 6 เดือนเป็นดำเนินการแล้วเสร็จ: 4 คำตอบ" in said.text

    # round 6 cannot be reopened under round 12
    said = await round_change(chat, "admin", "/round close")
    said = await round_change(chat, "admin", "/round open 6")
    assert "เปิดรอบ 6 เดือนอีกไม่ได้" in said.text
    async with db.session(commit=False) as s:
        six = (await s.exec(select(Round).where(Round.org_id == org, Round.months == 6))).one()
        assert six.state == RoundState.CLOSED

    # the documents of round 12 carry the whole year
    async with db.session(commit=False) as s:
        organisation = await s.get(Organisation, org)
        twelve = (await s.exec(select(Round).where(Round.org_id == org, Round.months == 12))).one()
        report = await build_report(s, settings, organisation, twelve, thai_digits=False)
    rows = {r.item.code: r for r in report.rows}
    assert rows["2.2-1"].status == "completed" and rows["2.2-1"].answers[0].carried
    assert rows["2.2-2"].status == "in_progress"  # กองช่าง's part carried, กองคลัง's still awaited
    assert rows["1.2.2-2"].disbursed == Decimal("12000.00")
    assert report.summary.carried == 4
    figures = summary_json(report)
    assert figures["carried_from_6_months"] == 4 and figures["cumulative_for_the_year"] is True
    assert figures["awaiting_answers"] == sum(u.awaiting for u in report.summary.units) > 0
    assert "ผลรอบ 12 เดือนเป็นผลสะสมทั้งปีงบประมาณ (1 ตุลาคม 2568 – 30 กันยายน 2569)" in report.cumulative_text()
    assert "ดำเนินการแล้วเสร็จ †" in next(
        r.cells[5] for r in detail_table(report).rows if r.kind == "data" and r.cells[1] == rows["2.2-1"].item.title
    )
    status_rows = status_table(report).rows
    assert any("† ยกมาจากรอบ 6 เดือน" in r.cells[-1] for r in status_rows)


async def test_a_carried_answer_can_still_be_changed_and_the_audit_shows_both(world):
    chat, db, org, settings = world
    await six_month_round(chat)
    await round_change(chat, "admin", "/round close")
    await round_change(chat, "admin", "/round open 12")
    said = await answer_code(chat, "klang", "2.2-1", "อยู่ระหว่าง")
    assert "บันทึกแล้ว: 2.2-1" in said.text
    async with db.session(commit=False) as s:
        answers = Answers(s, org)
        twelve = await answers.open_round()
        item = await answers.item_by_code(twelve.fiscal_year_id, "2.2-1")
        history = await answers.history(item.id)
        assert [(h.round_id == twelve.id, h.carried, h.status.value) for h in history] == [
            (False, False, "completed"),
            (True, True, "completed"),
            (True, False, "in_progress"),
        ]
        actions = [
            a.action
            for a in (
                await s.exec(
                    select(AuditLog).where(
                        AuditLog.entity == "status_report", AuditLog.entity_id.in_([h.id for h in history])
                    )
                )
            ).all()
        ]
        assert sorted(actions) == ["answer", "answer", "carry"]


async def test_carrying_is_idempotent_and_needs_a_completed_answer(world):
    chat, db, org, settings = world
    await answer_code(chat, "klang", "2.2-1", "แล้วเสร็จ")
    await answer_code(chat, "klang", "2.2-3", "ดำเนินการไม่ได้")
    await round_change(chat, "admin", "/round close")
    await round_change(chat, "admin", "/round open 12")
    async with db.session() as s:
        answers = Answers(s, org)
        twelve = await answers.open_round()
        assert await answers.carry_forward(twelve, "test") == 0  # again: nothing new
        latest = await answers.latest(twelve)
        assert [r.status for r in latest.values()] == [Status.COMPLETED]
        six = await answers.earlier_round(twelve)
        report = await build_report(s, settings, await s.get(Organisation, org), six)
    assert summary_json(report)["cannot_reasons"] == {"staff": 1}
    assert any(
        "[กองคลัง]" not in c and "เหตุผล: บุคลากรไม่เพียงพอ" in c for r in status_table(report).rows for c in r.cells[-1:]
    )


async def test_an_early_opening_tells_units_now(world):
    chat, db, org, settings = world
    await round_change(chat, "admin", "/round close")
    with time_machine.travel(dt.datetime(2026, 9, 1, 9, 0, tzinfo=BKK), tick=False):
        said = await round_change(chat, "admin", "/round open 12")
        assert "เปิดอยู่" in said.text
        await tick(db, settings)
    async with db.session(commit=False) as s:
        twelve = (await s.exec(select(Round).where(Round.org_id == org, Round.months == 12))).one()
        assert twelve.opens_on == dt.date(2026, 9, 1)
        keys = (await s.exec(select(Outbox.key).where(Outbox.kind == "reminder"))).all()
    assert any(k.endswith(":open:telegram:klang") for k in keys), keys


async def test_no_thank_you_push_after_the_reply_said_it(world):
    chat, db, org, settings = world
    for code in ("1.2.2-2", "2.2-2"):
        said = await answer_code(chat, "chang", code, "แล้วเสร็จ")
    assert "หน่วยงานของคุณรายงานครบทุกรายการ" in said.text
    with time_machine.travel(dt.datetime(2026, 4, 1, 10, 0, tzinfo=BKK), tick=False):
        await tick(db, settings)
    async with db.session(commit=False) as s:
        thanks = (await s.exec(select(Outbox.chat_id).where(Outbox.kind == "thanks"))).all()
    assert "chang" not in thanks


async def test_hints_only_for_what_the_person_may_run(world):
    chat, db, org, settings = world
    said = await chat.type("boss", "สวัสดี")
    assert "/report" not in said.text and "/help" in said.text
    said = await chat.type("klang", "สวัสดี")
    assert "/report" in said.text


async def test_english_dates_in_english(world):
    chat, db, org, settings = world
    await chat.type("klang", "/lang en")
    said = await chat.type("klang", "/report")
    assert "10 April 2026" in said.text and "เมษายน" not in said.text


async def test_line_greeting_says_to_type_the_code(tmp_path):
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'line.db'}")
    await db.upgrade()
    said = await Chat(db, Settings(data_dir=tmp_path), platform="line").type("U1", "/start")
    await db.dispose()
    assert "พิมพ์ /start ตามด้วยรหัสเชิญ" in said.text and "ลิงก์" not in said.text


# ---------------------------------------------------------------- the budget basis and shared items


async def test_one_budget_basis_in_the_chat_the_checks_and_the_documents(world):
    chat, db, org, settings = world
    async with db.session() as s:
        item = (await s.exec(select(PlanItem).where(PlanItem.code == "1.2.2-2"))).one()
        item.budget_plan, item.budget_ordinance = Decimal("10000.00"), Decimal("8000.00")
        s.add(item)
    said = await chat.type("klang", "/report")
    said = await chat.press("klang", next(b.data for b in said.buttons if "1.2.2-2" in b.label))
    assert "งบประมาณตามแผน: 10,000.00 บาท; ตามข้อบัญญัติ/เทศบัญญัติ: 8,000.00 บาท" in said.text
    said = await chat.press("klang", said.button("แล้วเสร็จ"))
    said = await chat.type("klang", "ทำแล้ว")
    assert "งบประมาณ 8,000.00 บาท" in said.text
    said = await chat.type("klang", "9,000")
    assert "9,000.00 บาท มากกว่างบประมาณ 8,000.00 บาท" in said.text
    said = await chat.press("klang", said.button("ถูกต้อง"))
    for _ in range(4):
        if "กรุณาตรวจสอบ" in said.text:
            break
        said = await (chat.press("klang", said.button("ต่อไป")) if "หลักฐาน" in said.text else chat.type("klang", "1"))
    await chat.press("klang", said.button("ยืนยัน"))
    said = await chat.type("boss", "/item 1.2.2-2")
    assert "ตามข้อบัญญัติ/เทศบัญญัติ: 8,000.00 บาท" in said.text
    async with db.session(commit=False) as s:
        organisation = await s.get(Organisation, org)
        six = (await s.exec(select(Round).where(Round.org_id == org, Round.months == 6))).one()
        report = await build_report(s, settings, organisation, six, thai_digits=False)
    over = [c.message for c in report.checks if c.kind == "over_budget"]
    assert over == ["1.2.2-2: เบิกจ่าย 9,000.00 บาท มากกว่างบประมาณ 8,000.00 บาท"]
    assert report.budget_basis == report.budget - Decimal("2000.00")
    assert "ใช้งบตามข้อบัญญัติ/เทศบัญญัติเมื่อรายการมี" in report.disbursed_rule_text()


async def test_a_shared_item_says_so_and_item_shows_each_units_answer(world):
    chat, db, org, settings = world
    said = await chat.type("klang", "/report")
    said = await chat.press("klang", next(b.data for b in said.buttons if " 2.2-2 " in b.label))
    assert "รายการนี้มี 2 หน่วยงานร่วมรับผิดชอบ (กองคลัง, กองช่าง): ตอบเฉพาะส่วนของกองคลัง" in said.text
    said = await chat.press("klang", said.button("แล้วเสร็จ"))
    assert said.texts[0].startswith("2.2-2 ") and "สถานะ: ดำเนินการแล้วเสร็จ" in said.texts[0]
    await answer_code(chat, "chang", "2.2-2", "อยู่ระหว่าง")
    said = await chat.type("boss", "/item 2.2-2")
    assert "คำตอบของแต่ละหน่วยงานในรอบ 6 เดือน:" in said.text
    assert "กองช่าง: อยู่ระหว่างดำเนินการ" in said.text and "กองคลัง: รอรายงาน" in said.text
    assert "งบประมาณ: ไม่ใช้งบประมาณ" in said.text


# ---------------------------------------------------------------- the next year


async def test_year_start_copies_the_plan_and_leaves_the_old_year_alone(world):
    chat, db, org, settings = world
    await answer_code(chat, "klang", "2.2-1", "แล้วเสร็จ")
    async with db.session() as s:
        started = await Years(s, org).start(2570)
        assert (started.from_year, started.items) == (2569, 63)
    async with db.session(commit=False) as s:
        rounds = Rounds(s, org)
        old, new = await rounds.fiscal_year(2569), await rounds.fiscal_year(2570)
        plan = Plan(s, org)
        old_views, new_views = await plan.views(old), await plan.views(new)
        assert [
            (v.item.code, v.item.title, v.item.budget_plan, v.unit_names, v.mission.code, v.dimension.title)
            for v in old_views
        ] == [
            (v.item.code, v.item.title, v.item.budget_plan, v.unit_names, v.mission.code, v.dimension.title)
            for v in new_views
        ]
        assert {v.item.id for v in old_views}.isdisjoint(v.item.id for v in new_views)
        assert new_views[0].item.months == "ต.ค.69-ก.ย.70"  # the months move with the year
        assert [(r.months, r.opens_on, r.state) for r in await rounds.of_year(new)] == [
            (6, dt.date(2027, 3, 15), RoundState.PLANNED),
            (12, dt.date(2027, 9, 15), RoundState.PLANNED),
        ]
        answers = (await s.exec(select(StatusReport))).all()
        assert len(answers) == 1 and answers[0].round_id in [r.id for r in await rounds.of_year(old)]
        organisation = await s.get(Organisation, org)
        six = (await rounds.of_year(old))[0]
        assert (await build_report(s, settings, organisation, six)).count("completed") == 1
    async with db.session() as s:
        with pytest.raises(Exception, match="มีแผนอยู่แล้ว"):
            await Years(s, org).start(2570)


# ---------------------------------------------------------------- the documents, as rendered


def _bare(text: str) -> str:
    """As pdftotext can give Thai back: NFKD, no spaces, no combining marks (it reorders them)."""
    return "".join(
        c for c in unicodedata.normalize("NFKD", text) if not c.isspace() and unicodedata.category(c) != "Mn"
    )


def _page_texts(pdf) -> list[str]:
    out = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    return out.split("\f")[:-1]


async def test_twelve_month_documents_rows_whole_thai_page_numbers_cumulative(world, tmp_path):
    chat, db, org, settings = world
    await six_month_round(chat)
    await round_change(chat, "admin", "/round close")
    await round_change(chat, "admin", "/round open 12")
    async with db.session(commit=False) as s:
        organisation = await s.get(Organisation, org)
        twelve = (await s.exec(select(Round).where(Round.org_id == org, Round.months == 12))).one()
        report = await build_report(s, settings, organisation, twelve)
    files = {p.name.split("-")[-1]: p for p in export(report, ["docx", "pdf"], tmp_path / "out")}

    doc = Document(str(files["report.docx"]))
    for table in doc.tables:
        for row in table.rows[1:]:
            assert row._tr.trPr is not None and row._tr.trPr.find(qn("w:cantSplit")) is not None
        assert table.rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None  # the header repeats
    assert {s._sectPr.find(qn("w:pgNumType")).get(qn("w:fmt")) for s in doc.sections} == {"thaiNumbers"}

    pages = _page_texts(files["report.pdf"])
    assert pages[0].strip().splitlines()[-1].strip() != to_thai_digits("1")  # the cover carries no number
    for n, text in enumerate(pages[1:], start=2):
        assert text.strip().splitlines()[-1].strip() == to_thai_digits(str(n)), n  # ๒, ๓, … at the foot
    everything = _bare("".join(pages))
    assert _bare("ผลรอบ ๑๒ เดือนเป็นผลสะสมทั้งปีงบประมาณ (๑ ตุลาคม ๒๕๖๘ – ๓๐ กันยายน ๒๕๖๙)") in everything
    status_pages = [p for p in pages if _bare("บรรจุไว้ใน") in _bare(p)]
    assert status_pages
    for row in report.rows:  # each row whole: its number and the start of its title on one line
        number = to_thai_digits(str(row.no))
        lines = [line for page in status_pages for line in page.splitlines() if line.strip().startswith(number + " ")]
        assert any(_bare(row.item.title)[:6] in _bare(line) for line in lines), (row.no, lines)


async def test_forged_presses_of_the_new_buttons_are_refused_and_write_nothing(world):
    chat, db, org, settings = world
    said = await chat.type("klang", "/report")
    said = await chat.press("klang", said.buttons[0].data)
    tk = said.button("แล้วเสร็จ").split(":")[1]
    for data in (f"rc:{tk}:b", f"st:{tk}:=", f"rc:{tk}:zz", "rc:forged:b", "pk:1:2:3", "st:" + "x" * 500):
        said = await chat.press("klang", data)
        assert "Traceback" not in said.text and ("ใช้ไม่ได้" in said.text or "คำตอบก่อนหน้า" in said.text), data
    async with db.session(commit=False) as s:
        assert (await s.exec(select(StatusReport))).all() == []


async def test_last_years_plan_as_a_workbook_keeps_formula_like_titles_as_text(world, tmp_path):
    from openpyxl import load_workbook

    from storage.plan_template import plan_row, write_template

    chat, db, org, settings = world
    async with db.session() as s:
        item = (await s.exec(select(PlanItem).where(PlanItem.code == "2.2-1"))).one()
        item.title = '=HYPERLINK("http://evil.example","คลิก")'
        s.add(item)
    async with db.session(commit=False) as s:
        rows = [plan_row(v) for v in await Plan(s, org).views(await Rounds(s, org).fiscal_year(2569))]
    book = load_workbook(write_template(tmp_path / "plan.xlsx", rows))
    cells = [c for row in book["แผน"].iter_rows() for c in row if isinstance(c.value, str) and c.value.startswith("=")]
    assert cells and all(c.data_type == "s" for c in cells)  # text, never a formula


async def test_an_early_twelve_month_opening_can_be_taken_back_while_nobody_answered_in_it(world):
    """Pressed in April by mistake: round 6 is not stranded — the opening is taken back, the carried answers go,
    round 12 is planned on its own date again, and round 6 reopens to collect what it still awaits."""
    chat, db, org, settings = world
    with time_machine.travel(dt.datetime(2026, 4, 20, 10, 0, tzinfo=BKK), tick=False):
        await six_month_round(chat)
        await round_change(chat, "admin", "/round close")
        said = await round_change(chat, "admin", "/round open 12")
        assert "ยกคำตอบ" in said.text
        question = await chat.type("admin", "/round undo")
        assert "ยกเลิกการเปิดรอบ 12 เดือนหรือไม่" in question.text
        said = await chat.press("admin", question.button("ยกเลิกการเปิดรอบ"))
        assert "ยกเลิกการเปิดรอบ 12 เดือนแล้ว (นำคำตอบที่ยกมาออก 4 คำตอบ)" in said.text, said.text
        async with db.session(commit=False) as s:
            rounds = {r.months: r for r in (await s.exec(select(Round).where(Round.org_id == org))).all()}
            left = (await s.exec(select(StatusReport).where(StatusReport.round_id == rounds[12].id))).all()
        assert rounds[12].state == RoundState.PLANNED and rounds[12].opens_on == dt.date(2026, 9, 15) and left == []
        async with db.session(commit=False) as s:  # the carried answers went by the application's own hand
            assert (await verify_org(s, org))[1] is None
        said = await round_change(chat, "admin", "/round open 6")
        assert "เปิดรอบ 6 เดือนอีกไม่ได้" not in said.text
        # once a unit answers in round 12, the opening stays
        await round_change(chat, "admin", "/round close")
        await round_change(chat, "admin", "/round open 12")
        await answer_code(chat, "klang", "2.2-2", "อยู่ระหว่าง", money="1,000")
        said = await chat.type("admin", "/round undo")
        assert "มีหน่วยงานตอบในรอบ 12 เดือนแล้ว" in said.text and not said.buttons
