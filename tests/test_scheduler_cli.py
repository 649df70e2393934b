"""The scheduler from the command line and from chat: holidays, the schedule ahead, the digest and its chart."""

import asyncio
import datetime as dt
from zoneinfo import ZoneInfo

import time_machine

from bot.cli import main
from storage.db import Database
from storage.models import Role
from support.chat import Chat, invite_code, join, setup_org
from support.paths import EXAMPLE_PLAN

BKK = ZoneInfo("Asia/Bangkok")


def tidtam(capsys, *args):
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


async def _world(cli_env):
    db = Database(f"sqlite+aiosqlite:///{cli_env / 'data' / 'tidtam.db'}")
    await db.upgrade()
    org = await setup_org(db, EXAMPLE_PLAN)
    from base.settings import Settings

    chat = Chat(db, Settings(data_dir=cli_env / "data"))
    await join(chat, "klang", await invite_code(db, org, Role.MEMBER, "กองคลัง"), "สมศรี คลัง")
    await join(chat, "boss", await invite_code(db, org, Role.MANAGER), "ปลัด")
    return db, chat


def test_holidays_and_the_schedule_ahead(cli_env, capsys):
    async def world():
        db, _chat = await _world(cli_env)
        await db.dispose()

    asyncio.run(world())
    with time_machine.travel(dt.datetime(2026, 3, 20, 9, 0, tzinfo=BKK), tick=False):  # days off near today only
        code, out, err = tidtam(capsys, "holiday", "add", "8/4/2569", "--name", "วันหยุดพิเศษ")
        assert code == 0, err
        code, _, err = tidtam(capsys, "holiday", "add", "2026-04-08")
        assert code == 1 and "เป็นวันหยุดอยู่แล้ว" in err
        code, _, err = tidtam(capsys, "holiday", "add", "31/9/2569")
        assert code == 1 and "ไม่มีวันที่ 31 กันยายน 2569" in err
        code, _, err = tidtam(capsys, "holiday", "add", "1/1/2580")
        assert code == 1 and "อยู่นอกช่วงนี้" in err
    code, out, _ = tidtam(capsys, "holiday", "list")
    assert "8 เมษายน 2569" in out and "วันหยุดพิเศษ" in out and "มหาจักรี" in out
    with time_machine.travel(dt.datetime(2026, 3, 27, 7, 0, tzinfo=BKK), tick=False):
        code, out, err = tidtam(capsys, "schedule", "show", "--days", "14")
    assert code == 0, err
    lines = [line for line in out.splitlines() if "กองคลัง" in line or "digest" in line]
    assert [line.split()[:5] for line in lines if "กองคลัง" in line] == [
        ["27", "มี.ค.", "2569", "08:30", "open"],  # never sent yet, and still makes sense until d7
        ["30", "มี.ค.", "2569", "08:30", "d7"],  # the added day off moves d7 and d3
        ["3", "เม.ย.", "2569", "08:30", "d3"],
        ["9", "เม.ย.", "2569", "08:30", "d1"],
        ["10", "เม.ย.", "2569", "08:30", "due"],
    ]
    assert "สมศรี คลัง" in out and "d7" in out
    # this week's digest not sent yet (Friday 27 March), then Monday 30 March, then Tuesday 7 April (Chakri Day)
    assert [line.split()[:2] for line in lines if "digest" in line] == [["27", "มี.ค."], ["30", "มี.ค."], ["7", "เม.ย."]]


def test_digest_preview_and_chat_command(cli_env, capsys):
    async def chat_part():
        db, chat = await _world(cli_env)
        said = await chat.type("boss", "/digest")
        message = said.response.messages[0]
        assert "สรุปประจำสัปดาห์" in message.text and "หน่วยงานที่เงียบนานที่สุด" in message.text
        assert message.attachment is not None and message.attachment.path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        said = await chat.type("klang", "/digest")
        assert "ขออภัย" in said.text
        await db.dispose()

    asyncio.run(chat_part())
    out_png = cli_env / "digest.png"
    code, out, err = tidtam(capsys, "digest", "preview", "--out", str(out_png))
    assert code == 0, err
    assert "ทั้งหมด 63 รายการ" in out and out_png.stat().st_size > 10_000


def test_leave_and_acting_from_the_command_line(cli_env, capsys):
    asyncio.run(_world_only(cli_env))
    with time_machine.travel(dt.datetime(2026, 3, 16, 9, 0, tzinfo=BKK), tick=False):
        code, out, err = tidtam(capsys, "leave", "add", "สมศรี คลัง", "16–20 มี.ค.", "ลาป่วย")
        assert code == 0, err
        assert "บันทึกการลาของ สมศรี คลัง แล้ว: 16 มี.ค. 2569 – 20 มี.ค. 2569" in out
        code, _out, err = tidtam(capsys, "leave", "add", "สมศร คลัง", "16 มี.ค.")
        assert code == 1 and 'ไม่พบบุคคล "สมศร คลัง"' in err
        code, _out, err = tidtam(capsys, "leave", "add", "สมศรี คลัง", "1 พ.ค. – 30 ก.ย.")
        assert code == 1 and "ไม่เกิน 120 วัน" in err and "Traceback" not in err
        code, out, _ = tidtam(capsys, "leave", "list")
        assert "สมศรี คลัง" in out and "ลาป่วย" not in out
        with time_machine.travel(dt.datetime(2026, 3, 16, 9, 0, tzinfo=BKK), tick=False):
            code, out, err = tidtam(capsys, "schedule", "show", "--days", "3")
        assert code == 0, err
        assert not [line for line in out.splitlines() if "สมศรี คลัง" in line and "08:30" in line]  # away
        assert "ลาอยู่: สมศรี คลัง (20 มี.ค. 2569)" in out
        code, out, err = tidtam(capsys, "acting", "add", "ปลัด", "สมศรี คลัง", "ถึง 27 มี.ค.")
        assert code == 0 and "รักษาราชการแทนปลัด" in out, err
        code, out, _ = tidtam(capsys, "acting", "list")
        assert "สมศรี คลัง" in out and "16 มี.ค. 2569 – 27 มี.ค. 2569" in out
        code, out, _ = tidtam(capsys, "acting", "end", "ปลัด")
        assert "1 ช่วง" in out
        code, out, _ = tidtam(capsys, "leave", "cancel", "สมศรี คลัง")
        assert "ยกเลิกการลาของสมศรี คลังแล้ว" in out
        code, out, _ = tidtam(capsys, "leave", "list")
        assert "ตั้งแต่วันนี้ไม่มีผู้ลา" in out


async def _world_only(cli_env):
    db, _chat = await _world(cli_env)
    await db.dispose()
