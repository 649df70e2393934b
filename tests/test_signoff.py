"""Sign-off in chat: a closed round goes to the ปลัด, comes back with a comment, is fixed, goes again, is agreed by the
ปลัด and approved by the นายก, and is published with the approval stated; what is approved stays fixed until the
admin reopens it with a reason, and what changed after is marked."""

from __future__ import annotations

import asyncio
import datetime as dt
import re
import subprocess
import unicodedata

import pytest
import time_machine
from docx import Document
from sqlmodel import select
from test_chat import answer
from test_cli import tidtam

from base.settings import Settings
from base.values import BANGKOK
from locales.errors import UserError
from reports.public import PublicSite
from scheduler.tick import tick
from storage.answers import Answers
from storage.chain import answer_hash, reseal
from storage.db import Database
from storage.models import AuditLog, Outbox, PlanItem, Role, Signoff, SignoffDecision, StatusReport
from storage.publication import live_site
from storage.signoff import document_set_hash
from support.chat import Chat, invite_code, join, round_change, setup_org
from support.paths import EXAMPLE_PLAN

MONDAY = dt.datetime(2026, 4, 20, 9, 0, tzinfo=BANGKOK)  # after the 6-month round's due date


@pytest.fixture
async def world(tmp_path, db_url):
    db = Database(db_url)
    await db.upgrade()
    org = await setup_org(db, EXAMPLE_PLAN)
    settings = Settings(data_dir=tmp_path / "data", public_base_url="https://tidtam.example.go.th")
    chat = Chat(db, settings)
    with time_machine.travel(MONDAY, tick=True):
        await join(chat, "admin", await invite_code(db, org, Role.ADMIN), "ผู้ดูแล ระบบ")
        await join(chat, "palad", await invite_code(db, org, Role.MANAGER), "สมปอง ปลัดดี")
        await join(chat, "mayor", await invite_code(db, org, Role.MANAGER), "สมชาย นายกดี")
        await join(chat, "klang", await invite_code(db, org, Role.MEMBER, "กองคลัง"), "สมศรี คลัง")
        yield chat, db, org, settings
    await db.dispose()


async def sent_to(db: Database, chat_id: str) -> list[dict]:
    """What the outbox holds for one chat, oldest first."""
    async with db.session(commit=False) as s:
        rows = (await s.exec(select(Outbox).where(Outbox.chat_id == chat_id).order_by(Outbox.id))).all()
    return [r.payload for r in rows]


def button(payloads: list[dict], label: str) -> str:
    for p in reversed(payloads):
        for row in p.get("buttons", []):
            for b in row:
                if label in b["label"]:
                    return b["data"]
    raise AssertionError(f"no {label!r} button in {[p.get('text', '')[:60] for p in payloads]}")


def pdf_text(path) -> str:
    """As pdftotext gives Thai back: NFKD, no spaces, no combining marks."""
    out = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return "".join(c for c in unicodedata.normalize("NFKD", out) if not c.isspace() and unicodedata.category(c) != "Mn")


def bare(text: str) -> str:
    return "".join(
        c for c in unicodedata.normalize("NFKD", text) if not c.isspace() and unicodedata.category(c) != "Mn"
    )


