"""LINE conformance: signed webhook events built after webhook.yml go into the project's web app, and every
reply and push goes through line-bot-sdk to a Prism mock of LINE's own messaging-api.yml, which refuses
anything that does not match the spec."""

from __future__ import annotations

import asyncio
import datetime as dt
import re
import uuid
from zoneinfo import ZoneInfo

import pytest
import time_machine
from sqlmodel import select
from starlette.testclient import TestClient

import bot.adapters.line
from base.settings import Settings
from bot.adapters.line_channels import LineChannels, LineSender
from bot.web.app import create_app
from scheduler.outbox import Dispatcher, RateLimiter
from scheduler.tick import tick
from storage.db import Database
from storage.models import ChannelAccount, LineUsage, Outbox, OutboxState, Person, ProcessedEvent, Role, StatusReport
from storage.outbox import OutboxKey
from support.chat import org_with_admin_invite, setup_org
from support.line import SECRET, body, event, sign
from support.paths import EXAMPLE_PLAN

BKK = ZoneInfo("Asia/Bangkok")


class Wire:
    """What the bot sent to LINE (after Prism accepted it)."""

    def __init__(self):
        self.replies: list[list] = []
        self.pushes: list[tuple[str, list, str | None]] = []
        self.loading: list[str] = []
        self.calls: list[str] = []  # the paths, in order


@pytest.fixture
def line(tmp_path, prism, monkeypatch):
    wire = Wire()

    real_post = bot.adapters.line.LineAdapter._post

    async def post(self, path, payload, headers=None):  # what went over the wire (Prism checked it), and its key
        status, body, answer = await real_post(self, path, payload, headers)
        assert status in (200, 202), (path, status, body)  # Prism answers 4xx to a body LINE's spec does not allow
        wire.calls.append(path)
        if path.endswith("/loading/start"):
            wire.loading.append(payload["chatId"])
        elif path.endswith("/reply"):
            wire.replies.append(payload["messages"])
        else:
            wire.pushes.append((payload["to"], payload["messages"], (headers or {}).get("X-Line-Retry-Key")))
        return status, body, answer

    monkeypatch.setattr(bot.adapters.line.LineAdapter, "_post", post)
    db_url = f"sqlite+aiosqlite:///{tmp_path / 'line.db'}"

    admin_code = asyncio.run(org_with_admin_invite(db_url))
    settings = Settings(
        data_dir=tmp_path / "data",
        database_url=db_url,
        line_channel_secret=SECRET,
        line_channel_access_token="test-token",
        line_api_base_url=prism,
        run_scheduler=False,
        public_base_url="https://tidtam.example.go.th",
    )
    with TestClient(create_app(settings)) as client:
        yield client, wire, admin_code, settings


def post(client, *events, secret=SECRET):
    raw = body(*events)
    return client.post(
        "/line/webhook",
        content=raw,
        headers={"X-Line-Signature": sign(raw, secret), "Content-Type": "application/json"},
    )


def texts(messages) -> str:
    return "\n".join(m["text"] for m in messages if m["type"] == "text")


def quick(messages, part: str) -> str:
    for m in messages:
        for item in m.get("quickReply", {}).get("items", []):
            if part in item["action"]["label"]:
                return item["action"]["data"]
    raise AssertionError(f"no quick reply {part!r}")


def say(client, wire, user, text, **kw):
    assert post(client, event("message", user, text=text, **kw)).status_code == 200
    return wire.replies[-1]


def press(client, wire, user, data):
    assert post(client, event("postback", user, data=data)).status_code == 200
    return wire.replies[-1]


def count(settings, model):
    async def go():
        db = Database(settings.database_url)
        async with db.session(commit=False) as s:
            n = len((await s.exec(select(model))).all())
        await db.dispose()
        return n

    return asyncio.run(go())


