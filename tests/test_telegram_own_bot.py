"""An organisation's own Telegram bot, end to end against the telegram-test-api emulator: its token set by the CLI
(checked with getMe, its webhook set with a secret), its people joining only on it, its updates arriving at its
own webhook path, its replies and the outbox's deliveries going out with its token — in its own lane — and
another organisation's code, a forged update and an unknown bot refused."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time

import httpx
from test_telegram_e2e import BotProcess

from base.settings import Settings
from bot.adapters.telegram import TelegramSender
from bot.adapters.telegram_bots import TelegramBots
from storage.db import Database
from storage.models import Role
from support.chat import invite_code, setup_org
from support.paths import EXAMPLE_PLAN, ROOT
from support.telegram import TOKEN, Peer, with_buttons

OWN = "777001:OWN-bot-token_abcdefghijklmnopqrstuvwxyz"
A, B = "เทศบาลตำบลทดสอบ", "เทศบาลตำบลข้างเคียง"


async def two_organisations(db_url: str) -> tuple[str, str, int]:
    db = Database(db_url)
    await db.upgrade()
    org_a = await setup_org(db, EXAMPLE_PLAN, name=A)
    org_b = await setup_org(db, EXAMPLE_PLAN, name=B)
    codes = await invite_code(db, org_a, Role.ADMIN), await invite_code(db, org_b, Role.MEMBER, "กองคลัง")
    await db.dispose()
    return *codes, org_a


def cli(env: dict, *args: str, stdin: str = "") -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args], env=env, input=stdin, capture_output=True, text=True, timeout=60
    )


def test_an_organisations_own_bot(tmp_path, emulator):
    client_url, api_url = emulator
    db_url = f"sqlite+aiosqlite:///{tmp_path / 'tidtam.db'}"
    admin_code, b_code, org_a = asyncio.run(two_organisations(db_url))
    bot = BotProcess(tmp_path, api_url, db_url)
    web = f"http://127.0.0.1:{bot.env['WEB_PORT']}"
    bot.env.update(PUBLIC_BASE_URL=web, RUN_SCHEDULER="true", TIDTAM_ORG=A)
    env = {**bot.env, "PYTHONPATH": str(ROOT)}

    # a token that is not one, and one Telegram refuses: one Thai sentence each, nothing stored
    wrong = cli(env, "telegram", "bot", "set", stdin="not-a-token\n")
    assert wrong.returncode != 0 and "ไม่ใช่โทเค็นของบอต" in wrong.stderr + wrong.stdout
    assert "Traceback" not in wrong.stderr
    shown = cli(env, "telegram", "bot", "show")
    assert "ใช้บอต Telegram ของระบบ" in shown.stdout

    done = cli(env, "telegram", "bot", "set", stdin=OWN + "\n")
    assert done.returncode == 0, done.stderr
    assert "@Org777001Bot" in done.stdout and f"{web}/telegram/webhook/777001" in done.stdout
    assert OWN not in done.stdout + done.stderr
    hooks = httpx.get(f"{api_url}/harness/webhooks").json()
    assert hooks == [["777001", f"{web}/telegram/webhook/777001", 43]]  # set with a secret of its own
    shown = cli(env, "telegram", "bot", "show").stdout
    assert "@Org777001Bot" in shown and OWN not in shown and OWN[-4:] in shown

    bot.start()
    shared, own = Peer(client_url), Peer(client_url, token=OWN)
    ADMIN, KLANG, STRANGER = 100, 201, 500
    try:
        # the organisation's people join on its own bot only
        shared.say(ADMIN, f"/start {admin_code}", "https://t.me/Org777001Bot")
        own.say(ADMIN, f"/start {admin_code}", "ยินดีต้อนรับสู่ Tidtam")
        own.say(ADMIN, "ผู้ดูแล ระบบ", "ลงทะเบียนเรียบร้อย")
        invite = own.say(ADMIN, "/invite กองคลัง member", "รหัสเชิญ")[-1].text
        assert "https://t.me/Org777001Bot?start=" in invite
        code = invite.splitlines()[-1]
        own.say(KLANG, f"/start {code}", "กรุณาพิมพ์ชื่อ")
        own.say(KLANG, "สมศรี คลัง", "ลงทะเบียนเรียบร้อย")
        listing = with_buttons(own.say(KLANG, "/report", "รอรายงาน"))
        assert listing.buttons

        # another organisation's code on this organisation's bot: refused, and nobody joins it
        own.say(STRANGER, f"/start {b_code}", "รหัสนี้เป็นขององค์กรอื่น")

        # the outbox delivers the admin's reminder to the unit with the organisation's token
        seen = len(own.messages(KLANG))
        own.say(ADMIN, "/remind", "กองคลัง")
        deadline = time.monotonic() + 30
        while len(own.messages(KLANG)) == seen:
            assert time.monotonic() < deadline, "the reminder did not reach the unit on the organisation's bot"
            time.sleep(0.2)
        assert shared.messages(KLANG) == []  # nothing ever went out on the deployment's bot to this person

        transcript = [  # what each person read, on which bot (kept beside the test's files to look at)
            f"{who} on {bot}: {m.text}"
            for who in (ADMIN, KLANG, STRANGER)
            for bot, peer in (("the deployment's bot", shared), ("@Org777001Bot", own))
            for m in peer.messages(who)
        ]
        (tmp_path / "transcript.txt").write_text("\n".join(transcript))

        # forged and unknown webhooks: refused before anything is read
        update = {"update_id": 9, "message": {"message_id": 1, "date": 0, "chat": {"id": 1, "type": "private"}}}
        assert httpx.post(f"{web}/telegram/webhook/777001", json=update).status_code == 403
        forged = {"X-Telegram-Bot-Api-Secret-Token": "guessed"}
        assert httpx.post(f"{web}/telegram/webhook/777001", json=update, headers=forged).status_code == 403
        assert httpx.post(f"{web}/telegram/webhook/999", json=update, headers=forged).status_code == 404
        assert httpx.post(f"{web}/telegram/webhook/abc", json=update, headers=forged).status_code == 404
    finally:
        bot.stop()
    assert "Traceback" not in bot.log.read_text()
    assert OWN not in bot.log.read_text()

    # the organisation's sends are in a lane of their own; an organisation without a bot uses the deployment's
    async def lanes() -> tuple[str, str]:
        settings = Settings(
            database_url=db_url, data_dir=tmp_path / "data", telegram_api_base_url=api_url, telegram_bot_token=TOKEN
        )
        db = Database(db_url)
        bots = TelegramBots(settings, db)
        sender = TelegramSender(bots)
        try:
            return await sender.lane(org_a), await sender.lane(org_a + 1)
        finally:
            await bots.close()
            await db.dispose()

    assert asyncio.run(lanes()) == ("telegram/777001", "telegram")

    # gone back to the deployment's bot: its webhook deleted at Telegram, the token forgotten
    removed = cli(env, "telegram", "bot", "remove")
    assert removed.returncode == 0 and "ใช้บอต Telegram ของระบบ" in removed.stdout
    assert httpx.get(f"{api_url}/harness/webhooks").json() == []
    assert os.path.exists(tmp_path / "data" / "secrets.key")
