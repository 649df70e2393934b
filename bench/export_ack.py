"""/export on LINE: how long LINE waits for its 200, and how long the person waits for the documents.

    .venv/bin/python bench/export_ack.py [--items 75] [--times 5]

A 75-item round answered (bench/answered.py); an admin with a LINE account sends /export to the web app served
by uvicorn (SQLite, one worker), whose LINE API is a fake in this process that records when the loading
animation and the reply arrive. Two ways side by side in one run: "detached" (as shipped: the documents are
laid out after the 200, the loading animation shown meanwhile) and "before the 200" (the work done inside the
webhook, as before). LINE wants its 200 quickly; the target is < 1 s.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import hashlib
import hmac
import json
import statistics
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests"), str(ROOT / "bench")]

import fake_http  # noqa: E402

SECRET, ADMIN = "bench-secret", "U" + "a" * 32


async def prepare(tmp: Path, n: int, settings) -> None:
    from answered import answered_round

    from storage.db import Database
    from storage.models import ChannelAccount, Membership, Person, Role

    db = Database(settings.effective_database_url, new_installation=True)
    await db.upgrade()
    async with db.session() as s:
        org, _rnd = await answered_round(s, tmp, n)
        person = Person(org_id=org.id, display_name="ผู้ดูแล", lang="th")
        s.add(person)
        await s.flush()
        s.add(Membership(org_id=org.id, person_id=person.id, role=Role.ADMIN))
        s.add(ChannelAccount(org_id=org.id, person_id=person.id, platform="line", external_id=ADMIN))
    await db.dispose()


class FakeLine:
    """LINE's Messaging API, enough for a reply: when each call arrived."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, float]] = []
        self.port = 0
        started = threading.Event()

        async def run() -> None:
            server = await asyncio.start_server(lambda r, w: fake_http.serve(r, w, self.handle), "127.0.0.1", 0)
            self.port = server.sockets[0].getsockname()[1]
            started.set()
            await asyncio.Event().wait()

        threading.Thread(target=asyncio.run, args=(run(),), daemon=True).start()
        started.wait(10)

    def handle(self, path: str, headers: dict, body: bytes):
        self.seen.append((path, time.perf_counter()))
        return (202 if path.endswith("/loading/start") else 200), {}


def webhook_body(text: str) -> bytes:
    ev = {
        "type": "message",
        "mode": "active",
        "timestamp": int(time.time() * 1000),
        "source": {"type": "user", "userId": ADMIN},
        "webhookEventId": uuid.uuid4().hex.upper()[:26],
        "deliveryContext": {"isRedelivery": False},
        "replyToken": uuid.uuid4().hex,
        "message": {"id": str(time.time_ns()), "type": "text", "quoteToken": "q", "text": text},
    }
    return json.dumps({"destination": "U" + "0" * 32, "events": [ev]}).encode()


def main(items: int, times: int) -> None:
    import httpx

    import bot.adapters.line
    from base.settings import Settings
    from bot.web.app import create_app
    from support.browser import Served
    from support.ports import free_port

    line = FakeLine()
    tmp = Path(tempfile.mkdtemp())
    settings = Settings(
        data_dir=tmp / "data",
        log_level="WARNING",
        line_channel_secret=SECRET,
        line_channel_access_token="bench",
        line_api_base_url=f"http://127.0.0.1:{line.port}",
        public_base_url="https://bench.example",
        run_scheduler=False,
    )
    (tmp / "data").mkdir()
    asyncio.run(prepare(tmp, items, settings))
    shipped = bot.adapters.line.handle

    async def inside(db, event, settings, *, detach=False):  # the work done before the 200, as before
        return await shipped(db, event, settings, detach=False)

    print(
        f"| /export on LINE ({items}-item round, SQLite, 1 worker, {times} times) | 200 after p50 | max "
        "| loading shown after | documents after p50 |"
    )
    print("|---|---|---|---|---|")
    with Served(create_app(settings), free_port(), lifespan="on") as served, httpx.Client(timeout=120) as client:
        for name, handle in (("before the 200", inside), ("detached (shipped)", shipped)):
            bot.adapters.line.handle = handle
            acks, loads, replies = [], [], []
            for _ in range(times + 1):  # the first warms the fonts and the templates
                line.seen.clear()
                raw = webhook_body("/export")
                sig = base64.b64encode(hmac.new(SECRET.encode(), raw, hashlib.sha256).digest()).decode()
                t = time.perf_counter()
                r = client.post(served.url + "/line/webhook", content=raw, headers={"X-Line-Signature": sig})
                ack = time.perf_counter() - t
                assert r.status_code == 200, r.text
                while not any(p.endswith("/reply") for p, _t in line.seen):
                    time.sleep(0.01)
                at = dict(line.seen)
                acks.append(ack)
                loads.append(at.get("/v2/bot/chat/loading/start", float("nan")) - t)
                replies.append(at["/v2/bot/message/reply"] - t)
            acks, loads, replies = acks[1:], loads[1:], replies[1:]
            loading = f"{statistics.median(loads) * 1000:.0f} ms" if loads[0] == loads[0] else "never"
            print(
                f"| {name} | {statistics.median(acks) * 1000:.0f} ms | {max(acks) * 1000:.0f} ms | {loading} "
                f"| {statistics.median(replies):.2f} s |"
            )
    bot.adapters.line.handle = shipped


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=75)
    parser.add_argument("--times", type=int, default=5)
    args = parser.parse_args()
    main(args.items, args.times)