def test_a_round_on_line(line, tmp_path):
    client, wire, admin_code, settings = line
    ADMIN, STAFF = "U" + "a" * 32, "U" + "b" * 32

    # onboarding by reply (free): the admin, then a member invited from chat
    assert "ยินดีต้อนรับสู่ Tidtam" in texts(say(client, wire, ADMIN, f"/start {admin_code}"))
    say(client, wire, ADMIN, "ผู้ดูแล ไลน์")
    code = texts(say(client, wire, ADMIN, "/invite กองคลัง member")).splitlines()[-1]
    say(client, wire, STAFF, f"/start {code}")
    assert "ลงทะเบียนเรียบร้อย" in texts(say(client, wire, STAFF, "สมศรี ไลน์"))

    # the unit's items come as a Flex carousel; statuses as quick replies
    listing = say(client, wire, STAFF, "/report")
    carousel = next(m for m in listing if m["type"] == "flex")
    bubbles = carousel["contents"]["contents"]
    assert 1 <= len(bubbles) <= 12
    pick = next(
        b["footer"]["contents"][0]["action"]["data"] for b in bubbles if "1.2.2-2" in b["body"]["contents"][0]["text"]
    )
    question = press(client, wire, STAFF, pick)
    assert "รายการนี้มีสถานะอย่างไร" in texts(question)
    press(client, wire, STAFF, quick(question, "อยู่ระหว่าง"))
    say(client, wire, STAFF, "ปลูกต้นไม้แล้ว ๒ ครั้ง")
    assert "ดำเนินการได้แล้วกี่" in texts(say(client, wire, STAFF, "๕,๐๐๐.๕๐"))
    assert "หลักฐาน" in texts(say(client, wire, STAFF, "๑"))
    # a photo as evidence: its content is fetched through the SDK's blob API (Prism serves the spec's route)
    # and checked — Prism's made-up body is no JPEG, so it is refused with a clear message
    assert post(client, event("message", STAFF, image=True)).status_code == 200
    assert "ไม่ใช่ไฟล์ JPG" in texts(wire.replies[-1])
    evidence = say(client, wire, STAFF, "https://www.example.go.th/activity/42")
    assert "ได้รับแล้ว (1)" in texts(evidence)
    summary = press(client, wire, STAFF, quick(evidence, "ต่อไป"))
    assert "เบิกจ่าย: 5,000.50 บาท" in texts(summary) and "หลักฐาน: 1 รายการ" in texts(summary)
    done = press(client, wire, STAFF, quick(summary, "ยืนยัน"))
    assert "บันทึกแล้ว: 1.2.2-2" in texts(done)
    assert all(len(r) <= 5 for r in wire.replies)
    assert count(settings, StatusReport) == 1
    assert "https://www.example.go.th/activity/42" in texts(say(client, wire, ADMIN, "/item 1.2.2-2"))

    # a redelivered event is acknowledged and not processed twice
    again = event("message", STAFF, text="/status", event_id="01REDELIVERED0000000000000")
    replies_before = len(wire.replies)
    assert post(client, again).status_code == 200
    assert post(client, {**again, "deliveryContext": {"isRedelivery": True}}).status_code == 200
    assert len(wire.replies) == replies_before + 1

    # forged or missing signatures: 400, nothing processed
    forged = body(event("message", "U" + "c" * 32, text=f"/start {code}"))
    assert (
        client.post("/line/webhook", content=forged, headers={"X-Line-Signature": sign(forged, "wrong")}).status_code
        == 400
    )
    assert client.post("/line/webhook", content=forged).status_code == 400
    assert count(settings, Person) == 2

    # documents: LINE cannot send files, so /export answers with one-time download links, laid out after
    # LINE's 200 with the loading animation shown meanwhile
    export = texts(say(client, wire, ADMIN, "/export"))
    assert wire.loading == [ADMIN] and wire.calls[-2:] == ["/v2/bot/chat/loading/start", "/v2/bot/message/reply"]
    links = re.findall(r"https://tidtam\.example\.go\.th(/files/[\w-]+)", export)
    assert len(links) == 6
    first = client.get(links[0])
    assert first.status_code == 200 and len(first.content) > 5000
    assert client.get(links[0]).status_code == 404  # once per file per person

    # reminders and the digest are pushed, each with its outbox row's retry key, and counted
    async def reminders():
        db = Database(settings.database_url)
        async with db.session() as s:
            boss = Person(org_id=1, display_name="ปลัด", lang="th")
            s.add(boss)
            await s.flush()
            s.add(ChannelAccount(org_id=1, person_id=boss.id, platform="line", external_id="U" + "d" * 32))
            from storage.models import Membership

            s.add(Membership(org_id=1, person_id=boss.id, role=Role.MANAGER))
        with time_machine.travel(dt.datetime(2026, 3, 31, 9, 0, tzinfo=BKK), tick=False):
            await tick(db, settings)
            channels = LineChannels(settings, db)
            sent = await Dispatcher(
                db, {"line": LineSender(channels)}, settings.data_dir, "t", RateLimiter({})
            ).run_once()
            await channels.close()
        async with db.session(commit=False) as s:
            rows = (await s.exec(select(Outbox))).all()
            usage = (await s.exec(select(LineUsage))).all()
        await db.dispose()
        return sent, rows, usage

    sent, rows, usage = asyncio.run(reminders())
    assert sent == len([r for r in rows if r.state == OutboxState.SENT]) >= 2
    assert {to for to, _m, _k in wire.pushes} >= {STAFF, "U" + "d" * 32}
    for to, messages, key in wire.pushes:
        # sent concurrently: the key is one of the rows' to that chat
        assert key in {
            bot.adapters.line.retry_key(r.key) for r in rows if r.chat_id == to and r.state == OutboxState.SENT
        }
        assert uuid.UUID(key)
        assert len(messages) <= 5
    assert usage[0].pushed == len(wire.pushes)


