"""Several organisations, each on its own LINE Official Account, in one deployment: webhooks checked with each
channel's own secret, replies and pushes sent with each channel's own token (seen on the wire, through a Prism
mock of LINE's messaging-api.yml), quotas counted per channel, and each channel its own lane of the rate
limiter."""

from __future__ import annotations

import asyncio
import datetime as dt
import time

import aiohttp
import pytest
from cryptography.fernet import Fernet
from sqlmodel import select
from starlette.testclient import TestClient

import bot.adapters.http
from base.events import Message
from base.settings import Settings
from bot.adapters.line_channels import LineChannels, LineSender
from bot.web.app import create_app
from scheduler.outbox import Dispatcher, Limits, RateLimiter, RetryLater
from storage.db import Database
from storage.line_channels import set_channel
from storage.models import AuditLog, LineUsage, Outbox, OutboxState, Person, Role, TickMark
from storage.outbox import enqueue
from storage.sealed import Sealer
from support.chat import invite_code, setup_org
from support.line import SECRET, body, event, sign
from support.paths import EXAMPLE_PLAN

A_SECRET, B_SECRET = "a1" * 16, "b2" * 16
A_TOKEN, B_TOKEN, DEFAULT_TOKEN = "tokenA" + "x" * 40, "tokenB" + "y" * 40, "default-token-" + "z" * 20

KEY = Fernet.generate_key().decode()  # every Settings of this module seals with it (SECRETS_KEY, below)
SEAL = Sealer([KEY.encode()])


@pytest.fixture(autouse=True)
def _one_key(monkeypatch):
    monkeypatch.setenv("SECRETS_KEY", KEY)


class Wire:
    """Every request the app made to LINE: its path, its bearer token and its JSON."""

    def __init__(self):
        self.calls: list[tuple[str, str]] = []


@pytest.fixture
def deployment(tmp_path, prism, monkeypatch):
    wire = Wire()
    made = bot.adapters.http.pooled_session

    def traced(timeout, headers=None):  # the headers as they leave for Prism
        session = made(timeout, headers)
        trace = aiohttp.TraceConfig()

        async def started(_session, _ctx, params):
            wire.calls.append((params.url.path, params.headers.get("Authorization", "")))

        trace.on_request_start.append(started)
        trace.freeze()
        session._trace_configs.append(trace)
        return session

    monkeypatch.setattr(bot.adapters.http, "pooled_session", traced)
    db_url = f"sqlite+aiosqlite:///{tmp_path / 'many.db'}"

    async def world():
        db = Database(db_url)
        await db.upgrade()
        a = await setup_org(db, EXAMPLE_PLAN, name="เทศบาลตำบลหนึ่ง")
        b = await setup_org(db, EXAMPLE_PLAN, name="เทศบาลตำบลสอง")
        async with db.session() as s:
            await set_channel(s, a, "nueng", A_SECRET, A_TOKEN, "test", seal=SEAL)
            await set_channel(s, b, "song", B_SECRET, B_TOKEN, "test", seal=SEAL)
        codes = {
            "a": await invite_code(db, a, Role.ADMIN, uses=5),
            "b": await invite_code(db, b, Role.ADMIN, uses=5),
        }
        await db.dispose()
        return a, b, codes

    a, b, codes = asyncio.run(world())
    settings = Settings(
        data_dir=tmp_path / "data",
        database_url=db_url,
        line_channel_secret=SECRET,  # the deployment's own channel, for organisations without one
        line_channel_access_token=DEFAULT_TOKEN,
        line_api_base_url=prism,
        run_scheduler=False,
    )
    with TestClient(create_app(settings)) as client:
        yield client, wire, settings, (a, b), codes


def post(client, path: str, *events, secret: str):
    raw = body(*events)
    return client.post(path, content=raw, headers={"X-Line-Signature": sign(raw, secret)})


