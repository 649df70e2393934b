"""Webhook bodies: too large is refused before it is read (413), and a correctly signed or authenticated
body that is not the platform's shape — an array, null, nesting 10,000 deep — is a 400, never a 500."""

from __future__ import annotations

import asyncio
import json
import threading
import time

import httpx
import pytest
import uvicorn
from starlette.testclient import TestClient

from base.settings import Settings
from bot.web.app import create_app
from support.chat import org_with_admin_invite
from support.line import SECRET, sign
from support.postgres import free_port
from support.telegram import TOKEN

TG_SECRET = "tg-webhook-secret-1"


@pytest.fixture
def settings(tmp_path):
    db_url = f"sqlite+aiosqlite:///{tmp_path / 'w.db'}"
    asyncio.run(org_with_admin_invite(db_url))
    return Settings(
        data_dir=tmp_path / "data",
        database_url=db_url,
        line_channel_secret=SECRET,
        line_channel_access_token="test-token",
        line_api_base_url="http://127.0.0.1:9",
        run_scheduler=False,
    )


BAD_BODIES = [
    b"[1, 2, 3]",
    b"null",
    b"[" * 10000 + b"]" * 10000,
    b'{"events": 5}',
    b'{"events": [null]}',
    b"\xff\xfe not utf-8",
    b'"a string"',
]


@pytest.mark.parametrize("raw", BAD_BODIES)
def test_signed_line_bodies_of_the_wrong_shape_are_400(settings, raw):
    with TestClient(create_app(settings)) as client:
        r = client.post("/line/webhook", content=raw, headers={"X-Line-Signature": sign(raw)})
        assert r.status_code == 400


_USER, _CHAT = '"from": {"id": 7, "is_bot": false, "first_name": "a"}', '"chat": {"id": 7, "type": "private"}'
BAD_UPDATES = [  # read from JSON without python-telegram-bot's objects: every part's type is checked
    b'{"update_id": "x"}',
    b"{}",
    b'{"update_id": true}',
    b'{"update_id": 1, "message": 5}',
    b'{"update_id": 1, "message": {%s, "chat": {"id": "7"}}}' % _USER.encode(),
    b'{"update_id": 1, "message": {"from": 3, %s}}' % _CHAT.encode(),
    b'{"update_id": 1, "message": {%s, %s, "text": 5}}' % (_USER.encode(), _CHAT.encode()),
    b'{"update_id": 1, "message": {%s, %s, "photo": [5]}}' % (_USER.encode(), _CHAT.encode()),
    b'{"update_id": 1, "message": {%s, %s, "document": []}}' % (_USER.encode(), _CHAT.encode()),
    b'{"update_id": 1, "callback_query": {"id": "q", %s, "message": {%s, "message_id": "1"}, "data": "x"}}'
    % (_USER.encode(), _CHAT.encode()),
    b'{"update_id": 1, "callback_query": {"id": "q", %s, "message": {%s, "message_id": 1}, "data": 5}}'
    % (_USER.encode(), _CHAT.encode()),
]


def test_authenticated_telegram_bodies_of_the_wrong_shape_are_400(settings, emulator):
    _client_url, api_url = emulator
    tg = settings.model_copy(
        update={"telegram_bot_token": TOKEN, "telegram_api_base_url": api_url, "telegram_webhook_secret": TG_SECRET}
    )
    with TestClient(create_app(tg)) as client:
        for raw in BAD_BODIES + BAD_UPDATES:
            r = client.post("/telegram/webhook", content=raw, headers={"X-Telegram-Bot-Api-Secret-Token": TG_SECRET})
            assert r.status_code == 400, raw[:80]
        # kinds the bot does not answer are acknowledged, not refused
        for raw in (b'{"update_id": 2, "edited_message": {"text": 5}}', b'{"update_id": 3, "poll": {}}'):
            r = client.post("/telegram/webhook", content=raw, headers={"X-Telegram-Bot-Api-Secret-Token": TG_SECRET})
            assert r.status_code == 200, raw


def test_a_declared_large_line_body_is_refused_unread(settings):
    with TestClient(create_app(settings)) as client:
        r = client.post(
            "/line/webhook", content=b"{}", headers={"Content-Length": str(200 * 2**20), "X-Line-Signature": "x"}
        )
        assert r.status_code == 413


def test_a_streamed_200_mb_line_body_is_cut_off_after_the_limit(settings):
    """Through a real uvicorn: a chunked 200 MB POST is answered 413 and never held in memory (reading all
    of it first, as before, grew the process by 400 MB)."""
    import psutil

    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning", log_config=None)
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(100):
        if server.started:
            break
        time.sleep(0.05)
    chunk = b"x" * 2**20
    me = psutil.Process()
    rss_before, peak, done = me.memory_info().rss, [0], threading.Event()

    def sample():
        while not done.is_set():
            peak[0] = max(peak[0], me.memory_info().rss)
            time.sleep(0.005)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()

    def body():
        for _ in range(200):
            yield chunk

    try:
        try:
            r = httpx.post(
                f"http://127.0.0.1:{port}/line/webhook", content=body(), headers={"X-Line-Signature": "x"}, timeout=30
            )
            assert r.status_code == 413
        except httpx.HTTPError:
            pass  # the server closed the connection while the client was still sending: also a refusal
        done.set()
        sampler.join()
        grown = (peak[0] - rss_before) / 2**20
        print(f"200 MB chunked POST: the process grew by {grown:.0f} MB at its peak")
        assert grown < 60, f"the process grew by {grown:.0f} MB at its peak"
    finally:
        server.should_exit = True
        thread.join(10)


def test_line_redelivery_of_the_same_body_is_handled_once(settings):
    from support.line import body, event

    ev = event("follow", "U" + "9" * 32, event_id="01SAMEEVENT000000000000000")
    raw = body(ev)
    with TestClient(create_app(settings)) as client:
        for _ in range(3):
            assert client.post("/line/webhook", content=raw, headers={"X-Line-Signature": sign(raw)}).status_code == 200
    assert json.loads(raw)["events"][0]["webhookEventId"] == "01SAMEEVENT000000000000000"