async def test_round_through_return_agreement_approval_and_publication(world, tmp_path):
    chat, db, org, settings = world
    transcript: list[str] = []

    async def say(user: str, text: str):
        said = await chat.type(user, text)
        transcript.extend([f"{user}> {text}", *(f"bot> {t}" for t in said.texts if t)])
        return said

    async def press(user: str, data: str, label: str):
        said = await chat.press(user, data)
        transcript.extend([f"{user}> [{label}]", *(f"bot> {t}" for t in said.texts if t)])
        return said

    await answer(chat, "klang", "ดำเนินการแล้วเสร็จ", done="อบรมแล้ว", money="5,000")
    # a chain first; the round closed first; only the admin sends
    assert "ยังไม่ได้กำหนดลำดับผู้ลงนาม" in (await say("admin", "/signoff 6")).text
    assert "ไม่ใช่ตำแหน่ง" in (await say("admin", "/signoff chain รองนายก สมชาย นายกดี")).text
    assert "ไม่พบผู้ใช้ชื่อ" in (await say("admin", "/signoff chain ปลัด สมปองง ปลัดดี; นายก สมชาย นายกดี")).text
    assert "ต้องจบที่นายก" in (await say("admin", "/signoff chain นายก สมชาย นายกดี; ปลัด สมปอง ปลัดดี")).text
    said = await say("admin", "/signoff chain ปลัด สมปอง ปลัดดี; นายก สมชาย นายกดี")
    assert "1. ปลัดเทศบาลตำบลทดสอบ: สมปอง ปลัดดี" in said.text and "2. นายกเทศมนตรีตำบลทดสอบ: สมชาย นายกดี" in said.text
    assert "กรุณาปิดรอบก่อน" in (await say("admin", "/signoff 6")).text
    assert "ขออภัย" in (await say("klang", "/signoff 6")).text  # a unit member: not a command of theirs
    assert "เฉพาะผู้ดูแลระบบ" in (await say("palad", "/signoff 6")).text  # an office holder: only the admin sends
    await round_change(chat, "admin", "/round close")

    # sent: the documents are laid out, hashed, and go to the ปลัด with two buttons
    said = await say("admin", "/signoff 6")
    assert "ส่งถึง สมปอง ปลัดดี (ปลัดเทศบาลตำบลทดสอบ) แล้ว รหัสเอกสาร" in said.text, said.text
    to_palad = await sent_to(db, "palad")
    assert "ขอความเห็นชอบจากปลัดเทศบาลตำบลทดสอบ" in to_palad[0]["text"]
    assert sorted(p["attachment"]["filename"] for p in to_palad[1:]) == [
        "tidtam-2569-round6-memo.pdf",
        "tidtam-2569-round6-report.pdf",
        "tidtam-2569-round6-tables.xlsx",
    ]
    assert "รอความเห็นชอบอยู่แล้ว" in (await say("admin", "/signoff 6")).text
    # locked while it waits: the round cannot be reopened, and no answer can be saved
    assert "อยู่ระหว่างเสนอผู้บริหาร" in (await say("admin", "/round open 6")).text
    # the นายก may not decide the ปลัด's step; a forged press is refused
    assert "ขออภัย" in (await chat.press("mayor", button(to_palad, "เห็นชอบ"))).text

    # the ปลัด sends it back with a comment
    said = await press("palad", button(to_palad, "ส่งกลับ"), "ส่งกลับพร้อมความเห็น")
    assert "พิมพ์ความเห็น" in said.text
    said = await say("palad", "ข้อ 1.1.1-1 ยอดเบิกจ่ายไม่ตรงกับฎีกา กรุณาตรวจสอบ")
    assert "ส่งกลับถึงผู้ดูแลระบบพร้อมความเห็นแล้ว" in said.text
    assert "ยอดเบิกจ่ายไม่ตรงกับฎีกา" in (await sent_to(db, "admin"))[-1]["text"]
    assert "ไม่ได้รอการพิจารณาแล้ว" in (await chat.press("palad", button(to_palad, "เห็นชอบ"))).text  # stale

    # the compiler has the unit fix the answer, closes the round and sends it again
    await round_change(chat, "admin", "/round open 6")
    await answer(chat, "klang", "ดำเนินการแล้วเสร็จ", done="อบรมแล้ว", money="4,500")
    await round_change(chat, "admin", "/round close")
    said = await say("admin", "/signoff 6")
    assert "ส่งถึง สมปอง ปลัดดี" in said.text
    to_palad = await sent_to(db, "palad")
    said = await press("palad", button(to_palad, "เห็นชอบ"), "เห็นชอบ")
    assert "บันทึกแล้ว: เห็นชอบ โดย สมปอง ปลัดดี ปลัดเทศบาลตำบลทดสอบ" in said.text
    to_mayor = await sent_to(db, "mayor")
    assert "ขออนุมัติจากนายกเทศมนตรีตำบลทดสอบ" in to_mayor[0]["text"]
    said = await press("mayor", button(to_mayor, "อนุมัติ"), "อนุมัติ")
    assert "บันทึกแล้ว: อนุมัติ โดย สมชาย นายกดี นายกเทศมนตรีตำบลทดสอบ" in said.text
    assert "ได้รับอนุมัติแล้ว (0 วันทำการหลังปิดรอบ)" in (await sent_to(db, "admin"))[-1]["text"]
    said = await say("admin", "/signoff")
    assert "อนุมัติ" in said.text and "ใช้เวลา 0 วันทำการ" in said.text

    # the record: person, office, account, time, the document set's hash and the chain's head
    async with db.session(commit=False) as s:
        so = (await s.exec(select(Signoff).order_by(Signoff.id.desc()))).first()
        made = (await s.exec(select(SignoffDecision).where(SignoffDecision.signoff_id == so.id))).all()
    assert [(d.office.value, d.decision.value, d.name, d.platform, d.account) for d in made] == [
        ("palad", "approve", "สมปอง ปลัดดี", "telegram", "palad"),
        ("executive", "approve", "สมชาย นายกดี", "telegram", "mayor"),
    ]
    assert all(re.fullmatch(r"[0-9a-f]{64}", d.doc_hash + "") and len(d.chain_head) == 64 for d in made)
    assert document_set_hash((settings.data_dir / so.folder).iterdir()) == so.doc_hash  # the set sent is the set hashed

    # the approved documents say so, with the hash
    said = await say("admin", "/export 6")
    report = next(
        m.attachment.path for m in said.response.messages if m.attachment and "report.pdf" in m.attachment.filename
    )
    memo = next(
        m.attachment.path for m in said.response.messages if m.attachment and "memo.pdf" in m.attachment.filename
    )
    text = pdf_text(report)
    assert bare("อนุมัติผ่านระบบ Tidtam โดย สมชาย นายกดี ตำแหน่ง นายกเทศมนตรีตำบลทดสอบ") in text
    assert bare("เห็นชอบผ่านระบบ Tidtam โดย สมปอง ปลัดดี") in text
    assert so.doc_hash in text
    memo_text = pdf_text(memo)
    assert bare("อนุมัติผ่านระบบ Tidtam โดย สมชาย นายกดี") in memo_text
    code = so.doc_hash[:4].upper()
    assert code in memo_text

    # locked once approved: the storage refuses, the round will not reopen
    async with db.session() as s:
        last = (await s.exec(select(StatusReport).order_by(StatusReport.id.desc()))).first()
        copy = StatusReport(**{k: v for k, v in last.model_dump().items() if k not in ("id", "row_hash")})
        with pytest.raises(UserError, match="ได้รับอนุมัติแล้ว คำตอบจึงถูกล็อก"):
            await Answers(s, org).save(copy, "test")
    assert "คำตอบจึงถูกล็อก" in (await say("admin", "/round open 6")).text

    # published with the approval stated
    await chat.type("admin", "/publish on tessaban")
    first = await say("admin", "/publish round 6")
    await chat.press("admin", first.button("เผยแพร่"))
    page = (settings.data_dir / "public").rglob("*")
    assert page  # the files were written
    async with db.session(commit=False) as s:
        site = await live_site(s, "tessaban")
        html = (await PublicSite(s, settings, site).round_page(2569, 6)).html
    assert "ผ่านความเห็นชอบของผู้บริหารเมื่อ" in html and "สมชาย" not in html
    public_pdf = pdf_text(next((settings.data_dir / "public").rglob("report.pdf")))
    assert bare("ผ่านความเห็นชอบของนายกเทศมนตรีตำบลทดสอบ ผ่านระบบ Tidtam") in public_pdf
    assert bare("สมชาย") not in public_pdf and bare("สมปอง") not in public_pdf  # the office, not the person
    docx = next(
        m.attachment.path for m in said.response.messages if m.attachment and "report.docx" in m.attachment.filename
    )
    paragraphs = [p.text for p in Document(str(docx)).paragraphs]
    assert any(p.startswith("อนุมัติผ่านระบบ Tidtam โดย สมชาย นายกดี") for p in paragraphs)

    # reopened with a reason; the change is marked; publishing again needs approval again (or a stated reason)
    assert "กรุณาระบุเหตุผล" in (await say("admin", "/signoff reopen 6")).text
    assert "ยาวเกินไป" in (await say("admin", "/signoff reopen 6 " + "ก" * 1001)).text
    said = await say("admin", "/signoff reopen 6 สตง. ทักท้วงยอดเบิกจ่ายข้อ 1.1.1-1")
    assert "เปิดแก้ไขรอบ 6 เดือนหลังอนุมัติแล้ว" in said.text
    await round_change(chat, "admin", "/round open 6")
    with time_machine.travel(MONDAY + dt.timedelta(minutes=5)):
        await answer(chat, "klang", "ดำเนินการแล้วเสร็จ", done="อบรมแล้ว", money="4,400")
    await round_change(chat, "admin", "/round close")
    async with db.session(commit=False) as s:
        code_item = (await s.exec(select(StatusReport).order_by(StatusReport.id.desc()))).first()
        item = await s.get(PlanItem, code_item.item_id)
    said = await say("admin", f"/item {item.code}")
    assert "แก้ไขหลังอนุมัติ" in said.text
    said = await say("admin", "/publish round 6")
    assert "ยังไม่ผ่านความเห็นชอบของผู้บริหาร" in said.text
    said = await say("admin", "/publish round 6 override ต้องเผยแพร่ตามกำหนด ITA ก่อนผู้บริหารกลับจากราชการ")
    await chat.press("admin", said.button("เผยแพร่"))
    async with db.session(commit=False) as s:
        site = await live_site(s, "tessaban")
        html = (await PublicSite(s, settings, site).round_page(2569, 6)).html
        lines = (await s.exec(select(AuditLog.action).where(AuditLog.entity == "signoff"))).all()
    assert "เผยแพร่ก่อนผู้บริหารให้ความเห็นชอบ" in html and "ก่อนผู้บริหารกลับจากราชการ" in html
    assert "ผ่านความเห็นชอบของผู้บริหารเมื่อ" not in html
    assert lines.count("decide") == 3 and "reopened" in lines and lines.count("send") == 2
    (tmp_path / "transcript.txt").write_text("\n".join(transcript), encoding="utf-8")
    print("transcript:", tmp_path / "transcript.txt")
    assert not any("Traceback" in t for t in transcript)


