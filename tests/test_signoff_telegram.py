"""Sign-off end to end on Telegram: the bot process (with its scheduler, which delivers the offices' messages from
the outbox) against the telegram-test-api emulator — sent, returned with a comment, fixed, agreed, approved,
published; the documents reach the ปลัด and the นายก as files."""

from __future__ import annotations

import asyncio
import time

import httpx
from sqlmodel import select
from test_telegram_e2e import BotProcess

from storage.db import Database
from storage.models import SignoffDecision
from support.chat import org_with_admin_invite
from support.telegram import BotMessage, Peer, with_buttons


def arrives(peer: Peer, uid: int, expect: str, seen: int = 0, timeout: float = 30) -> BotMessage:
    """Wait for a message the bot sends on its own (from the outbox), after the first ``seen`` ones."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = [m for m in peer.messages(uid)[seen:] if expect in m.text]
        if found:
            return found[-1]
        time.sleep(0.1)
    raise AssertionError(
        f"nothing with {expect!r} reached {uid}; last: {[m.text[:80] for m in peer.messages(uid)][-3:]}"
    )


def answer_not_started(peer: Peer, uid: int) -> None:
    listing = with_buttons(peer.say(uid, "/report", "รอรายงาน"))
    pick = next(data for _label, data in listing.buttons if data.startswith("pk:"))
    q = with_buttons(peer.press(uid, listing, pick, "รายการนี้มีสถานะอย่างไร"))
    ev = with_buttons(peer.press(uid, q, q.button("ยังไม่ดำเนินการ"), "หลักฐาน"))
    s = with_buttons(peer.press(uid, ev, ev.button("ต่อไป"), "กรุณาตรวจสอบคำตอบ"))
    peer.press(uid, s, s.button("ยืนยัน"), "บันทึกแล้ว")


def test_sign_off_on_telegram(tmp_path, emulator):
    client_url, api_url = emulator
    db_url = f"sqlite+aiosqlite:///{tmp_path / 'tidtam.db'}"
    admin_code = asyncio.run(org_with_admin_invite(db_url))
    bot = BotProcess(tmp_path, api_url, db_url)
    bot.env["RUN_SCHEDULER"] = "true"  # the dispatcher delivers what is queued to the offices
    bot.start()
    peer = Peer(client_url)
    ADMIN, KLANG, PALAD, MAYOR = 100, 201, 300, 400
    try:
        peer.say(ADMIN, f"/start {admin_code}", "ยินดีต้อนรับสู่ Tidtam")
        peer.say(ADMIN, "ผู้ดูแล ระบบ", "ลงทะเบียนเรียบร้อย")
        for who, command, name in (
            (KLANG, "/invite กองคลัง member", "สมศรี คลัง"),
            (PALAD, "/invite manager", "สมปอง ปลัดดี"),
            (MAYOR, "/invite manager", "สมชาย นายกดี"),
        ):
            code = peer.say(ADMIN, command, "รหัสเชิญ")[-1].text.splitlines()[-1]
            peer.say(who, f"/start {code}", "กรุณาพิมพ์ชื่อ")
            peer.say(who, name, "ลงทะเบียนเรียบร้อย")
        answer_not_started(peer, KLANG)
        peer.say(ADMIN, "/signoff chain ปลัด สมปอง ปลัดดี; นายก สมชาย นายกดี", "2. นายกเทศมนตรีตำบลทดสอบ: สมชาย นายกดี")
        q = with_buttons(peer.say(ADMIN, "/round close", "ปิดรอบ 6 เดือนหรือไม่"))
        peer.press(ADMIN, q, q.button("ปิดรอบ 6 เดือน"), "ปิดแล้ว")

        # sent; the ปลัด sends it back with a comment
        peer.say(ADMIN, "/signoff 6", "ส่งถึง สมปอง ปลัดดี")
        asked = arrives(peer, PALAD, "ขอความเห็นชอบจากปลัดเทศบาลตำบลทดสอบ")
        peer.press(PALAD, asked, asked.button("ส่งกลับ"), "พิมพ์ความเห็น")
        peer.say(PALAD, "กรุณาตรวจสอบผลของกองคลังอีกครั้ง", "ส่งกลับถึงผู้ดูแลระบบ")
        seen = len(peer.messages(ADMIN))
        arrives(peer, ADMIN, "กรุณาตรวจสอบผลของกองคลังอีกครั้ง")

        # fixed, sent again, agreed by the ปลัด and approved by the นายก
        q = with_buttons(peer.say(ADMIN, "/round open 6", "เปิดรอบ 6 เดือนหรือไม่"))
        peer.press(ADMIN, q, q.button("เปิดรอบ 6 เดือน"), "เปิดอยู่")
        answer_not_started(peer, KLANG)
        q = with_buttons(peer.say(ADMIN, "/round close", "ปิดรอบ 6 เดือนหรือไม่"))
        peer.press(ADMIN, q, q.button("ปิดรอบ 6 เดือน"), "ปิดแล้ว")
        before = len(peer.messages(PALAD))
        peer.say(ADMIN, "/signoff 6", "ส่งถึง สมปอง ปลัดดี")
        asked = arrives(peer, PALAD, "ขอความเห็นชอบ", before)
        peer.press(PALAD, asked, asked.button("ส่งกลับ"), "พิมพ์ความเห็น")  # changed their mind: /cancel, then agree
        peer.say(PALAD, "/cancel", "")
        peer.press(PALAD, asked, asked.button("เห็นชอบ"), "บันทึกแล้ว: เห็นชอบ โดย สมปอง ปลัดดี")
        asked = arrives(peer, MAYOR, "ขออนุมัติจากนายกเทศมนตรีตำบลทดสอบ")
        peer.press(MAYOR, asked, asked.button("อนุมัติ"), "บันทึกแล้ว: อนุมัติ โดย สมชาย นายกดี")
        arrives(peer, ADMIN, "ได้รับอนุมัติแล้ว", seen)
        peer.say(KLANG, "/report", "")  # the round is closed and approved: nothing to answer
        peer.say(ADMIN, "/round open 6", "คำตอบจึงถูกล็อก")

        # published, with the approval stated
        peer.say(ADMIN, "/publish on tessaban", "หน้าเผยแพร่")
        q = with_buttons(peer.say(ADMIN, "/publish round 6", "สิ่งที่จะเผยแพร่"))
        peer.press(ADMIN, q, q.button("เผยแพร่"), "เผยแพร่แล้ว")

        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            documents = httpx.get(f"{api_url}/harness/documents").json()
            if sum(1 for chat, _name in documents if chat == str(MAYOR)) >= 3:
                break
            time.sleep(0.2)
        for who in (PALAD, MAYOR):
            names = sorted(name for chat, name in documents if chat == str(who))
            assert "tidtam-2569-round6-report.pdf" in names and "tidtam-2569-round6-memo.pdf" in names, documents
    finally:
        bot.stop()

    async def decisions():
        db = Database(db_url)
        async with db.session(commit=False) as s:
            rows = (await s.exec(select(SignoffDecision).order_by(SignoffDecision.id))).all()
        await db.dispose()
        return [(r.decision.value, r.platform, r.account) for r in rows]

    assert asyncio.run(decisions()) == [
        ("return", "telegram", str(PALAD)),
        ("approve", "telegram", str(PALAD)),
        ("approve", "telegram", str(MAYOR)),
    ]
    log = bot.log.read_text(encoding="utf-8")
    assert "Traceback" not in log, log[-3000:]
