"""Inbound: check-in updates posted to the Telegram webhook of the running app at increasing rates.

    .venv/bin/python bench/inbound.py [--targets sqlite,postgres,echo] [--rates 50,100,200,400] [--seconds 10]

Targets (each started as in production, under uvicorn in processes of its own):
  sqlite    Tidtam, 1 web worker, the default SQLite database
  postgres  Tidtam, 2 web workers (WEB_WORKERS=2), a PostgreSQL cluster started for the run
  echo      the framework's floor: a bare python-telegram-bot Application that only echoes (bench/echo_bot.py)

Simulated staff (300 of them, 8 units, the 63-item example plan, the 6-month round open) answer item after
item with the buttons the bot really sent: /status → an item → a status → no evidence → confirm. Every
update is one check-in step; each step commits the conversation and queues its reply, and one step in
five writes a StatusReport. The generator is open-loop: at rate R it posts R updates a second, each to a
person whose previous reply has arrived. The fake Bot API (in this process) takes the replies.

Printed per target and rate: updates/s achieved, StatusReports/s, webhook p50/p99 (POST → 200), reply p99
(POST → the reply at the fake Bot API), errors, and CPU per update: the app's, the PostgreSQL server's
(every postgres process on the machine), and this generator's with its fake Bot API — together, what one
update costs the machine's cores. A rate is "held" when ≥ 95 %
of it is achieved with p99 ≤ 100 ms; the ramp stops two levels after the first rate that is not held.
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

import psutil  # noqa: E402

import fake_http  # noqa: E402

TOKEN = "123456:BENCH"
SECRET = "bench-secret"
PEOPLE = 100


# ---------------------------------------------------------------- a small HTTP/1.1 client and server


class Connection:
    """One keep-alive HTTP/1.1 connection; cheap enough that the generator is not what is measured."""

    def __init__(self, host: str, port: int):
        self.host, self.port = host, port
        self.reader = self.writer = None

    async def post(self, path: str, body: bytes, headers: str = "") -> int:
        if self.writer is not None:
            try:
                return await self._post(path, body, headers)
            except (OSError, asyncio.IncompleteReadError):  # the server closed an idle keep-alive connection
                self.writer.close()
        self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        return await self._post(path, body, headers)

    async def _post(self, path: str, body: bytes, headers: str) -> int:
        self.writer.write(
            (
                f"POST {path} HTTP/1.1\r\nHost: {self.host}\r\nContent-Type: application/json\r\n"
                f"Content-Length: {len(body)}\r\n{headers}\r\n"
            ).encode()
            + body
        )
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head.split(b" ", 2)[1])
        length = 0
        chunked = False
        for line in head.split(b"\r\n"):
            name, _sep, value = line.partition(b":")
            if name.lower() == b"content-length":
                length = int(value)
            elif name.lower() == b"transfer-encoding" and b"chunked" in value.lower():
                chunked = True
        if chunked:
            while True:
                size = int((await self.reader.readuntil(b"\r\n")).strip(), 16)
                await self.reader.readexactly(size + 2)
                if size == 0:
                    break
        elif length:
            await self.reader.readexactly(length)
        return status


class Pool:
    def __init__(self, host: str, port: int, size: int):
        self.free = collections.deque(Connection(host, port) for _ in range(size))
        self.available = asyncio.Semaphore(size)

    async def post(self, path: str, body: bytes, headers: str = "") -> int:
        async with self.available:
            conn = self.free.popleft()
            try:
                return await conn.post(path, body, headers)
            except (OSError, asyncio.IncompleteReadError):
                conn.writer = None
                raise
            finally:
                self.free.append(conn)


class FakeBotApi:
    """Enough of the Bot API for the bots' replies: each message is offered to the chat's waiting person."""

    def __init__(self, on_message):
        self.on_message = on_message
        self.ids = 0

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await fake_http.serve(
            reader,
            writer,
            lambda path, headers, body: (
                200,
                {"ok": True, "result": self.method(path.rsplit("/", 1)[-1], fake_http.params(headers, body))},
            ),
        )

    def method(self, name: str, params: dict):
        if name == "getMe":
            return {"id": 1, "is_bot": True, "first_name": "Bench", "username": "TidtamBenchBot"}
        if name in ("sendMessage", "editMessageText"):
            chat = int(params.get("chat_id") or 0)
            markup = params.get("reply_markup")
            markup = json.loads(markup) if isinstance(markup, str) else (markup or {})
            self.ids += 1
            mid = int(params.get("message_id") or self.ids)
            buttons = [b for row in markup.get("inline_keyboard", []) for b in row]
            self.on_message(chat, params.get("text", ""), buttons, mid)
            return {
                "message_id": mid,
                "date": int(time.time()),
                "chat": {"id": chat, "type": "private"},
                "text": params.get("text", ""),
            }
        return True


# ---------------------------------------------------------------- simulated staff


class Person:
    """Walks the check-in with the buttons the bot sent; ``want`` says which reply moves it on."""

    def __init__(self, chat: int, echo: bool):
        self.chat, self.echo = chat, echo
        self.step = 0
        self.want = None
        self.buttons: list[dict] = []
        self.message_id = 1
        self.sent_at = 0.0

    def button(self, part: str) -> str | None:
        return next((b["callback_data"] for b in self.buttons if part in b["text"]), None)

    def next_update(self, update_id: int) -> tuple[dict, bool]:
        """The next update to send, and whether it is the one that writes a StatusReport."""
        user = {"id": self.chat, "is_bot": False, "first_name": "staff"}
        if self.echo:
            self.want = lambda text, buttons: True
            return self._message(update_id, user, "ส่งงานแล้ว ๑ รายการ"), False
        plan = [
            ("/status", lambda t, b: any(x["callback_data"].startswith("pk:") for x in b)),
            ("pk:", lambda t, b: any("ยังไม่ดำเนินการ" in x["text"] for x in b)),
            ("ยังไม่ดำเนินการ", lambda t, b: any("ต่อไป" in x["text"] for x in b)),
            ("ต่อไป", lambda t, b: any("ยืนยัน" in x["text"] for x in b)),
            ("ยืนยัน", lambda t, b: True),
        ]
        what, self.want = plan[self.step]
        confirm = self.step == 4
        if what.startswith("/"):
            return self._message(update_id, user, what), False
        if what == "pk:":
            picks = [b["callback_data"] for b in self.buttons if b["callback_data"].startswith("pk:")]
            data = picks[update_id % len(picks)]
        else:
            data = self.button(what)
        if data is None:  # the reply was not what the flow expects: start again from /status
            self.step = 0
            return self.next_update(update_id)
        return {
            "update_id": update_id,
            "callback_query": {
                "id": str(update_id),
                "from": user,
                "chat_instance": str(self.chat),
                "data": data,
                "message": {
                    "message_id": self.message_id,
                    "date": int(time.time()),
                    "chat": {"id": self.chat, "type": "private"},
                },
            },
        }, confirm

    def _message(self, update_id: int, user: dict, text: str) -> dict:
        msg = {
            "message_id": update_id,
            "date": int(time.time()),
            "text": text,
            "from": user,
            "chat": {"id": self.chat, "type": "private"},
        }
        if text.startswith("/"):
            msg["entities"] = [{"offset": 0, "length": len(text), "type": "bot_command"}]
        return {"update_id": update_id, "message": msg}

    def advance(self) -> None:
        self.step = 0 if self.echo else (self.step + 1) % 5


class Generator:
    def __init__(self, app_port: int, people: list[Person]):
        self.pool = Pool("127.0.0.1", app_port, 256)
        self.people = {p.chat: p for p in people}
        self.ready = collections.deque(people)
        self.update_id = 1_000_000
        self.reset()

    def reset(self) -> None:
        self.webhook_ms: list[float] = []
        self.reply_ms: list[float] = []
        self.errors = self.done = self.reports = self.starved = 0

    def on_message(self, chat: int, text: str, buttons: list[dict], message_id: int) -> None:
        person = self.people.get(chat)
        if person is None or person.want is None or not person.want(text, buttons):
            return
        person.want = None
        person.buttons, person.message_id = buttons, message_id
        self.reply_ms.append((time.perf_counter() - person.sent_at) * 1000)
        person.advance()
        self.ready.append(person)

    async def one(self, person: Person) -> None:
        self.update_id += 1
        update, confirm = person.next_update(self.update_id)
        person.sent_at = started = time.perf_counter()
        try:
            status = await self.pool.post(
                "/telegram/webhook", json.dumps(update).encode(), f"X-Telegram-Bot-Api-Secret-Token: {SECRET}\r\n"
            )
        except (OSError, asyncio.IncompleteReadError):
            status = 0
        self.webhook_ms.append((time.perf_counter() - started) * 1000)
        if status == 200:
            self.done += 1
            self.reports += confirm
        else:
            self.errors += 1
            person.want = None
            person.step = 0
            self.ready.append(person)

    async def run(self, rate: float, seconds: float) -> None:
        tasks = set()
        started = time.perf_counter()
        n = 0
        while (elapsed := time.perf_counter() - started) < seconds:
            due = int(elapsed * rate) + 1
            while n < due:
                n += 1
                if not self.ready:
                    self.starved += 1
                    continue
                task = asyncio.create_task(self.one(self.ready.popleft()))
                tasks.add(task)
                task.add_done_callback(tasks.discard)
            await asyncio.sleep(min(0.002, max(0.0, (n / rate) - (time.perf_counter() - started))))
        if tasks:
            await asyncio.wait(tasks, timeout=30)
        await asyncio.sleep(0.5)  # the last replies


# ---------------------------------------------------------------- targets


async def prepare_tidtam(db_url: str) -> list[int]:
    from stress.load_webhook import prepare

    return await prepare(db_url, PEOPLE)


def start_target(kind: str, port: int, api_url: str, db_url: str, workdir: Path) -> subprocess.Popen:
    log = (workdir / f"{kind}.log").open("w")
    if kind == "echo":
        return subprocess.Popen(
            [sys.executable, str(ROOT / "bench" / "echo_bot.py"), str(port), api_url],
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=workdir,
        )
    env = {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_BASE_URL": api_url,
        "TELEGRAM_WEBHOOK_URL": f"http://127.0.0.1:{port}/telegram/webhook",
        "TELEGRAM_WEBHOOK_SECRET": SECRET,
        "TELEGRAM_RATE_LIMITER": "false",
        "RUN_SCHEDULER": "false",
        "DATABASE_URL": db_url,
        "DATA_DIR": str(workdir / "data"),
        "WEB_PORT": str(port),
        "PYTHONPATH": str(ROOT),
        "WEB_WORKERS": "2" if kind == "postgres" else "1",
        "LOG_LEVEL": "WARNING",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "bot", "run"],
        env=env,
        cwd=workdir,
        stdout=log,
        stderr=subprocess.STDOUT,
    )


async def wait_ready(port: int) -> None:
    for _ in range(300):
        try:
            if await Connection("127.0.0.1", port).post("/readyz", b"") in (200, 405):
                return
        except OSError:
            pass
        await asyncio.sleep(0.1)
    raise RuntimeError("the app did not start")


def _cpu(processes) -> float:
    total = 0.0
    for p in processes:
        try:
            t = p.cpu_times()
            total += t.user + t.system
        except psutil.NoSuchProcess:
            pass
    return total


def cpu_seconds(proc: psutil.Process) -> float:
    return _cpu([proc, *proc.children(recursive=True)])


def postgres_cpu_seconds() -> float:
    """Every PostgreSQL server process on the machine (the run's throwaway cluster: nothing else runs here),
    with the backends that have ended: their time is the postmaster's children's."""
    total = 0.0
    for p in psutil.process_iter(["name"]):
        if p.info["name"] not in ("postgres", "postmaster"):
            continue
        try:
            t = p.cpu_times()
            total += t.user + t.system
            if p.parent() is None or p.parent().name() not in ("postgres", "postmaster"):
                total += t.children_user + t.children_system
        except psutil.NoSuchProcess:
            pass
    return total


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * q))]


async def bench_target(kind: str, rates: list[int], seconds: float, pg_url: str | None) -> list[dict]:
    from support.postgres import free_port

    workdir = Path(tempfile.mkdtemp(prefix=f"tidtam-inbound-{kind}-"))
    echo = kind == "echo"
    db_url = ""
    if kind == "sqlite":
        db_url = f"sqlite+aiosqlite:///{workdir / 'bench.db'}"
    elif kind == "postgres":
        db_url = pg_url
    chats = list(range(500_000, 500_000 + PEOPLE)) if echo else await prepare_tidtam(db_url)
    people = [Person(c, echo) for c in chats]
    app_port = free_port()
    gen = Generator(app_port, people)
    api = FakeBotApi(gen.on_message)
    server = await asyncio.start_server(api.serve, "127.0.0.1", 0, backlog=1024)
    api_url = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"
    proc = start_target(kind, app_port, api_url, db_url, workdir)
    rows = []
    try:
        await wait_ready(app_port)
        await gen.run(20, 2)  # warm up
        app = psutil.Process(proc.pid)
        missed = 0
        for rate in rates:
            gen.reset()
            cpu, db_cpu, own_cpu = cpu_seconds(app), postgres_cpu_seconds(), time.process_time()
            await gen.run(rate, seconds)
            cpu = cpu_seconds(app) - cpu
            db_cpu, own_cpu = postgres_cpu_seconds() - db_cpu, time.process_time() - own_cpu
            row = {
                "target": kind,
                "rate": rate,
                "updates_per_s": round(gen.done / seconds, 1),
                "reports_per_s": round(gen.reports / seconds, 1),
                "webhook_p50_ms": round(pct(gen.webhook_ms, 0.5), 1),
                "webhook_p99_ms": round(pct(gen.webhook_ms, 0.99), 1),
                "reply_p99_ms": round(pct(gen.reply_ms, 0.99), 1),
                "errors": gen.errors,
                "starved": gen.starved,
                "app_cpu_ms_per_update": round(cpu * 1000 / max(gen.done, 1), 2),
                # the rest of the machine's two cores: the database server, and this generator with its fake Bot API
                "db_cpu_ms_per_update": round(db_cpu * 1000 / max(gen.done, 1), 2) if kind == "postgres" else 0,
                "bench_cpu_ms_per_update": round(own_cpu * 1000 / max(gen.done, 1), 2),
            }
            row["held"] = row["updates_per_s"] >= 0.95 * rate and row["webhook_p99_ms"] <= 100 and not gen.errors
            rows.append(row)
            print(json.dumps(row), flush=True)
            missed += not row["held"]
            if missed >= 2:
                break
            # let the app catch up before the next level
            while gen.ready and len(gen.ready) < len(people) * 0.9:
                await asyncio.sleep(0.2)
            await asyncio.sleep(1)
    finally:
        proc.terminate()
        try:
            await asyncio.to_thread(proc.wait, 20)  # the fake Bot API on this loop keeps answering meanwhile
        except subprocess.TimeoutExpired:
            proc.kill()
        server.close()
    log = (workdir / f"{kind}.log").read_text(errors="replace")
    if "Traceback" in log:
        print(f"{kind}: tracebacks in {workdir / (kind + '.log')}")
    return rows


async def main_async(targets: list[str], rates: list[int], seconds: float, pg_url: str) -> list[dict]:
    from contextlib import ExitStack

    from support.postgres import throwaway_cluster

    out = []
    with ExitStack() as stack:
        if "postgres" in targets and not pg_url:
            pg_url = stack.enter_context(throwaway_cluster("max_connections=200"))
        for kind in targets:
            out += await bench_target(kind, rates, seconds, pg_url)
    return out


def best(rows: list[dict], kind: str) -> float:
    return max((r["updates_per_s"] for r in rows if r["target"] == kind and r["held"]), default=0.0)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--targets", default="sqlite,postgres,echo")
    ap.add_argument("--rates", default="50,100,200,300,400,600,800,1000")
    ap.add_argument("--seconds", type=float, default=10)
    ap.add_argument("--database-url", default="", help="an existing PostgreSQL database for the postgres target")
    args = ap.parse_args()
    targets = args.targets.split(",")
    rows = asyncio.run(main_async(targets, [int(r) for r in args.rates.split(",")], args.seconds, args.database_url))
    floor = best(rows, "echo")
    print("\nhighest rate held (≥ 95 % achieved, p99 ≤ 100 ms, no errors):")
    for kind in targets:
        held = best(rows, kind)
        ratio = f" = {held / floor:.0%} of the bare framework" if floor and kind != "echo" else ""
        print(f"  {kind:9s} {held:7.1f} updates/s{ratio}")


if __name__ == "__main__":
    main()