async def sent_for_signoff(chat: Chat) -> None:
    await answer(chat, "klang", "ยังไม่ดำเนินการ")
    await chat.type("admin", "/signoff chain ปลัด สมปอง ปลัดดี; นายก สมชาย นายกดี")
    await round_change(chat, "admin", "/round close")
    assert "ส่งถึง" in (await chat.type("admin", "/signoff 6")).text


async def test_a_waiting_office_is_reminded_every_two_working_days_and_its_acting_officer_too(world):
    chat, db, org, settings = world
    await sent_for_signoff(chat)
    await join(
        chat,
        "deputy",
        await invite_code(db, org, Role.MEMBER, "กองคลัง"),
        "วันดี รองปลัด",
    )
    assert "รักษาราชการแทน" in (await chat.type("admin", "/acting ปลัด วันดี รองปลัด ถึง 30 เม.ย.")).text
    before = len(await sent_to(db, "palad"))
    # Monday 20 → Tuesday 21: one working day, nothing yet; Wednesday 22: two, the first reminder
    for day, expected in ((21, 0), (22, 1), (23, 1), (24, 2)):
        at = dt.datetime(2026, 4, day, 9, 30, tzinfo=BANGKOK)
        with time_machine.travel(at, tick=False):
            await tick(db, settings, at)
            await tick(db, settings, at + dt.timedelta(minutes=1))  # the next minute queues nothing again
        reminders = [p for p in (await sent_to(db, "palad"))[before:] if p["text"].startswith("เตือน")]
        assert len(reminders) == expected, (day, [p["text"][:50] for p in reminders])
    assert "รอการพิจารณามาแล้ว 2 วันทำการ" in reminders[0]["text"]
    deputy = [p for p in await sent_to(db, "deputy") if p["text"].startswith("เตือน")]
    assert len(deputy) == 2  # who acts for the ปลัด is reminded too, and may decide
    said = await chat.press("deputy", button(deputy, "เห็นชอบ"))
    assert "รักษาราชการแทนปลัดเทศบาลตำบลทดสอบ" in said.text
    # the นายก's office now waits; a weekend and Labour Day do not count
    async with db.session(commit=False) as s:
        so = (await s.exec(select(Signoff))).one()
    assert so.position == 1


