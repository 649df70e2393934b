"""End to end through python-telegram-bot against telegram-test-api, the third-party Telegram emulator.

The bot runs as its own process (`python -m bot run`, long polling) against the emulator,
behind the harness proxy that corrects the emulator's known differences from Telegram.
People are played through the emulator's client routes: they type, press inline buttons,
and read what the bot sent — edits included.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path

from sqlmodel import select

from storage.db import Database
from storage.models import StatusReport
from support.chat import org_with_admin_invite
from support.paths import ROOT
from support.ports import free_port
from support.telegram import TOKEN, Peer, with_buttons


class BotProcess:
    def __init__(self, tmp_path: Path, api: str, db_url: str):
        self.log = tmp_path / "bot.log"
        self.env = {
            **os.environ,
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_API_BASE_URL": api,
            "DATABASE_URL": db_url,
            "DATA_DIR": str(tmp_path / "data"),
            "PYTHONPATH": str(ROOT),
            "TELEGRAM_WEBHOOK_URL": "",
            "TIDTAM_LANG": "th",
            # the scheduler has its own tests; here it would add digests at whatever hour CI runs
            "RUN_SCHEDULER": "false",
            "WEB_PORT": str(free_port()),  # long polling serves the web app too (the form, public pages)
        }
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        out = self.log.open("a")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bot", "run", "--poll-interval", "0.05"],
            env=self.env,
            cwd=self.log.parent,
            stdout=out,
            stderr=subprocess.STDOUT,
        )

    def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()


def test_a_round_on_telegram(tmp_path, emulator):
    client_url, api_url = emulator
    db_path = tmp_path / "tidtam.db"
    db_url = f"sqlite+aiosqlite:///{db_path}"

    admin_code = asyncio.run(org_with_admin_invite(db_url))
    bot = BotProcess(tmp_path, api_url, db_url)
    bot.start()
    peer = Peer(client_url)
    ADMIN, KLANG, CHANG, BOSS = 100, 201, 202, 300
    try:
        # onboarding: the admin joins, then invites two units' staff and a manager from chat
        peer.say(ADMIN, f"/start {admin_code}", "ยินดีต้อนรับสู่ Tidtam")
        peer.say(ADMIN, "ผู้ดูแล ระบบ", "ลงทะเบียนเรียบร้อย")
        codes = {}
        for who, command in (
            (KLANG, "/invite กองคลัง member"),
            (CHANG, "/invite กองช่าง member"),
            (BOSS, "/invite manager"),
        ):
            reply = peer.say(ADMIN, command, "รหัสเชิญ")[-1].text
            codes[who] = reply.splitlines()[-1]
            assert f"https://t.me/TestNameBot?start={codes[who]}" in reply
        for who, name in ((KLANG, "สมศรี คลัง"), (CHANG, "สมชาย ช่าง"), (BOSS, "ปลัด ทดสอบ")):
            peer.say(who, f"/start {codes[who]}", "กรุณาพิมพ์ชื่อ")
            peer.say(who, name, "ลงทะเบียนเรียบร้อย")

        # กองคลัง answers an item with a budget, pressing buttons and typing Thai digits
        listing = with_buttons(peer.say(KLANG, "/report", "รอรายงาน"))
        assert all("กองช่าง" not in label for label, _ in listing.buttons)
        pick = next(data for label, data in listing.buttons if "1.2.2-2" in label)
        question = with_buttons(peer.press(KLANG, listing, pick, "รายการนี้มีสถานะอย่างไร"))
        assert question.id == listing.id  # edited in place, not a new message
        peer.press(KLANG, question, question.button("อยู่ระหว่าง"), "ดำเนินการอะไร")
        peer.say(KLANG, "ปลูกต้นไม้ ๒ ครั้ง", "เบิกจ่ายไปแล้วเท่าไร")
        peer.say(KLANG, "abc", "เป็นจำนวนเงินไม่ได้")
        peer.say(KLANG, "๑๒,๕๐๐.๕๐", "ดำเนินการได้แล้วกี่ครั้ง")
        evidence = with_buttons(peer.say(KLANG, "๑", "หลักฐาน"))
        summary = with_buttons(peer.press(KLANG, evidence, evidence.button("ต่อไป"), "กรุณาตรวจสอบคำตอบ"))
        assert "เบิกจ่าย: 12,500.50 บาท" in summary.text
        # the saved note and the next awaiting item come in one reply: wait for the later of the two (waiting for
        # the first alone raced the second on a loaded machine)
        after = peer.press(KLANG, summary, summary.button("ยืนยัน"), "รายการนี้มีสถานะอย่างไร")
        assert any("บันทึกแล้ว: 1.2.2-2" in m.text for m in peer.messages(KLANG))
        nxt = with_buttons(after)  # the next awaiting item is asked at once
        assert "รายการนี้มีสถานะอย่างไร" in nxt.text
        second = with_buttons(peer.press(KLANG, nxt, nxt.button("แล้วเสร็จ"), "ดำเนินการอะไร"))
        del second
        peer.say(KLANG, "ตรวจสอบการเบิกจ่ายครบทุกฎีกา", "ดำเนินการได้แล้วกี่ครั้ง")
        ev = with_buttons(peer.say(KLANG, "1", "หลักฐาน"))
        done = with_buttons(peer.press(KLANG, ev, ev.button("ต่อไป"), "กรุณาตรวจสอบคำตอบ"))
        peer.press(KLANG, done, done.button("ยืนยัน"), "บันทึกแล้ว")

        # a member of กองคลัง cannot answer for กองช่าง, even with forged button data
        chang_list = with_buttons(peer.say(CHANG, "/report", "รอรายงาน"))
        chang_only = next(data for label, data in chang_list.buttons if "1.2.2-2" not in label)
        peer.press(KLANG, listing, chang_only, "เฉพาะรายการของหน่วยงานตนเอง")
        peer.press(KLANG, listing, "st:forged:c", "ปุ่มนี้เป็นของคำตอบก่อนหน้า")

        # กองช่าง answers, then changes its answer
        q = with_buttons(peer.press(CHANG, chang_list, chang_only, "รายการนี้มีสถานะอย่างไร"))
        peer.press(CHANG, q, q.button("ยังไม่ดำเนินการ"), "หลักฐาน")
        ev = [m for m in peer.messages(CHANG) if m.buttons][-1]
        s = with_buttons(peer.press(CHANG, ev, ev.button("ต่อไป"), "กรุณาตรวจสอบคำตอบ"))
        peer.press(CHANG, s, s.button("ยืนยัน"), "บันทึกแล้ว")
        status = with_buttons(peer.say(CHANG, "/status", "รายการของหน่วยงานคุณ"))
        changed = next(data for label, data in status.buttons if label.startswith("◻️"))
        q = with_buttons(peer.press(CHANG, status, changed, "รายการนี้มีสถานะอย่างไร"))
        peer.press(CHANG, q, q.button("แล้วเสร็จ"), "ดำเนินการอะไร")

        # the bot process dies in the middle of this answer and carries on at the same step
        bot.kill()
        bot.start()
        peer.say(CHANG, "ซ่อมแซมเสร็จแล้ว", "ดำเนินการได้แล้วกี่")
        ev = with_buttons(peer.say(CHANG, "๒", "หลักฐาน"))
        s = with_buttons(peer.press(CHANG, ev, ev.button("ต่อไป"), "กรุณาตรวจสอบคำตอบ"))
        peer.press(CHANG, s, s.button("ยืนยัน"), "บันทึกแล้ว")

        # the manager's summary shows the exact counts: 2.2-1 is done; 1.2.2-2 (all units) and the
        # item กองช่าง shares with กองคลัง are in progress until every owning unit says done
        text = peer.say(BOSS, "/summary", "ทั้งหมด 63 รายการ")[-1].text
        assert "ดำเนินการแล้วเสร็จ: 1" in text, text
        assert "อยู่ระหว่างดำเนินการ: 2" in text and "รอรายงาน: 60" in text
        assert "(1) ÷ รายการทั้งหมดในแผน (63)" in text and "ร้อยละ 1.59" in text
        assert "เบิกจ่าย 12,500.50 บาท" in text
        peer.say(KLANG, "/summary", "ขออภัย")

        # the year goes on: the 6-month round closes, the 12-month round asks only what is not completed
        q = with_buttons(peer.say(ADMIN, "/round close", "ปิดรอบ 6 เดือนหรือไม่"))  # a question first
        peer.press(ADMIN, q, q.button("ปิดรอบ 6 เดือน"), "ปิดแล้ว")
        q = with_buttons(peer.say(ADMIN, "/round open 12", "ย้อนกลับไม่ได้"))
        peer.press(ADMIN, q, q.button("เปิดรอบ 12 เดือน"), "ยกคำตอบที่ดำเนินการแล้วเสร็จในรอบ 6 เดือนมา 2 คำตอบ")
        listing = with_buttons(peer.say(KLANG, "/report", "รอรายงาน"))
        picks = [label for label, data in listing.buttons if data.startswith("pk:")]
        assert len(picks) == 4 and not any(" 2.2-1 " in label for label in picks), picks  # 2.2-1: carried
        pick = next(data for label, data in listing.buttons if "1.2.2-2" in label)
        q = with_buttons(peer.press(KLANG, listing, pick, "คำตอบในรอบ 6 เดือน"))
        assert "ปลูกต้นไม้ ๒ ครั้ง" in q.text and "12,500.50" in q.text
        money = peer.press(KLANG, q, q.button("ไม่เปลี่ยนแปลง"), "ทั้งปีงบประมาณเบิกจ่ายไปแล้ว")
        assert "1.2.2-2" in money[0].text  # the item's code stays in view after the press
        s = with_buttons(peer.say(KLANG, "๑๘,๐๐๐", "กรุณาตรวจสอบคำตอบ"))
        peer.press(KLANG, s, s.button("ยืนยัน"), "บันทึกแล้ว: 1.2.2-2")
        text = peer.say(BOSS, "/summary", "สรุปรอบ 12 เดือน")[-1].text
        assert "ยกมาจากรอบ 6 เดือนเป็นดำเนินการแล้วเสร็จ: 2 คำตอบ" in text and "เบิกจ่าย 18,000.00 บาท" in text
        assert "สะสมทั้งปีงบประมาณ" in text
        q = with_buttons(peer.say(ADMIN, "/round close", "ปิดรอบ 12 เดือนหรือไม่"))
        peer.press(ADMIN, q, q.button("ปิดรอบ 12 เดือน"), "ปิดแล้ว")
        peer.say(ADMIN, "/round open 6", "เปิดรอบ 6 เดือนอีกไม่ได้")  # refused before any question
    finally:
        bot.stop()

    async def stored():
        db = Database(db_url)
        async with db.session(commit=False) as s:
            rows = (await s.exec(select(StatusReport).order_by(StatusReport.id))).all()
        await db.dispose()
        return [(r.unit_id, r.status.value, r.disbursed) for r in rows]

    rows = asyncio.run(stored())
    assert len(rows) == 7  # three answers and one change; the history stays; two carried, one new in round 12
    assert [r[1] for r in rows] == [
        "in_progress",
        "completed",
        "not_started",
        "completed",
        "completed",
        "completed",
        "in_progress",
    ]
    log = bot.log.read_text(encoding="utf-8")
    assert "Traceback" not in log, log[-3000:]