def test_link_a_telegram_account_to_line(line):
    client, wire, admin_code, settings = line
    from support.chat import Chat, join

    async def telegram_side():
        db = Database(settings.database_url)
        chat = Chat(db, settings)
        await join(chat, "tg-1", admin_code, "คนสองแอป")
        said = await chat.type("tg-1", "/link")
        await db.dispose()
        return said.text

    code = re.search(r"/link (\w+)", asyncio.run(telegram_side())).group(1)
    user = "U" + "e" * 32
    assert "เชื่อมบัญชีแล้ว: คนสองแอป" in texts(say(client, wire, user, f"/link {code}"))
    assert "/invite" in texts(say(client, wire, user, "/help"))  # the same person, with the same roles
    assert "ทาง: LINE" in texts(say(client, wire, user, "/notify line"))
    assert "ไม่ถูกต้องหรือหมดอายุ" in texts(say(client, wire, "U" + "f" * 32, f"/link {code}"))  # used once

    async def accounts():
        db = Database(settings.database_url)
        async with db.session(commit=False) as s:
            rows = (await s.exec(select(ChannelAccount))).all()
            person = (await s.exec(select(Person))).one()
        await db.dispose()
        return {a.platform for a in rows}, person.notify_platform

    assert asyncio.run(accounts()) == ({"telegram", "line"}, "line")


async def _line_world(db_url: str):
    from storage.models import Membership, Unit

    db = Database(db_url)
    await db.upgrade()
    org = await setup_org(db, EXAMPLE_PLAN)
    async with db.session() as s:
        units = (await s.exec(select(Unit))).all()
        for i, unit in enumerate(units):
            p = Person(org_id=org, display_name=f"staff{i}")
            s.add(p)
            await s.flush()
            s.add(ChannelAccount(org_id=org, person_id=p.id, platform="line", external_id=f"U{i:032d}"))
            s.add(Membership(org_id=org, person_id=p.id, unit_id=unit.id, role=Role.MEMBER))
        admin = Person(org_id=org, display_name="admin")
        s.add(admin)
        await s.flush()
        s.add(ChannelAccount(org_id=org, person_id=admin.id, platform="line", external_id="U" + "9" * 32))
        s.add(Membership(org_id=org, person_id=admin.id, role=Role.ADMIN))
    return db, org


async def test_quota_low_holds_back_non_essential_pushes_and_tells_admins(tmp_path):
    db, org = await _line_world(f"sqlite+aiosqlite:///{tmp_path / 'q.db'}")
    settings = Settings(data_dir=tmp_path)
    async with db.session() as s:
        s.add(LineUsage(month="2026-04", pushed=290, quota=300))  # 96.7 %
    with time_machine.travel(dt.datetime(2026, 4, 21, 9, 0, tzinfo=BKK), tick=False):  # over4 day
        await tick(db, settings)
    async with db.session(commit=False) as s:
        rows = (await s.exec(select(Outbox))).all()
    await db.dispose()
    rungs = {OutboxKey.parse(r.key).subject for r in rows if r.kind == "reminder" and r.state == OutboxState.PENDING}
    assert "over4" not in rungs  # a repeated overdue nudge: held back
    notices = [r for r in rows if r.kind == "notice"]
    assert len(notices) == 1 and "ร้อยละ 97" in notices[0].payload["text"] and "ระงับ" in notices[0].payload["text"]