async def test_hostile_and_careless_presses_change_nothing(world, tmp_path):
    chat, db, org, settings = world
    await sent_for_signoff(chat)
    to_palad = await sent_to(db, "palad")
    approve = button(to_palad, "เห็นชอบ")
    # while it waits, no answer of the round can be saved by any way in (the chat, the form, the CLI all save here)
    async with db.session() as s:
        last = (await s.exec(select(StatusReport).order_by(StatusReport.id.desc()))).first()
        copy = StatusReport(**{k: v for k, v in last.model_dump().items() if k not in ("id", "row_hash")})
        with pytest.raises(UserError, match="อยู่ระหว่างเสนอผู้บริหาร"):
            await Answers(s, org).save(copy, "test")
    sid = approve.split(":")[1]
    # a forged press for another sign-off, another office, or a made-up answer
    assert "ไม่ได้รอการพิจารณา" in (await chat.press("palad", f"so:{int(sid) + 7}:0:a")).text
    assert "ไม่ได้รอการพิจารณา" in (await chat.press("palad", f"so:{sid}:1:a")).text
    assert "ใช้ไม่ได้" in (await chat.press("palad", f"so:{sid}:0:z")).text
    assert "ใช้ไม่ได้" in (await chat.press("palad", "so:" + "9" * 5000 + ":0:a")).text
    assert "ขออภัย" in (await chat.press("klang", approve)).text  # a member may not decide
    # a comment is bounded, and an empty one asks again without deciding
    await chat.press("palad", button(to_palad, "ส่งกลับ"))
    assert "ยาวเกินไป" in (await chat.type("palad", "ก" * 1001)).text
    async with db.session(commit=False) as s:
        so = (await s.exec(select(Signoff))).one()
    assert so.state.value == "pending"
    # the admin passes the ปลัด by — only with a reason
    assert "กรุณาระบุ" in (await chat.type("admin", "/signoff skip 6")).text
    said = await chat.type("admin", "/signoff skip 6 ปลัดลาศึกษาต่อ ไม่มีผู้รักษาราชการแทน")
    assert "ข้ามขั้นของปลัดเทศบาลตำบลทดสอบแล้ว" in said.text
    # pressed twice at once: one decision
    to_mayor = await sent_to(db, "mayor")
    results = await asyncio.gather(*(chat.press("mayor", button(to_mayor, "อนุมัติ")) for _ in range(2)))
    assert sum("บันทึกแล้ว" in r.text for r in results) == 1, [r.text for r in results]
    async with db.session(commit=False) as s:
        made = (await s.exec(select(SignoffDecision).order_by(SignoffDecision.id))).all()
    assert [d.decision.value for d in made] == ["skip", "approve"]
    # the skipped office is stated in the documents with its reason
    said = await chat.type("admin", "/export 6")
    report = next(
        m.attachment.path for m in said.response.messages if m.attachment and "report.pdf" in m.attachment.filename
    )
    assert bare("ผู้ดูแลระบบข้ามขั้นนี้") in pdf_text(report) and bare("ปลัดลาศึกษาต่อ") in pdf_text(report)