def people(settings) -> int:
    async def go():
        db = Database(settings.database_url)
        async with db.session(commit=False) as s:
            n = len((await s.exec(select(Person))).all())
        await db.dispose()
        return n

    return asyncio.run(go())


def replies(wire) -> list[str]:
    return [token for path, token in wire.calls if path == "/v2/bot/message/reply"]


UA, UB, UC = "U" + "a" * 32, "U" + "b" * 32, "U" + "c" * 32


def test_each_organisation_talks_on_its_own_channel(deployment):
    client, wire, settings, _orgs, codes = deployment

    # org A's person joins on A's channel: the reply goes out with A's token
    joined = post(client, "/line/webhook/nueng", event("message", UA, text=f"/start {codes['a']}"), secret=A_SECRET)
    assert joined.status_code == 200 and replies(wire) == [f"Bearer {A_TOKEN}"]
    assert people(settings) == 1

    # a body signed with another channel's secret, or the deployment's, is refused on A's path
    for secret in (B_SECRET, SECRET):
        assert post(client, "/line/webhook/nueng", event("message", UC, text="hi"), secret=secret).status_code == 400
    assert post(client, "/line/webhook/nobody", event("message", UC, text="hi"), secret=A_SECRET).status_code == 404
    assert post(client, "/line/webhook/" + "x" * 5000, event("message", UC), secret=A_SECRET).status_code == 404

    # A's code sent on B's channel, or on the deployment's: refused in Thai, nothing written
    wrong = post(client, "/line/webhook/song", event("message", UB, text=f"/start {codes['a']}"), secret=B_SECRET)
    assert wrong.status_code == 200 and replies(wire)[-1] == f"Bearer {B_TOKEN}"
    shared = post(client, "/line/webhook", event("message", UC, text=f"/start {codes['a']}"), secret=SECRET)
    assert shared.status_code == 200 and replies(wire)[-1] == f"Bearer {DEFAULT_TOKEN}"
    assert people(settings) == 1

    # A's person writing on B's channel (same LINE provider: same user id) is a stranger there
    assert post(client, "/line/webhook/song", event("message", UA, text="/status"), secret=B_SECRET).status_code == 200
    assert replies(wire)[-1] == f"Bearer {B_TOKEN}"

    # B's person joins on B's channel
    post(client, "/line/webhook/song", event("message", UB, text=f"/start {codes['b']}"), secret=B_SECRET)
    assert people(settings) == 2


def test_refusals_read_in_thai(deployment):
    client, _wire, _settings, _orgs, codes = deployment
    seen = []
    import bot.adapters.line

    real = bot.adapters.line.LineAdapter.reply

    async def keep(self, token, messages):
        seen.append(" ".join(m.get("text", "") for m in messages))
        await real(self, token, messages)

    bot.adapters.line.LineAdapter.reply = keep
    try:
        post(client, "/line/webhook/song", event("message", UB, text=f"/start {codes['a']}"), secret=B_SECRET)
        post(client, "/line/webhook", event("message", UC, text=f"/start {codes['a']}"), secret=SECRET)
        post(client, "/line/webhook/nueng", event("message", UA, text=f"/start {codes['a']}"), secret=A_SECRET)
        post(client, "/line/webhook/song", event("message", UA, text="/status"), secret=B_SECRET)
        # A's person sends B's own code on B's channel: the account is A's, so it is refused — in words
        post(client, "/line/webhook/song", event("message", UA, text=f"/start {codes['b']}"), secret=B_SECRET)
    finally:
        bot.adapters.line.LineAdapter.reply = real
    assert "ใช้ Tidtam กับองค์กรอื่นอยู่แล้ว" in seen[4], seen  # was: no reply at all, nothing logged
    assert "รหัสนี้เป็นขององค์กรอื่น" in seen[0]
    assert "บัญชี LINE ของตนเอง" in seen[1]
    assert "ยินดีต้อนรับสู่ Tidtam" in seen[2]
    assert "/start" in seen[3]  # a stranger on B's channel is told how to join


