"""Load: simulated people answering their items concurrently through the Telegram webhook of the running
app (uvicorn, its own process), for a fixed time. A small fake Bot API server in this process takes the
bot's replies, so each person presses the buttons the bot really sent.

    .venv/bin/python tests/stress/load_webhook.py [--people 200] [--seconds 60] [--database-url URL]

Prints answers confirmed, StatusReports stored (they must be equal), webhook errors, throughput and
p50/p99 latency of the webhook requests.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import parse_qs

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

import httpx  # noqa: E402
import uvicorn  # noqa: E402
from sqlmodel import func, select  # noqa: E402
from starlette.applications import Starlette  # noqa: E402
from starlette.requests import Request  # noqa: E402
from starlette.responses import JSONResponse  # noqa: E402
from starlette.routing import Route  # noqa: E402

from storage.db import Database  # noqa: E402
from storage.models import ChannelAccount, Membership, Person, Role, StatusReport, Unit  # noqa: E402

TOKEN = "123456:LOAD-TEST"
SECRET = "load-secret"


from support.ports import free_port  # noqa: E402


class FakeBotApi:
    """Answers the Bot API methods the bot uses and keeps the last message with buttons per chat."""

    def __init__(self):
        self.last: dict[str, dict] = {}
        self.waiters: dict[str, asyncio.Event] = {}
        self.ids = 0

    async def method(self, request: Request):
        name = request.path_params["method"]
        raw = await request.body()
        if request.headers.get("content-type", "").startswith("application/json"):
            params = json.loads(raw or b"{}")
        else:
            params = {k: v[0] for k, v in parse_qs(raw.decode()).items()}
        if name == "getMe":
            return JSONResponse(
                {"ok": True, "result": {"id": 1, "is_bot": True, "first_name": "Tidtam", "username": "TidtamLoadBot"}}
            )
        if name in ("sendMessage", "editMessageText"):
            chat = str(params.get("chat_id"))
            markup = params.get("reply_markup")
            markup = json.loads(markup) if isinstance(markup, str) else markup
            self.ids += 1
            mid = int(params.get("message_id") or self.ids)
            self.last[chat] = {
                "text": params.get("text", ""),
                "buttons": [b for row in (markup or {}).get("inline_keyboard", []) for b in row],
                "message_id": mid,
            }
            self.waiters.setdefault(chat, asyncio.Event()).set()
            return JSONResponse(
                {
                    "ok": True,
                    "result": {
                        "message_id": mid,
                        "date": int(time.time()),
                        "chat": {"id": int(chat), "type": "private"},
                        "text": params.get("text", ""),
                    },
                }
            )
        return JSONResponse({"ok": True, "result": True})


async def prepare(db_url: str, people: int) -> list[int]:
    from support.chat import setup_org
    from support.paths import EXAMPLE_PLAN

    db = Database(db_url)
    await db.upgrade()
    org = await setup_org(db, EXAMPLE_PLAN)
    chats = []
    async with db.session() as s:
        units = (await s.exec(select(Unit).where(Unit.org_id == org))).all()
        for i in range(people):
            p = Person(org_id=org, display_name=f"staff {i}")
            s.add(p)
            await s.flush()
            chat = 500_000 + i
            s.add(ChannelAccount(org_id=org, person_id=p.id, platform="telegram", external_id=str(chat)))
            s.add(Membership(org_id=org, person_id=p.id, unit_id=units[i % len(units)].id, role=Role.MEMBER))
            chats.append(chat)
    await db.dispose()
    return chats


class Load:
    def __init__(self, app_url: str, api: FakeBotApi):
        self.app_url, self.api = app_url, api
        self.update_id = 0
        self.latencies: list[float] = []
        self.errors = 0
        self.confirmed = 0
        self.asked_again = 0
        self.timeouts = 0
        self.client = httpx.AsyncClient(timeout=30, limits=httpx.Limits(max_connections=400))

    async def post(self, update: dict) -> None:
        started = time.perf_counter()
        r = await self.client.post(
            self.app_url + "/telegram/webhook", json=update, headers={"X-Telegram-Bot-Api-Secret-Token": SECRET}
        )
        self.latencies.append(time.perf_counter() - started)
        if r.status_code != 200:
            self.errors += 1

    def _update(self, chat: int, **kw) -> dict:
        self.update_id += 1
        user = {"id": chat, "is_bot": False, "first_name": "staff"}
        if "data" in kw:
            message = self.api.last.get(str(chat), {})
            return {
                "update_id": self.update_id,
                "callback_query": {
                    "id": str(self.update_id),
                    "from": user,
                    "chat_instance": str(chat),
                    "data": kw["data"],
                    "message": {
                        "message_id": message.get("message_id", 1),
                        "date": int(time.time()),
                        "chat": {"id": chat, "type": "private"},
                    },
                },
            }
        text = kw["text"]
        msg = {
            "message_id": self.update_id,
            "date": int(time.time()),
            "text": text,
            "from": user,
            "chat": {"id": chat, "type": "private"},
        }
        if text.startswith("/"):
            msg["entities"] = [{"offset": 0, "length": len(text.split()[0]), "type": "bot_command"}]
        return {"update_id": self.update_id, "message": msg}

    async def step(self, chat: int, **kw) -> dict:
        event = self.api.waiters.setdefault(str(chat), asyncio.Event())
        event.clear()
        await self.post(self._update(chat, **kw))
        try:
            await asyncio.wait_for(event.wait(), timeout=60)
        except TimeoutError:
            self.timeouts += 1
            raise
        return self.api.last[str(chat)]

    async def confirm(self, chat: int, data: str | None) -> dict:
        """Press a confirm and wait for its own answer: saved, or asked again (a step's second message may
        arrive after the harness moved on, so the first message seen can be the previous step's)."""
        await self.step(chat, data=data)
        for _ in range(1000):
            text = self.api.last[str(chat)]["text"]
            if not text.startswith("กรุณาตรวจสอบคำตอบ"):
                break
            await asyncio.sleep(0.01)
        return self.api.last[str(chat)]

    def button(self, chat: int, part: str) -> str | None:
        for b in self.api.last.get(str(chat), {}).get("buttons", []):
            if part in b["text"]:
                return b["callback_data"]
        return None

    async def person(self, chat: int, until: float) -> None:
        while time.monotonic() < until:
            try:
                if not await self.answer_one(chat):
                    return
            except TimeoutError:
                continue  # counted; start again from /status

    async def answer_one(self, chat: int) -> bool:
        """One item answered by pressing what the bot sent; False when nothing is left."""
        reply = await self.step(chat, text="/status")
        items = [b["callback_data"] for b in reply["buttons"] if b["callback_data"].startswith("pk:")]
        if not items:
            return False
        await self.step(chat, data=items[hash((chat, self.update_id)) % len(items)])
        reply = await self.step(chat, data=self.button(chat, "แล้วเสร็จ"))
        for _ in range(6):
            text = reply["text"]
            if "กรุณาตรวจสอบคำตอบ" in text:
                reply = await self.confirm(chat, self.button(chat, "ยืนยัน"))
                while "มีผู้อื่นตอบรายการนี้ระหว่างนั้น" in reply["text"]:  # someone of the unit answered first
                    self.asked_again += 1
                    reply = await self.confirm(chat, self.button(chat, "ยืนยัน"))  # this answer replaces it
                self.confirmed += 1
                return True
            if "หลักฐาน" in text:
                reply = await self.step(chat, data=self.button(chat, "ต่อไป"))
            elif "เบิกจ่าย" in text:
                reply = await self.step(chat, text="๑,๐๐๐")
            elif "กี่" in text:
                reply = await self.step(chat, text="๑")
            else:
                reply = await self.step(chat, text="ดำเนินการเรียบร้อย มีผู้เข้าร่วม ๕๐ คน")
        return True


async def main_async(people: int, seconds: int, db_url: str, workdir: Path) -> dict:
    chats = await prepare(db_url, people)
    api = FakeBotApi()
    api_port, app_port = free_port(), free_port()
    fake = uvicorn.Server(
        uvicorn.Config(
            Starlette(routes=[Route("/bot{token}/{method}", api.method, methods=["GET", "POST"])]),
            host="127.0.0.1",
            port=api_port,
            log_level="warning",
        )
    )
    fake_task = asyncio.create_task(fake.serve())
    env = {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_BASE_URL": f"http://127.0.0.1:{api_port}",
        "TELEGRAM_WEBHOOK_URL": f"http://127.0.0.1:{app_port}/telegram/webhook",
        "TELEGRAM_WEBHOOK_SECRET": SECRET,
        "TELEGRAM_RATE_LIMITER": "false",
        "RUN_SCHEDULER": "false",
        "DATABASE_URL": db_url,
        "DATA_DIR": str(workdir / "data"),
        "WEB_PORT": str(app_port),
        "PYTHONPATH": str(ROOT),
    }
    log = (workdir / "app.log").open("w")
    app = subprocess.Popen(
        [sys.executable, "-m", "bot", "run"], env=env, cwd=workdir, stdout=log, stderr=subprocess.STDOUT
    )
    app_url = f"http://127.0.0.1:{app_port}"
    try:
        for _ in range(200):
            try:
                if httpx.get(app_url + "/readyz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                await asyncio.sleep(0.1)
        load = Load(app_url, api)
        started = time.monotonic()
        await asyncio.gather(*(load.person(c, started + seconds) for c in chats), return_exceptions=False)
        elapsed = time.monotonic() - started
        await load.client.aclose()
    finally:
        app.terminate()
        await asyncio.to_thread(app.wait, 15)  # the fake Bot API on this loop keeps answering meanwhile
        fake.should_exit = True
        await fake_task
    db = Database(db_url)
    async with db.session(commit=False) as s:
        stored = (await s.exec(select(func.count()).select_from(StatusReport))).one()
    await db.dispose()
    lat = sorted(load.latencies)
    return {
        "people": people,
        "seconds": round(elapsed, 1),
        "requests": len(lat),
        "errors": load.errors,
        "replies_not_seen_in_60s": load.timeouts,
        "answers_confirmed": load.confirmed,
        "asked_again": load.asked_again,
        "status_reports_stored": stored,
        "answers_per_s": round(load.confirmed / elapsed, 1),
        "requests_per_s": round(len(lat) / elapsed, 1),
        "p50_ms": round(statistics.median(lat) * 1000, 1),
        "p99_ms": round(lat[int(len(lat) * 0.99) - 1] * 1000, 1),
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--people", type=int, default=200)
    ap.add_argument("--seconds", type=int, default=60)
    ap.add_argument("--database-url", default="")
    args = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="tidtam-load-")
    url = args.database_url or f"sqlite+aiosqlite:///{tmp}/load.db"
    try:
        result = asyncio.run(main_async(args.people, args.seconds, url, Path(tmp)))
    finally:
        print("the app's log:", Path(tmp) / "app.log")
    log = (Path(tmp) / "app.log").read_text()
    print(json.dumps(result, ensure_ascii=False))
    print("tracebacks in the app's log:", log.count("Traceback"))


if __name__ == "__main__":
    main()