def test_cli_shows_sets_skips_and_reopens_and_a_printed_head_catches_a_rewritten_history(cli_env, capsys):

    db_url = f"sqlite+aiosqlite:///{cli_env / 'data' / 'tidtam.db'}"

    async def closed() -> None:
        db = Database(db_url)
        await db.upgrade()
        org = await setup_org(db, EXAMPLE_PLAN)
        chat = Chat(db, Settings(data_dir=cli_env / "data"))
        await join(chat, "admin", await invite_code(db, org, Role.ADMIN), "ผู้ดูแล ระบบ")
        await join(chat, "palad", await invite_code(db, org, Role.MANAGER), "สมปอง ปลัดดี")
        await join(chat, "mayor", await invite_code(db, org, Role.MANAGER), "สมชาย นายกดี")
        await join(chat, "klang", await invite_code(db, org, Role.MEMBER, "กองคลัง"), "สมศรี คลัง")
        await answer(chat, "klang", "ยังไม่ดำเนินการ")
        await round_change(chat, "admin", "/round close")
        await db.dispose()

    async def approved() -> str:
        db = Database(db_url)
        chat = Chat(db, Settings(data_dir=cli_env / "data"))
        await chat.type("admin", "/signoff 6")
        await chat.press("palad", button(await sent_to(db, "palad"), "เห็นชอบ"))
        await chat.press("mayor", button(await sent_to(db, "mayor"), "อนุมัติ"))
        async with db.session(commit=False) as s:
            head = (await s.exec(select(SignoffDecision.chain_head).order_by(SignoffDecision.id.desc()))).first()
        await db.dispose()
        return head

    async def rewrite(thorough: bool) -> None:
        """What someone with write access to the database could do: change an answer, and recompute its hash, the
        line that sealed it and the whole chain after it — and (``thorough``) the heads the approvals recorded."""
        db = Database(db_url)
        async with db.session() as s:
            answer_row = (await s.exec(select(StatusReport))).first()
            answer_row.done_text = "แก้ไขนอกระบบ"
            answer_row.row_hash = answer_hash(answer_row)
            s.add(answer_row)
            line = (
                await s.exec(
                    select(AuditLog).where(AuditLog.entity == "status_report", AuditLog.entity_id == answer_row.id)
                )
            ).first()
            line.new = {**line.new, "sealed": answer_row.row_hash}
            s.add(line)
            await s.flush()
            await reseal(s, answer_row.org_id, line.id)
            if thorough:
                decided = (
                    await s.exec(select(AuditLog).where(AuditLog.action == "decide").order_by(AuditLog.id))
                ).all()
                for d in decided:
                    d.new = {**d.new, "chain_head": d.chain_prev}
                    s.add(d)
                    await s.flush()
                    await reseal(s, d.org_id, d.id)
        await db.dispose()

    with time_machine.travel(MONDAY, tick=True):
        asyncio.run(closed())
        code, _out, err = tidtam(capsys, "signoff", "chain", "ปลัด สมปอง ปลัดดี; รองนายก สมชาย นายกดี")
        assert code == 1 and "ไม่ใช่ตำแหน่ง" in err and "Traceback" not in err
        code, out, err = tidtam(capsys, "signoff", "chain", "ปลัด สมปอง ปลัดดี; นายก สมชาย นายกดี")
        assert code == 0 and "2. นายกเทศมนตรีตำบลทดสอบ: สมชาย นายกดี" in out, err
        code, out, err = tidtam(capsys, "signoff", "show")
        assert code == 0 and "ยังไม่ได้ส่งขอความเห็นชอบ" in out, err
        code, _out, err = tidtam(capsys, "signoff", "reopen", "6", "--reason", "แก้")
        assert code == 1 and "ยังไม่ได้รับอนุมัติ" in err
        code, _out, err = tidtam(capsys, "signoff", "skip", "6", "--reason", "ก" * 1001)
        assert code == 1 and "ยาวเกินไป" in err
        code, _out, err = tidtam(capsys, "publish", "on", "--slug", "tessaban")
        code, _out, err = tidtam(capsys, "publish", "round", "6", "--yes")
        assert code == 1 and "ยังไม่ผ่านความเห็นชอบของผู้บริหาร" in err, err
        head = asyncio.run(approved())
        code, out, err = tidtam(capsys, "audit", "verify", "--head", head)
        assert code == 0 and "ตรงกับประวัติที่เก็บไว้" in out, out + err
        code, _out, err = tidtam(capsys, "audit", "verify", "--head", "zz")
        assert code == 1 and "64 หลัก" in err
        asyncio.run(rewrite(thorough=False))
        code, out, err = tidtam(capsys, "audit", "verify")
        assert code == 1 and "ถูกแก้ไขนอกระบบ" in out, out  # the approval's line names the head it was given on
        asyncio.run(rewrite(thorough=True))
        code, out, err = tidtam(capsys, "audit", "verify")
        assert code == 0, out  # every hash recomputed by hand: the stored history alone cannot tell
        code, out, err = tidtam(capsys, "audit", "verify", "--head", head)
        assert code == 1 and "ประวัติถูกเขียนใหม่หลังการอนุมัตินั้น" in out, out
        code, out, err = tidtam(capsys, "signoff", "reopen", "6", "--reason", "สตง. ทักท้วง")
        assert code == 0 and "ต้องขออนุมัติใหม่" in out, err


