"""Bad input to the form's routes is a 4xx with a Thai sentence, never a 500: malformed JSON, lone surrogates,
wrong types, a forged Telegram hash in any characters, and a LINE verify endpoint answering something odd."""

from __future__ import annotations

import json
import re

import httpx
import pytest

import bot.web.line_login
from base.settings import Settings
from bot.web.app import create_app
from bot.web.form import telegram_user_id
from bot.web.line_login import line_user_id
from storage.db import Database
from storage.models import Role
from support.chat import Chat, invite_code, join, setup_org
from support.paths import EXAMPLE_PLAN

BODIES = [
    b"{",
    b"[]",
    b'"text"',
    b"null",
    b'{"answers": "x"}',
    b'{"answers": [1, null, "x", []]}',
    b'{"answers": [{"item": "1", "unit": {}}]}',
    b'{"answers": [{"item": 1e999, "unit": -1}]}',
    b'{"item": [], "unit": null, "fields": []}',
    b'{"item": 1, "unit": 1, "fields": {"status": "\\ud800"}}',
    b'{"answers": [{"item": 1, "unit": 1, "status": "\\udfff", "done": "\\ud83d"}]}',
    b'{"round": "6", "answers": [{"item": 1, "unit": 1, "status": "completed"}]}',
    b'{"round": 99999999999999999999999, "answers": []}',
    b"[" * 5000 + b"]" * 5000,
    '{"link": "ก\ud800"}'.encode("utf-8", "surrogatepass"),
    b'{"telegram": "hash=\xe0\xb8\x81&user=%7B%7D"}',
    b'{"telegram": 5}',
    b'{"line": ["x"]}',
]


@pytest.fixture
async def client(tmp_path):
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'f.db'}")
    await db.upgrade()
    org = await setup_org(db, EXAMPLE_PLAN)
    settings = Settings(data_dir=tmp_path / "data", telegram_bot_token="1:T", public_base_url="https://t.test")
    chat = Chat(db, settings)
    await join(chat, "klang", await invite_code(db, org, Role.MEMBER, "กองคลัง"), "สมศรี คลัง")
    token = re.search(r"#t=(\S+)", (await chat.type("klang", "/form")).text).group(1)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=create_app(settings, db)), base_url="https://t.test"
    ) as c:
        auth = {
            "Authorization": "Bearer " + (await c.post("/form/api/session", json={"link": token})).json()["session"]
        }
        yield c, auth
    await db.dispose()


async def test_no_body_on_any_route_is_a_500(client):
    c, auth = client
    headers = {**auth, "Content-Type": "application/json"}
    for body in BODIES:
        for method, path in (("POST", "/form/api/session"), ("PUT", "/form/api/draft"), ("POST", "/form/api/submit")):
            r = await c.request(method, path, content=body, headers=headers)
            assert 400 <= r.status_code < 500, (path, body[:60], r.status_code, r.text[:200])
            assert re.search("[\u0e00-\u0e7f]", r.text), r.text  # a Thai sentence
    for headers in (
        {"X-Tidtam-Item": "x"},
        {"X-Tidtam-Item": "1", "X-Tidtam-Unit": "1", "X-Tidtam-Round": "6x"},
        {"X-Tidtam-Item": "9" * 30, "X-Tidtam-Unit": "1", "X-Tidtam-Round": "9" * 30},
    ):
        r = await c.post("/form/api/evidence", content=b"x", headers={**auth, **headers})
        assert 400 <= r.status_code < 500, r.text


def test_a_telegram_hash_in_any_characters_is_refused_not_an_error():
    for given in ("ก" * 64, "\x00", "%E0%B8%81", "é" * 64):
        assert telegram_user_id(f"auth_date=1&user=%7B%7D&hash={given}", "1:T") is None


@pytest.mark.parametrize("answer", [[], "x", 5, None, {"sub": ["U1"], "aud": "1650000000"}, {"aud": {}}])
async def test_a_line_verify_endpoint_answering_anything_is_a_refusal(monkeypatch, tmp_path, answer):
    def reply(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=json.dumps(answer).encode())

    real = httpx.AsyncClient
    monkeypatch.setattr(
        bot.web.line_login.httpx, "AsyncClient", lambda **kw: real(transport=httpx.MockTransport(reply), **kw)
    )
    settings = Settings(data_dir=tmp_path, line_liff_id="1650000000-AbC", line_login_channel_id="1650000000")
    assert await line_user_id("token", settings) is None


async def test_names_and_file_names_lose_bidi_controls_and_line_breaks(tmp_path):
    from sqlmodel import select

    from storage.models import Person, StatusReport  # noqa: F401
    from storage.repo import Units

    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'n.db'}")
    await db.upgrade()
    org = await setup_org(db, EXAMPLE_PLAN)
    settings = Settings(data_dir=tmp_path / "data")
    chat = Chat(db, settings)
    await join(chat, "spoof", await invite_code(db, org, Role.MEMBER, "กองคลัง"), "สมศรี\u202egnp.exe\r\nปลัด\u200b\x00")
    said = await chat.press("spoof", (await chat.type("spoof", "/report")).buttons[0].data)
    said = await chat.press("spoof", said.button("อยู่ระหว่าง"))
    said = await chat.send_file("spoof", "รูป\u202egnp.exe", b"%PDF-1.4 x", mime="application/pdf")
    async with db.session() as s:
        person = (await s.exec(select(Person).where(Person.org_id == org))).one()
        unit = await Units(s, org).add("กอง\u202eใหม่\nสอง")
    for shown in (person.display_name, unit.name):
        assert not set(shown) & {"\u202e", "\r", "\n", "\x00", "\u200b"}, shown
    assert person.display_name.endswith("gnp.exe ปลัด") and unit.name == "กอง ใหม่ สอง"
    assert "\u202e" not in said.text
    await db.dispose()