@pytest.mark.slow
def test_line_usage_estimates_the_next_round(cli_env, capsys):
    from bot.cli import main

    asyncio.run(_line_world(f"sqlite+aiosqlite:///{cli_env / 'data' / 'tidtam.db'}"))[0]
    with time_machine.travel(dt.datetime(2026, 3, 10, 9, 0, tzinfo=BKK), tick=False):
        assert main(["line", "usage"]) == 0
    out = capsys.readouterr().out
    assert "2026-03" in out and "2026-04" in out
    months = {line.split()[0]: int(line.split()[1]) for line in out.splitlines() if line.startswith("2026-")}
    assert months["2026-03"] >= 4 and months["2026-04"] > months["2026-03"]


async def test_monthly_limit_is_not_retried_and_is_recorded(tmp_path, monkeypatch):
    from base.events import Message
    from scheduler.outbox import PermanentFailure

    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'm.db'}")
    await db.upgrade()
    settings = Settings(
        data_dir=tmp_path,
        line_channel_secret=SECRET,
        line_channel_access_token="t",
        line_api_base_url="http://127.0.0.1:9",
    )
    channels = LineChannels(settings, db)
    adapter = channels.default
    calls = []

    async def limit(path, payload, headers=None):
        calls.append(1)
        return 429, '{"message":"You have reached your monthly limit."}', {}  # LINE's words for it

    monkeypatch.setattr(adapter, "_post", limit)
    with pytest.raises(PermanentFailure):
        await LineSender(channels).send("U1", Message("แจ้งเตือน"), key="o1:r1:u1:d7:line:U1", org_id=1)
    async with db.session(commit=False) as s:
        row = (await s.exec(select(LineUsage))).one()
    assert calls == [1] and row.consumed == row.quota  # 100 %: admins are told, pushes held back
    await channels.close()
    await db.dispose()


def test_database_down_means_line_redelivers(line, monkeypatch):
    client, wire, admin_code, settings = line
    from storage.db import Database as DB

    def down(self, **kw):
        raise ConnectionError("database unavailable")

    ev = event("message", "U" + "7" * 32, text=f"/start {admin_code}", event_id="01DBDOWN000000000000000000")
    with monkeypatch.context() as m:
        m.setattr(DB, "session", down)
        assert post(client, ev).status_code == 500  # LINE will redeliver
    assert count(settings, Person) == 0
    assert post(client, {**ev, "deliveryContext": {"isRedelivery": True}}).status_code == 200
    assert count(settings, Person) == 1 and count(settings, ProcessedEvent) == 1
    assert post(client, ev).status_code == 200 and count(settings, Person) == 1  # and only once


def _admin(client, wire, admin_code) -> str:
    user = "U" + "e" * 32
    say(client, wire, user, f"/start {admin_code}")
    say(client, wire, user, "ผู้ดูแล ไลน์")
    return user


def test_export_gets_its_200_before_the_documents_are_laid_out(line, monkeypatch):
    """Served by uvicorn, so LINE's 200 is seen apart from the work after it: the layout is held until the test
    has its 200 — were the webhook to wait for the documents, the request would time out."""
    import threading
    import time

    import httpx

    import reports.export
    from support.browser import Served
    from support.ports import free_port

    client, wire, admin_code, settings = line
    admin = _admin(client, wire, admin_code)
    answered = threading.Event()
    real_export = reports.export.export

    def held_export(*args, **kwargs):  # runs in a worker thread (asyncio.to_thread)
        assert answered.wait(30), "the layout waited for a 200 that never came"
        return real_export(*args, **kwargs)

    monkeypatch.setattr(reports.export, "export", held_export)
    replies = len(wire.replies)
    with Served(create_app(settings), free_port(), lifespan="on") as served:
        raw = body(event("message", admin, text="/export"))
        headers = {"X-Line-Signature": sign(raw), "Content-Type": "application/json"}
        got = httpx.post(served.url + "/line/webhook", content=raw, headers=headers, timeout=10)
        assert got.status_code == 200 and len(wire.replies) == replies  # answered, the documents not yet made

        def wait(done) -> None:
            deadline = time.monotonic() + 60
            while not done() and time.monotonic() < deadline:
                time.sleep(0.05)

        wait(lambda: wire.loading)
        assert wire.loading == [admin]  # the animation is on while they are made
        answered.set()
        wait(lambda: len(wire.replies) > replies)
    assert len(re.findall(r"https://tidtam\.example\.go\.th/files/[\w-]+", texts(wire.replies[-1]))) == 6