async def test_the_years_plan_goes_along_the_chain_and_its_public_page_says_so(world):
    chat, db, org, settings = world
    await chat.type("admin", "/signoff chain ปลัด สมปอง ปลัดดี; นายก สมชาย นายกดี")
    said = await chat.type("admin", "/signoff plan")
    assert "ส่งแผนปฏิบัติการ ปีงบประมาณ 2569 ขอความเห็นชอบแล้ว" in said.text and "ส่งถึง สมปอง ปลัดดี" in said.text
    to_palad = await sent_to(db, "palad")
    assert "แผนปฏิบัติการป้องกันการทุจริต ประจำปีงบประมาณ 2569" in to_palad[0]["text"]
    assert "รวม 63 รายการ" in to_palad[0]["text"]
    assert sorted(p["attachment"]["filename"] for p in to_palad[1:]) == [
        "tidtam-2569-plan.pdf",
        "tidtam-2569-plan.xlsx",
    ]
    assert "แผนนี้รอความเห็นชอบอยู่แล้ว" in (await chat.type("admin", "/signoff plan")).text
    assert "แผนปฏิบัติการ ปีงบประมาณ 2569 รอคุณพิจารณา" in (await chat.type("palad", "/signoff")).text
    await chat.press("palad", button(to_palad, "เห็นชอบ"))
    await chat.press("mayor", button(await sent_to(db, "mayor"), "อนุมัติ"))
    assert "หน้าเผยแพร่แผนแสดงการอนุมัตินี้แล้ว" in (await sent_to(db, "admin"))[-1]["text"]
    assert "ไม่มีรายงานที่รอคุณพิจารณา" in (await chat.type("palad", "/signoff")).text
    assert "ไม่ต้องเปิดแก้ไข" in (await chat.type("admin", "/signoff reopen plan เหตุผล")).text
    said = await chat.type("admin", "/signoff")
    assert "แผนปฏิบัติการ ปีงบประมาณ 2569: อนุมัติ" in said.text and "ใช้เวลา 0 วันทำการ" in said.text
    # ITA O23: the plan's page says it was approved, by the office, in the system
    await chat.type("admin", "/publish on tessaban")
    async with db.session(commit=False) as s:
        html = (await PublicSite(s, settings, await live_site(s, "tessaban")).year_page(2569)).html
    assert "ผู้บริหารให้ความเห็นชอบแผนนี้เมื่อ ๒๐ เมษายน ๒๕๖๙ (นายกเทศมนตรีตำบลทดสอบ ผ่านระบบ Tidtam รหัสเอกสาร" in html