def test_pushes_go_on_each_organisations_channel_and_count_against_its_quota(deployment):
    client, wire, settings, (a, b), codes = deployment
    post(client, "/line/webhook/nueng", event("message", UA, text=f"/start {codes['a']}"), secret=A_SECRET)
    post(client, "/line/webhook/song", event("message", UB, text=f"/start {codes['b']}"), secret=B_SECRET)

    async def send():
        db = Database(settings.database_url)
        async with db.session() as s:
            await enqueue(
                s,
                [
                    {
                        "org_id": org,
                        "key": f"o{org}:test:{to}",
                        "kind": "reminder",
                        "platform": "line",
                        "chat_id": to,
                        "payload": {"text": "เตือน", "buttons": []},
                    }
                    for org, to in ((a, UA), (b, UB))
                ],
            )
        channels = LineChannels(settings, db)
        sent = await Dispatcher(db, {"line": LineSender(channels)}, settings.data_dir, "t").run_once()
        await channels.close()
        async with db.session(commit=False) as s:
            usage = {u.channel: u.pushed for u in (await s.exec(select(LineUsage))).all()}
        await db.dispose()
        return sent, usage

    sent, usage = asyncio.run(send())
    pushes = sorted(token for path, token in wire.calls if path == "/v2/bot/message/push")
    assert sent == 2 and pushes == sorted([f"Bearer {A_TOKEN}", f"Bearer {B_TOKEN}"])
    assert usage == {"nueng": 1, "song": 1}


def test_a_rotated_secret_is_taken_up_without_a_restart(deployment):
    client, _wire, settings, (a, _b), codes = deployment
    assert post(client, "/line/webhook/nueng", event("message", UA, text="hi"), secret=A_SECRET).status_code == 200
    new_secret = "c3" * 16

    async def rotate():
        db = Database(settings.database_url)
        async with db.session() as s:
            await set_channel(s, a, "nueng", new_secret, A_TOKEN, "test", seal=SEAL)
            audit = (await s.exec(select(AuditLog).where(AuditLog.entity == "line_channel"))).all()
        await db.dispose()
        return audit

    audit = asyncio.run(rotate())
    assert all(new_secret not in str(row.new) and A_TOKEN not in str(row.new) for row in audit)
    channels = client.app.state.services.line
    # within a few seconds of the last read, a wrong signature does not send every forged request to the database
    assert post(client, "/line/webhook/nueng", event("message", UA, text="hi"), secret=new_secret).status_code == 400
    later = time.monotonic() + 10
    channels.clock = lambda: later
    assert post(client, "/line/webhook/nueng", event("message", UA, text="hi"), secret=new_secret).status_code == 200
    assert post(client, "/line/webhook/nueng", event("message", UA, text="hi"), secret=A_SECRET).status_code == 400


# ---------------------------------------------------------------- lanes of the rate limiter (no LINE needed)


class TwoChannels:
    """A sender whose organisations 1 and 2 each have a channel; channel 1 may answer one 429."""

    def __init__(self, refuse_first_of: int | None = None):
        self.sent: list[tuple[str, float]] = []
        self.refuse_first_of = refuse_first_of

    async def lane(self, org_id: int) -> str:
        return f"line/org{org_id}"

    async def send(self, chat_id: str, message: Message, key: str = "", org_id: int = 0) -> None:
        if self.refuse_first_of == org_id:
            self.refuse_first_of = None
            raise RetryLater(30, "LINE 429")
        self.sent.append((f"line/org{org_id}", time.monotonic()))


async def _queue(db_url: str, per_org: int) -> Database:
    from storage.models import OrgKind
    from storage.repo import create_organisation

    db = Database(db_url)
    await db.upgrade()
    async with db.session() as s:
        for n in (1, 2):
            await create_organisation(s, name=f"o{n}", kind=OrgKind.SAO, province="p", district="d", fiscal_year=2569)
    async with db.session() as s:
        rows = [
            {
                "org_id": org,
                "key": f"o{org}:k{i}",
                "kind": "reminder",
                "platform": "line",
                "chat_id": f"U{org}{i:031d}",
                "payload": {"text": "เตือน", "buttons": []},
            }
            for org in (1, 2)
            for i in range(per_org)
        ]
        await enqueue(s, rows)
    return db