def test_a_late_answer_is_pushed_and_counted_when_the_reply_token_has_lapsed(line, monkeypatch):
    client, wire, admin_code, settings = line
    admin = _admin(client, wire, admin_code)

    async def lapsed(self, reply_token, messages):
        return False  # LINE: "Invalid reply token" (used, or too old)

    monkeypatch.setattr(bot.adapters.line.LineAdapter, "reply", lapsed)
    assert post(client, event("message", admin, text="/export")).status_code == 200
    to, messages, key = wire.pushes[-1]
    assert to == admin and "/files/" in texts(messages) and uuid.UUID(key)
    assert sum(u.pushed for u in _usage(settings)) == 1  # a push is counted against the month's quota


def _usage(settings) -> list[LineUsage]:
    async def go():
        db = Database(settings.database_url)
        async with db.session(commit=False) as s:
            rows = (await s.exec(select(LineUsage))).all()
        await db.dispose()
        return rows

    return asyncio.run(go())


def test_what_waits_in_the_outbox_for_a_person_rides_on_the_reply_to_them(line, monkeypatch):
    """A reminder still queued when the person writes goes with the reply (free), not as a push (counted); if the
    reply fails, it stays queued for the dispatcher."""
    client, wire, admin_code, settings = line
    admin = _admin(client, wire, admin_code)

    async def queue(n: int) -> None:
        from base.events import Message
        from storage.outbox import enqueue, to_payload

        db = Database(settings.database_url)
        async with db.session() as s:
            await enqueue(
                s,
                [
                    {
                        "org_id": 1,
                        "key": str(OutboxKey(1, "r1:u1", f"d{i}", "line", admin)),
                        "kind": "reminder",
                        "platform": "line",
                        "chat_id": admin,
                        "payload": to_payload(Message(f"แจ้งเตือนทดสอบ {i}"), settings.data_dir),
                    }
                    for i in range(n)
                ],
            )
        await db.dispose()

    def rows() -> list[Outbox]:
        async def go():
            db = Database(settings.database_url)
            async with db.session(commit=False) as s:
                found = (await s.exec(select(Outbox).where(Outbox.chat_id == admin).order_by(Outbox.id))).all()
            await db.dispose()
            return found

        return asyncio.run(go())

    asyncio.run(queue(6))
    reply = say(client, wire, admin, "/status")
    assert len(reply) <= 5 and "แจ้งเตือนทดสอบ 0" in texts(reply)
    ridden = [r for r in rows() if r.state == OutboxState.SENT]
    assert ridden and all(r.last_error == "by reply" for r in ridden)
    assert len([r for r in rows() if r.state == OutboxState.PENDING]) == 6 - len(ridden)  # the rest wait their turn
    assert wire.pushes == [] and sum(u.pushed for u in _usage(settings)) == 0

    async def refused(self, reply_token, messages):
        return False

    monkeypatch.setattr(bot.adapters.line.LineAdapter, "reply", refused)
    before = len([r for r in rows() if r.state == OutboxState.PENDING])
    assert post(client, event("message", admin, text="/status")).status_code == 200
    assert len([r for r in rows() if r.state == OutboxState.PENDING]) == before  # back in the queue, not lost


def test_a_group_reminder_names_its_members_with_line_mentions(line):
    """textV2 with a mention substitution, accepted by Prism against LINE's spec; the text's own braces doubled."""
    client, wire, admin_code, settings = line
    from base.events import Mention, Message

    member = "U" + "f" * 32

    async def go():
        db = Database(settings.database_url)
        channels = LineChannels(settings, db)
        adapter = await channels.of_org(1)
        message = Message("แจ้งเตือนกองคลัง {ทดสอบ}", mentions=[Mention(member, "มานี คลัง")])
        await adapter.push("C" + "1" * 32, await adapter.render(message, to="C" + "1" * 32), "mention-test")
        await channels.close()
        await db.dispose()

    asyncio.run(go())
    sent = wire.pushes[-1][1][0]
    assert sent["type"] == "textV2" and sent["text"] == "แจ้งเตือนกองคลัง {{ทดสอบ}}\n{m0}"
    assert sent["substitution"] == {"m0": {"type": "mention", "mentionee": {"type": "user", "userId": member}}}
