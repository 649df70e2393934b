"""Outbound: the outbox dispatcher against fake platforms that enforce the real limits.

    .venv/bin/python bench/outbound.py [--telegram 650] [--groups 2] [--line 20000] [--line-channels 1]
                                       [--telegram-bots 0] [--database-url URL]

A fake Telegram Bot API (its own process) answers 429 with retry_after to any send over 30 a second
on one bot (by its token), 1 a second to one chat or 20 a minute to one group; a fake LINE Messaging API
answers 429 over 2,000 pushes a second on one channel (by its access token). With ``--line-channels N`` the
LINE pushes belong to N organisations, each with its own channel; with ``--telegram-bots N`` the Telegram
private messages belong to N organisations, each with its own bot (the wave of a nation:
``--telegram 31400 --telegram-bots 3925 --line 31400 --line-channels 3925 --groups 0``). The outbox is filled as
a reminder wave would fill it (private chats, a few people with two messages, groups), then the dispatcher — the
real one, with python-telegram-bot and line-bot-sdk as in production — sends it all. Printed: messages, seconds,
achieved rate as a share of the platform's limit (over the stretch where that limit binds), the 429s the fakes
answered, and the most sends one LINE channel or one Telegram bot got in any one second.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

import fake_http  # noqa: E402

TOKEN = "123456:OUTBOUND"

# the channels' secrets are sealed (storage/sealed.py); a bench's own key, not a secret
os.environ.setdefault("SECRETS_KEY", "rpmo-5qhmusWnAdDRNZZijZZwaMD1NiTMQKoLqlDYCc=")


# ---------------------------------------------------------------- the fake platforms (a process of their own)


class Window:
    """Arrivals in a sliding window; ``allow`` refuses one that would exceed ``count`` per ``seconds``."""

    def __init__(self, count: int, seconds: float):
        self.count, self.seconds = count, seconds
        self.times: collections.deque = collections.deque()

    def allow(self, now: float) -> bool:
        while self.times and self.times[0] <= now - self.seconds:
            self.times.popleft()
        if len(self.times) >= self.count:
            return False
        self.times.append(now)
        return True


class FakePlatforms:
    def __init__(self):
        self.tg_bot: dict[str, Window] = collections.defaultdict(lambda: Window(30, 1.0))
        self.tg_chat: dict[str, Window] = collections.defaultdict(lambda: Window(1, 1.0))
        self.tg_group: dict[str, Window] = collections.defaultdict(lambda: Window(20, 60.0))
        self.line_channel: dict[str, Window] = collections.defaultdict(lambda: Window(2000, 1.0))
        self.accepted: dict[str, list] = {"telegram": [], "line": []}
        self.refused = {"telegram": 0, "line": 0}
        self.retry_keys: set[str] = set()
        self.ids = 0

    def telegram(self, token: str, method: str, params: dict) -> tuple[int, dict]:
        if method == "getMe":
            return 200, {"ok": True, "result": {"id": 1, "is_bot": True, "first_name": "B", "username": "B"}}
        chat = str(params.get("chat_id"))
        now = time.monotonic()
        group = chat.startswith("-")
        # every window must have room; only then is the send counted in all of them
        windows = [self.tg_bot[token], self.tg_chat[chat]] + ([self.tg_group[chat]] if group else [])
        if not all(_room(w, now) for w in windows):
            self.refused["telegram"] += 1
            return 429, {
                "ok": False,
                "error_code": 429,
                "description": "Too Many Requests: retry after 1",
                "parameters": {"retry_after": 1},
            }
        for w in windows:
            w.allow(now)
        self.accepted["telegram"].append((now, chat, token))
        self.ids += 1
        return 200, {
            "ok": True,
            "result": {
                "message_id": self.ids,
                "date": int(time.time()),
                "chat": {"id": int(chat), "type": "group" if group else "private"},
                "text": params.get("text", ""),
            },
        }

    def line(self, body: dict, retry_key: str, token: str) -> tuple[int, dict]:
        now = time.monotonic()
        if not self.line_channel[token].allow(now):
            self.refused["line"] += 1
            return 429, {"message": "Too many requests"}
        if retry_key in self.retry_keys:
            return 409, {"message": "The retry key is already accepted"}
        self.retry_keys.add(retry_key)
        self.accepted["line"].append((now, body.get("to", ""), token))
        return 200, {"sentMessages": [{"id": str(len(self.accepted["line"])), "quoteToken": "q"}]}

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await fake_http.serve(reader, writer, self.handle)

    def handle(self, path: str, headers: dict[str, str], body: bytes) -> tuple[int, dict]:
        if path == "/stats":
            return 200, {"accepted": self.accepted, "refused": self.refused}
        if path.startswith("/v2/bot/"):
            return self.line(
                json.loads(body or b"{}"), headers.get("x-line-retry-key", ""), headers.get("authorization", "")
            )
        bot, _sep, method = path.lstrip("/").partition("/")
        return self.telegram(bot[3:], method, fake_http.params(headers, body))


def _room(w: Window, now: float) -> bool:
    while w.times and w.times[0] <= now - w.seconds:
        w.times.popleft()
    return len(w.times) < w.count


async def serve_fakes(port_file: str) -> None:
    fakes = FakePlatforms()
    server = await asyncio.start_server(fakes.serve, "127.0.0.1", 0, backlog=2048)
    Path(port_file).write_text(str(server.sockets[0].getsockname()[1]))
    async with server:
        await server.serve_forever()


# ---------------------------------------------------------------- the run


async def fill(db_url: str, telegram: int, groups: int, line: int, channels: int, bots: int = 0) -> None:
    from base.settings import Settings
    from storage.db import Database
    from storage.line_channels import set_channel
    from storage.models import OrgKind
    from storage.outbox import enqueue
    from storage.repo import create_organisation
    from storage.sealed import sealer

    db = Database(db_url)
    await db.upgrade()
    async with db.session() as s:
        org = (
            await create_organisation(s, name="bench", kind=OrgKind.SAO, province="p", district="d", fiscal_year=2569)
        ).id
    line_orgs = [org]
    if channels > 1:  # organisations of their own, each on its own channel
        line_orgs = []
        for c in range(channels):
            async with db.session() as s:
                o = await create_organisation(
                    s, name=f"bench-{c}", kind=OrgKind.SAO, province="p", district="d", fiscal_year=2569
                )
                await set_channel(
                    s,
                    o.id,
                    f"c{c}",
                    f"{c:032x}",
                    f"token{c:04d}" + "x" * 40,
                    "bench",
                    seal=sealer(Settings()),
                )
                line_orgs.append(o.id)
    tg_orgs = [org]
    if bots:  # organisations of their own, each with its own Telegram bot
        from storage.telegram_bots import set_bot

        tg_orgs = []
        for b in range(bots):
            async with db.session() as s:
                o = await create_organisation(
                    s, name=f"bench-bot-{b}", kind=OrgKind.SAO, province="p", district="d", fiscal_year=2569
                )
                token = f"{700_000 + b}:BENCH-{b:05d}-abcdefghijklmnopqrstuvwxyz"
                await set_bot(s, o.id, token, f"Bench{b}Bot", "s" * 32, "bench", seal=sealer(Settings()))
                tg_orgs.append(o.id)
    rows = []
    for i in range(telegram):  # one reminder each; every 13th person also gets a second message
        owner = tg_orgs[i % len(tg_orgs)]
        rows.append((owner, "telegram", str(900_000 + i), False, f"t{i}"))
        if i % 13 == 0:
            rows.append((owner, "telegram", str(900_000 + i), False, f"t{i}b"))
    for g in range(groups):
        rows += [(org, "telegram", str(-100_000 - g), True, f"g{g}:{k}") for k in range(25)]
    rows += [(line_orgs[i % len(line_orgs)], "line", "U" + f"{i:032x}", False, f"l{i}") for i in range(line)]
    for start in range(0, len(rows), 500):
        async with db.session() as s:
            await enqueue(
                s,
                [
                    {
                        "org_id": owner,
                        "key": key,
                        "kind": "reminder",
                        "platform": platform,
                        "chat_id": chat,
                        "is_group": group,
                        "payload": {"text": f"เตือน {key}", "buttons": []},
                    }
                    for owner, platform, chat, group, key in rows[start : start + 500]
                ],
            )
    await db.dispose()


async def dispatch(db_url: str, base: str, data_dir: Path) -> float:
    from base.settings import Settings
    from bot.adapters.line_channels import LineChannels, LineSender
    from bot.adapters.telegram import TelegramAdapter, TelegramSender
    from bot.adapters.telegram_bots import TelegramBots
    from scheduler.outbox import Dispatcher
    from storage.db import Database

    settings = Settings(
        data_dir=data_dir,
        database_url=db_url,
        telegram_bot_token=TOKEN,
        telegram_api_base_url=base,
        line_channel_secret="s",
        line_channel_access_token="t",
        line_api_base_url=base,
    )
    db = Database(db_url)
    tg = TelegramAdapter(settings, db, webhook=True)
    await tg.app.initialize()
    channels = LineChannels(settings, db)
    line = channels.default
    assert line is not None
    if os.environ.get("BENCH_LINE_SDK"):  # the earlier path, for a side-by-side figure: line-bot-sdk's own client
        from linebot.v3.messaging import PushMessageRequest

        async def through_sdk(path, payload, headers=None):
            await line.api.push_message(
                PushMessageRequest.from_dict(payload), x_line_retry_key=(headers or {}).get("X-Line-Retry-Key")
            )
            return 200, "", {}

        line._post = through_sdk
    bots = TelegramBots(settings, db, tg)
    dispatcher = Dispatcher(
        db, {"telegram": TelegramSender(bots), "line": LineSender(channels)}, data_dir, owner="bench"
    )
    started = time.monotonic()
    while True:
        await dispatcher.run_once()
        if not await _left(db):
            break
        await asyncio.sleep(0.2)  # rows waiting for their not_before (a 429's retry_after)
    elapsed = time.monotonic() - started
    await bots.close()
    await tg.close()
    await channels.close()
    await db.dispose()
    return elapsed


async def _left(db) -> int:
    from sqlmodel import func, select

    from storage.models import Outbox, OutboxState

    async with db.session(commit=False) as s:
        return (
            await s.exec(
                select(func.count())
                .select_from(Outbox)
                .where(Outbox.state.in_([OutboxState.PENDING, OutboxState.SENDING]))
            )
        ).one()


def binding_rate(times: list[float], limit: float) -> tuple[float, float]:
    """The rate over the stretch where the limit binds: from the first send to the moment 95 % had gone
    (the tail — a group's 20-a-minute, a chat's second message — is paced by other limits)."""
    times = sorted(times)
    if len(times) < 2:
        return 0.0, 0.0
    end = times[int(len(times) * 0.95) - 1]
    n = int(len(times) * 0.95) - 1
    rate = n / (end - times[0]) if end > times[0] else 0.0
    return rate, rate / limit


def busiest(times: list[float]) -> int:
    """The most pushes one channel got within any one second."""
    times, most, start = sorted(times), 0, 0
    for end, t in enumerate(times):
        while times[start] <= t - 1.0:
            start += 1
        most = max(most, end - start + 1)
    return most


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--telegram", type=int, default=650)
    ap.add_argument("--groups", type=int, default=2)
    ap.add_argument("--line", type=int, default=20000)
    ap.add_argument("--line-channels", type=int, default=1, help="organisations, each with its own LINE channel")
    ap.add_argument("--telegram-bots", type=int, default=0, help="organisations, each with its own Telegram bot")
    ap.add_argument("--database-url", default="")
    ap.add_argument("--serve-fakes", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.serve_fakes:
        asyncio.run(serve_fakes(args.serve_fakes))
        return
    import httpx

    tmp = Path(tempfile.mkdtemp(prefix="tidtam-outbound-"))
    db_url = args.database_url or f"sqlite+aiosqlite:///{tmp / 'outbound.db'}"
    port_file = tmp / "port"
    fakes = subprocess.Popen([sys.executable, __file__, "--serve-fakes", str(port_file)])
    try:
        while not port_file.exists() or not port_file.read_text():
            time.sleep(0.05)
        base = f"http://127.0.0.1:{port_file.read_text()}"
        asyncio.run(fill(db_url, args.telegram, args.groups, args.line, args.line_channels, args.telegram_bots))
        elapsed = asyncio.run(dispatch(db_url, base, tmp / "data"))
        stats = httpx.post(base + "/stats", timeout=30).json()
    finally:
        fakes.terminate()
        fakes.wait(10)
    tg = [t for t, chat, _token in stats["accepted"]["telegram"] if not chat.startswith("-")]
    groups = collections.Counter(chat for _t, chat, _token in stats["accepted"]["telegram"] if chat.startswith("-"))
    per_bot: dict[str, list[float]] = collections.defaultdict(list)
    for t, _chat, token in stats["accepted"]["telegram"]:
        per_bot[token].append(t)
    line_times = [t for t, _to, _token in stats["accepted"]["line"]]
    per_channel: dict[str, list[float]] = collections.defaultdict(list)
    for t, _to, token in stats["accepted"]["line"]:
        per_channel[token].append(t)
    tg_rate, tg_share = binding_rate(tg, 30 * max(args.telegram_bots, 1))
    line_rate, line_share = binding_rate(line_times, 2000)
    print(
        json.dumps(
            {
                "seconds_total": round(elapsed, 1),
                "telegram": {
                    "private_messages": len(tg),
                    "group_messages": sum(groups.values()),
                    "rate_per_s": round(tg_rate, 2),
                    "share_of_30_per_s_per_bot": f"{tg_share:.1%}",
                    "429s": stats["refused"]["telegram"],
                    "bots": len(per_bot),
                    "busiest_second_of_one_bot": max((busiest(ts) for ts in per_bot.values()), default=0),
                },
                "line": {
                    "pushes": len(line_times),
                    "rate_per_s": round(line_rate, 1),
                    "share_of_2000_per_s": f"{line_share:.1%}",
                    "429s": stats["refused"]["line"],
                    "channels": len(per_channel),
                    "busiest_second_of_one_channel": max((busiest(ts) for ts in per_channel.values()), default=0),
                },
            },
            ensure_ascii=False,
            indent=1,
        )
    )


if __name__ == "__main__":
    main()