async def test_each_channel_keeps_its_own_limit_and_channels_send_side_by_side(tmp_path):
    db = await _queue(f"sqlite+aiosqlite:///{tmp_path / 'lanes.db'}", per_org=30)
    sender = TwoChannels()
    limiter = RateLimiter({"line": Limits(per_second=10, per_chat_second=100, per_group_minute=100)})
    dispatcher = Dispatcher(db, {"line": sender}, tmp_path, "t", limiter)
    deadline = time.monotonic() + 30
    while len(sender.sent) < 60 and time.monotonic() < deadline:
        await dispatcher.run_once()
        await asyncio.sleep(0.05)
    await db.dispose()
    assert len(sender.sent) == 60
    for lane in ("line/org1", "line/org2"):
        times = [t for name, t in sender.sent if name == lane]
        assert len(times) == 30
        assert max(sum(1 for u in times if t <= u < t + 1.0) for t in times) <= 10  # its own 10 a second
    # side by side: together they sent more in some second than one channel may
    everything = [t for _name, t in sender.sent]
    assert max(sum(1 for u in everything if t <= u < t + 1.0) for t in everything) > 10


async def test_one_channels_429_holds_up_no_other_channel(tmp_path):
    db = await _queue(f"sqlite+aiosqlite:///{tmp_path / 'pause.db'}", per_org=20)
    sender = TwoChannels(refuse_first_of=1)
    dispatcher = Dispatcher(db, {"line": sender}, tmp_path, "t", RateLimiter({"line": Limits(2000, 2000, 120000)}))
    started = dt.datetime.now(dt.UTC)
    await dispatcher.run_once()
    async with db.session(commit=False) as s:
        rows = (await s.exec(select(Outbox))).all()
    await db.dispose()
    assert {lane for lane, _t in sender.sent} == {"line/org2"} and len(sender.sent) == 20
    waiting = [r for r in rows if r.org_id == 1]
    assert all(r.state == OutboxState.PENDING for r in waiting)  # none given up on, none sent
    assert all(r.not_before >= started + dt.timedelta(seconds=25) for r in waiting)  # they wait out the 30 s
    assert sum(r.attempts for r in waiting) == 1  # only the refused push was tried


async def test_a_revoked_token_fails_for_good_naming_its_channel(tmp_path, monkeypatch):
    import bot.adapters.line
    from scheduler.outbox import PermanentFailure
    from storage.models import OrgKind
    from storage.repo import create_organisation

    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'revoked.db'}")
    await db.upgrade()
    async with db.session() as s:
        org = await create_organisation(s, name="o", kind=OrgKind.SAO, province="p", district="d", fiscal_year=2569)
        await set_channel(s, org.id, "nueng", A_SECRET, A_TOKEN, "test", seal=SEAL)
    tokens = []

    async def unauthorised(self, path, payload, headers=None):
        tokens.append(self.channel.token)
        return 401, '{"message":"Authentication failed"}', {}

    monkeypatch.setattr(bot.adapters.line.LineAdapter, "_post", unauthorised)
    channels = LineChannels(Settings(data_dir=tmp_path, line_api_base_url="http://127.0.0.1:9"), db)
    assert channels.default is None  # no deployment channel: only the organisation's own
    with pytest.raises(PermanentFailure, match="channel nueng"):
        await LineSender(channels).send(UA, Message("เตือน"), key="k", org_id=org.id)
    with pytest.raises(PermanentFailure, match="no LINE channel"):  # an organisation without one, and no default
        await LineSender(channels).send(UA, Message("เตือน"), key="k2", org_id=org.id + 1)
    assert tokens == [A_TOKEN]
    await channels.close()
    await db.dispose()