def test_the_approval_and_an_override_on_the_public_pages_in_chromium(cli_env, browser, tmp_path):
    """What a citizen and an assessor see, at 320 and 390 px, axe-core clean: the plan's and the round's approval,
    then the round published again before a new approval, with the admin's reason."""
    import concurrent.futures

    from base.settings import get_settings
    from bot.web.app import create_app
    from support.browser import Served, axe_violations
    from support.ports import free_port

    settings = get_settings()
    db_url = settings.effective_database_url

    async def approved_and_published(chat_steps) -> None:
        db = Database(db_url)
        await db.upgrade()
        chat = Chat(db, settings)
        await chat_steps(db, chat)
        await db.dispose()

    async def first(db, chat) -> None:
        org = await setup_org(db, EXAMPLE_PLAN)
        await join(chat, "admin", await invite_code(db, org, Role.ADMIN), "ผู้ดูแล ระบบ")
        await join(chat, "palad", await invite_code(db, org, Role.MANAGER), "สมปอง ปลัดดี")
        await join(chat, "mayor", await invite_code(db, org, Role.MANAGER), "สมชาย นายกดี")
        await join(chat, "klang", await invite_code(db, org, Role.MEMBER, "กองคลัง"), "สมศรี คลัง")
        await answer(chat, "klang", "ดำเนินการแล้วเสร็จ", done="อบรมแล้ว")
        await chat.type("admin", "/signoff chain ปลัด สมปอง ปลัดดี; นายก สมชาย นายกดี")
        await round_change(chat, "admin", "/round close")
        for what in ("plan", "6"):
            await chat.type("admin", f"/signoff {what}")
            await chat.press("palad", button(await sent_to(db, "palad"), "เห็นชอบ"))
            await chat.press("mayor", button(await sent_to(db, "mayor"), "อนุมัติ"))
        await chat.type("admin", "/publish on tessaban")
        await chat.press("admin", (await chat.type("admin", "/publish round 6")).button("เผยแพร่"))

    async def again(db, chat) -> None:
        await chat.type("admin", "/signoff reopen 6 สตง. ทักท้วงยอดเบิกจ่าย")
        said = await chat.type("admin", "/publish round 6 override ต้องเผยแพร่ตามกำหนด ITA ระหว่างรออนุมัติใหม่")
        await chat.press("admin", said.button("เผยแพร่"))

    def shots(label: str, expect: str) -> None:
        with Served(create_app(settings, Database(db_url)), free_port()) as served:
            for width in (320, 390):
                page = browser.new_context(viewport={"width": width, "height": 800}, bypass_csp=True).new_page()
                for path in ("/p/tessaban/2569/", "/p/tessaban/2569/6/"):
                    assert page.goto(served.url + path).status == 200
                    page.screenshot(path=str(tmp_path / f"{label}-{width}-{path.strip('/').replace('/', '-')}.png"))
                    assert page.evaluate("document.documentElement.scrollWidth") <= width, (path, width)
                assert expect in page.content()
                assert axe_violations(page) == []
                page.close()

    with time_machine.travel(MONDAY, tick=True), concurrent.futures.ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, approved_and_published(first)).result()
        shots("approved", "ผ่านความเห็นชอบของผู้บริหารเมื่อ")
        pool.submit(asyncio.run, approved_and_published(again)).result()
        shots("override", "เผยแพร่ก่อนผู้บริหารให้ความเห็นชอบ เหตุผลของผู้ดูแลระบบ: ต้องเผยแพร่ตามกำหนด ITA")
    print("screenshots in", tmp_path)
