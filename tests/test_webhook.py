"""The production path: Telegram's webhook on the project's ASGI app, against the emulator's bot API."""

from __future__ import annotations

import asyncio
import time

import pytest
from sqlmodel import select
from starlette.testclient import TestClient

from base.settings import Settings
from bot.web.app import create_app
from storage.db import Database
from storage.models import Person, ProcessedEvent, Role
from support.chat import invite_code, setup_org
from support.paths import EXAMPLE_PLAN
from support.telegram import TOKEN, Peer

SECRET = "s3cret-token_for-tests"


def update(update_id: int, text: str, user: int = 555) -> dict:
    message = {
        "message_id": update_id,
        "date": int(time.time()),
        "text": text,
        "from": {"id": user, "is_bot": False, "first_name": "ทดสอบ"},
        "chat": {"id": user, "type": "private", "first_name": "ทดสอบ"},
    }
    if text.startswith("/"):
        message["entities"] = [{"offset": 0, "length": len(text.split()[0]), "type": "bot_command"}]
    return {"update_id": update_id, "message": message}


@pytest.fixture
def web(tmp_path, emulator):
    client_url, api_url = emulator
    db_url = f"sqlite+aiosqlite:///{tmp_path / 'w.db'}"

    async def prepare():
        db = Database(db_url)
        await db.upgrade()
        org = await setup_org(db, EXAMPLE_PLAN)
        code = await invite_code(db, org, Role.MEMBER, "กองคลัง")
        await db.dispose()
        return code

    code = asyncio.run(prepare())
    settings = Settings(
        data_dir=tmp_path / "data",
        database_url=db_url,
        telegram_bot_token=TOKEN,
        telegram_api_base_url=api_url,
        telegram_webhook_secret=SECRET,
    )
    with TestClient(create_app(settings)) as client:
        yield client, Peer(client_url), code, db_url


def count(db_url, model) -> int:
    async def go():
        db = Database(db_url)
        async with db.session(commit=False) as s:
            n = len((await s.exec(select(model))).all())
        await db.dispose()
        return n

    return asyncio.run(go())


def test_secret_token_is_required(web):
    client, peer, code, db_url = web
    body = update(1, f"/start {code}")
    assert client.post("/telegram/webhook", json=body).status_code == 403
    assert (
        client.post("/telegram/webhook", json=body, headers={"X-Telegram-Bot-Api-Secret-Token": "wrong"}).status_code
        == 403
    )
    assert count(db_url, Person) == 0
    assert client.get("/healthz").json() == {"status": "ok"}


def test_update_is_processed_once_even_when_replayed(web):
    client, peer, code, db_url = web
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
    body = update(7, f"/start {code}")
    assert client.post("/telegram/webhook", json=body, headers=headers).status_code == 200
    assert client.post("/telegram/webhook", json=body, headers=headers).status_code == 200  # redelivered
    replies = [m.text for m in peer.messages(555)]
    assert len(replies) == 1 and "ยินดีต้อนรับสู่ Tidtam" in replies[0]
    assert count(db_url, Person) == 1 and count(db_url, ProcessedEvent) == 1
    assert client.post("/telegram/webhook", content=b"not json", headers=headers).status_code == 400


def test_a_failure_answers_5xx_and_the_redelivery_is_processed(web, monkeypatch):
    client, peer, code, db_url = web
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
    import bot.adapters.telegram

    real = bot.adapters.telegram.handle

    async def down(*args, **kwargs):
        raise ConnectionError("database unavailable")

    monkeypatch.setattr(bot.adapters.telegram, "handle", down)
    body = update(9, f"/start {code}")
    assert client.post("/telegram/webhook", json=body, headers=headers).status_code == 500
    assert count(db_url, ProcessedEvent) == 0
    monkeypatch.setattr(bot.adapters.telegram, "handle", real)
    assert client.post("/telegram/webhook", json=body, headers=headers).status_code == 200
    assert count(db_url, Person) == 1 and count(db_url, ProcessedEvent) == 1


def test_readiness_and_metrics(web, monkeypatch):
    client, peer, code, db_url = web
    ready = client.get("/readyz").json()
    assert ready["status"] == "ready" and isinstance(ready["disk_free_mb"], int)
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
    client.post("/telegram/webhook", json=update(21, f"/start {code}"), headers=headers)
    client.post("/telegram/webhook", json=update(21, f"/start {code}"), headers=headers)
    metrics = client.get("/metrics").text
    assert 'tidtam_updates_total{outcome="handled",platform="telegram"}' in metrics
    assert 'tidtam_updates_total{outcome="duplicate",platform="telegram"}' in metrics
    assert "tidtam_outbox_depth 0.0" in metrics
    from storage.db import Database

    async def down(self):
        raise ConnectionError("database unavailable")

    monkeypatch.setattr(Database, "current_revision", down)
    r = client.get("/readyz")
    assert r.status_code == 503 and r.json()["status"] == "database unavailable"


def test_export_shows_that_a_file_is_coming_and_then_sends_the_documents(web, monkeypatch):
    """The documents are laid out after Telegram has its 200, "sending a file…" shown in the chat meanwhile (the
    emulator has neither sendChatAction nor sendDocument: those two are recorded here, the rest goes to it)."""
    import bot.adapters.telegram

    client, peer, _member, db_url = web

    async def admin_code():
        db = Database(db_url)
        async with db.session() as s:
            from storage.models import Organisation

            org = (await s.exec(select(Organisation))).first()
        code = await invite_code(db, org.id, Role.ADMIN)
        await db.dispose()
        return code

    code = asyncio.run(admin_code())
    wire: list[str] = []
    real_call, real_send = bot.adapters.telegram.BotApi.call, bot.adapters.telegram.TelegramAdapter.send

    async def call(self, method, payload):
        if method == "sendChatAction":
            wire.append(f"action:{payload['action']}")
            return True
        return await real_call(self, method, payload)

    async def send(self, chat_id, message):
        if message.attachment is not None:
            wire.append(f"file:{message.attachment.filename}")
            return
        wire.append("text")
        await real_send(self, chat_id, message)

    monkeypatch.setattr(bot.adapters.telegram.BotApi, "call", call)
    monkeypatch.setattr(bot.adapters.telegram.TelegramAdapter, "send", send)
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
    for i, text in enumerate([f"/start {code}", "ผู้ดูแล เทเลแกรม"]):
        assert client.post("/telegram/webhook", json=update(20 + i, text, 777), headers=headers).status_code == 200
    wire.clear()
    assert client.post("/telegram/webhook", json=update(30, "/export", 777), headers=headers).status_code == 200
    assert wire[0] == "action:upload_document" and wire[1] == "text"  # the checks, then the files
    assert sorted(w.rsplit(".", 1)[-1] for w in wire[2:]) == ["docx", "docx", "html", "pdf", "pdf", "xlsx"]