async def test_a_database_error_shows_no_channel_secret(db):
    """Statements' values never reach an error message (engines hide parameters): a failed write of a channel
    logs neither its secret nor its token."""
    from sqlalchemy.exc import IntegrityError

    from storage.models import LineChannel, OrgKind
    from storage.repo import create_organisation

    async with db.session() as s:
        org = await create_organisation(s, name="o", kind=OrgKind.SAO, province="p", district="d", fiscal_year=2569)
        await set_channel(s, org.id, "nueng", A_SECRET, A_TOKEN, "test", seal=SEAL)
    with pytest.raises(IntegrityError) as raised:
        async with db.session() as s:  # a second channel for the same organisation: refused by the database
            s.add(LineChannel(org_id=org.id, name="song", secret=B_SECRET, access_token=B_TOKEN))
    shown = str(raised.value) + repr(raised.value)
    assert "line_channel" in shown and B_SECRET not in shown and B_TOKEN not in shown


def test_a_deployment_with_only_organisations_channels(tmp_path):
    """No LINE_CHANNEL_SECRET: /line/webhook is 404, and an organisation's own channel still works."""
    db_url = f"sqlite+aiosqlite:///{tmp_path / 'only.db'}"

    async def world():
        db = Database(db_url)
        await db.upgrade()
        org = await setup_org(db, EXAMPLE_PLAN)
        async with db.session() as s:
            await set_channel(s, org, "nueng", A_SECRET, A_TOKEN, "test", seal=SEAL)
        code = await invite_code(db, org, Role.ADMIN)
        await db.dispose()
        return code

    code = asyncio.run(world())
    settings = Settings(
        data_dir=tmp_path / "data", database_url=db_url, line_api_base_url="http://127.0.0.1:9", run_scheduler=False
    )
    with TestClient(create_app(settings)) as client:
        assert post(client, "/line/webhook", event("message", UA, text="hi"), secret=SECRET).status_code == 404
        joined = post(client, "/line/webhook/nueng", event("message", UA, text=f"/start {code}"), secret=A_SECRET)
        assert joined.status_code == 200
    assert people(settings) == 1


async def test_the_quota_that_counts_is_the_organisations_own_channels(tmp_path):
    """The deployment's channel nearly spent holds nothing back for an organisation on its own channel; its own
    channel nearly spent does."""
    from zoneinfo import ZoneInfo

    import time_machine
    from test_line import _line_world

    from scheduler.tick import tick
    from storage.outbox import OutboxKey

    db, org = await _line_world(f"sqlite+aiosqlite:///{tmp_path / 'q.db'}")
    async with db.session() as s:
        await set_channel(s, org, "nueng", A_SECRET, A_TOKEN, "test", seal=SEAL)
        s.add(LineUsage(month="2026-04", channel="", pushed=299, quota=300))  # the deployment's: spent

    async def over4_day() -> tuple[set[str], list[Outbox]]:
        with time_machine.travel(dt.datetime(2026, 4, 21, 9, 0, tzinfo=ZoneInfo("Asia/Bangkok")), tick=False):
            await tick(db, Settings(data_dir=tmp_path))
        async with db.session() as s:
            rows = (await s.exec(select(Outbox))).all()
            for row in rows:
                await s.delete(row)
        pending = {OutboxKey.parse(r.key).subject for r in rows if r.kind == "reminder"}
        return pending, [r for r in rows if r.kind == "notice"]

    rungs, notices = await over4_day()
    assert "over4" in rungs and notices == []  # its own channel has room
    async with db.session() as s:
        s.add(LineUsage(month="2026-04", channel="nueng", pushed=290, quota=300))
        for mark in (await s.exec(select(TickMark))).all():
            await s.delete(mark)
    rungs, notices = await over4_day()
    assert "over4" not in rungs and len(notices) == 1 and "ร้อยละ 97" in notices[0].payload["text"]
    await db.dispose()
