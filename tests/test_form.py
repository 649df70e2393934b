"""The answer form's API: who may open it, what it shows, drafts, and an all-or-nothing submit that never
overwrites someone else's answer silently. Through the real web app (ASGI), the chat core and the database."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import time
from urllib.parse import urlencode

import httpx
import pytest
from sqlmodel import select

from base.settings import Settings
from bot.form import telegram_user_id
from bot.web import create_app
from storage.db import Database
from storage.models import AuditLog, FormDraft, Role, StatusReport
from support.chat import Chat, invite_code, join, setup_org
from support.paths import EXAMPLE_PLAN

TOKEN = "123456:TEST-token-for-the-form"


def init_data(user_id: int, token: str = TOKEN, age: int = 0) -> str:
    fields = {"auth_date": str(int(time.time()) - age), "query_id": "AAE", "user": json.dumps({"id": user_id})}
    check = "\n".join(f"{k}={v}" for k, v in sorted(fields.items()))
    secret = hmac.new(b"WebAppData", token.encode(), hashlib.sha256).digest()
    return urlencode({**fields, "hash": hmac.new(secret, check.encode(), hashlib.sha256).hexdigest()})


@pytest.fixture
async def form(tmp_path):
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'form.db'}")
    await db.upgrade()
    org = await setup_org(db, EXAMPLE_PLAN)
    other = await setup_org(db, EXAMPLE_PLAN, name="เทศบาลตำบลอื่น")
    settings = Settings(data_dir=tmp_path / "data", telegram_bot_token=TOKEN, public_base_url="https://tidtam.test")
    chat = Chat(db, settings)
    await join(chat, "klang", await invite_code(db, org, Role.MEMBER, "กองคลัง"), "สมศรี คลัง")
    await join(chat, "chang", await invite_code(db, org, Role.MEMBER, "กองช่าง"), "สมชาย ช่าง")
    await join(chat, "7001", await invite_code(db, other, Role.MEMBER, "กองคลัง"), "คนอื่น อบต.")
    await join(chat, "5005", await invite_code(db, org, Role.MEMBER, "กองช่าง"), "ช่างสอง โทรเลข")
    transport = httpx.ASGITransport(app=create_app(settings, db))
    async with httpx.AsyncClient(transport=transport, base_url="https://tidtam.test") as client:
        yield chat, db, client
    await db.dispose()


async def open_form(chat: Chat, client: httpx.AsyncClient, user: str) -> dict[str, str]:
    said = await chat.type(user, "/form")
    token = re.search(r"/form/#t=(\S+)", said.text).group(1)
    r = await client.post("/form/api/session", json={"link": token})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['session']}"}


async def test_a_one_time_link_opens_the_units_own_items_once(form):
    chat, _db, client = form
    said = await chat.type("klang", "/form")
    assert "ลิงก์ใช้ได้ครั้งเดียว" in said.text and "https://tidtam.test/form/#t=" in said.text
    token = re.search(r"#t=(\S+)", said.text).group(1)
    first = await client.post("/form/api/session", json={"link": token})
    again = await client.post("/form/api/session", json={"link": token})
    assert first.status_code == 200 and again.status_code == 403
    assert again.json()["error"] == "หน้านี้หมดอายุแล้ว กรุณาเปิดใหม่จากแชต"
    got = (await client.get("/form/api/items", headers={"Authorization": f"Bearer {first.json()['session']}"})).json()
    assert got["round"]["months"] == 6
    assert len(got["items"]) == 5 and {i["unit_name"] for i in got["items"]} == {"กองคลัง"}
    assert (await client.get("/form/api/items")).status_code == 401
    assert (await client.get("/form/api/items", headers={"Authorization": "Bearer forged"})).status_code == 401


async def test_drafts_are_kept_as_typed_and_come_back(form):
    chat, _db, client = form
    auth = await open_form(chat, client, "klang")
    item = (await client.get("/form/api/items", headers=auth)).json()["items"][0]
    body = {"item": item["item"], "unit": item["unit"], "fields": {"status": "in_progress", "done": "ประชุม\x00แล้ว"}}
    assert (await client.put("/form/api/draft", headers=auth, json=body)).status_code == 200
    again = (await client.get("/form/api/items", headers=auth)).json()["items"][0]
    assert again["draft"] == {"status": "in_progress", "done": "ประชุมแล้ว"}


async def test_submit_is_all_or_nothing_with_thai_messages_beside_each_field(form):
    chat, db, client = form
    auth = await open_form(chat, client, "klang")
    items = (await client.get("/form/api/items", headers=auth)).json()["items"]
    budgeted = next(i for i in items if i["budget"])
    plain = next(i for i in items if i is not budgeted)
    answers = [
        {"item": plain["item"], "unit": plain["unit"], "status": "not_started", "base": None},
        {"item": budgeted["item"], "unit": budgeted["unit"], "status": "in_progress", "done": "", "disbursed": "ห้าพัน"},
    ]
    r = await client.post("/form/api/submit", headers=auth, json={"answers": answers})
    assert r.status_code == 422
    errors = r.json()["errors"][f"{budgeted['item']}:{budgeted['unit']}"]
    assert errors["done"] == "กรุณาบอกสั้นๆ ว่าดำเนินการอะไรไปแล้ว" and "ตัวเลข" in errors["disbursed"]
    async with db.session(commit=False) as s:
        assert (await s.exec(select(StatusReport))).all() == []  # the valid one was not saved either
    answers[1].update(done="อบรมเจ้าหน้าที่ ๒ รุ่น", disbursed="๕,๐๐๐")
    r = await client.post("/form/api/submit", headers=auth, json={"answers": answers})
    assert r.status_code == 200 and len(r.json()["saved"]) == 2
    async with db.session(commit=False) as s:
        rows = (await s.exec(select(StatusReport))).all()
        audits = (await s.exec(select(AuditLog).where(AuditLog.action == "answer"))).all()
    assert {r.channel for r in rows} == {"form"} and len(audits) == 2
    assert next(r for r in rows if r.item_id == budgeted["item"]).disbursed == 5000


async def test_another_units_or_organisations_items_are_refused(form):
    chat, db, client = form
    klang = await open_form(chat, client, "klang")
    chang_items = (await client.get("/form/api/items", headers=await open_form(chat, client, "chang"))).json()["items"]
    other_items = (await client.get("/form/api/items", headers=await open_form(chat, client, "7001"))).json()["items"]
    for foreign in (chang_items[0], other_items[0]):
        body = {"item": foreign["item"], "unit": foreign["unit"], "fields": {"status": "completed"}}
        assert (await client.put("/form/api/draft", headers=klang, json=body)).status_code == 403
        entry = {"item": foreign["item"], "unit": foreign["unit"], "status": "not_started"}
        r = await client.post("/form/api/submit", headers=klang, json={"answers": [entry]})
        assert r.status_code == 422 and "ไม่ใช่รายการของหน่วยงานของคุณ" in json.dumps(r.json(), ensure_ascii=False)
    async with db.session(commit=False) as s:
        assert (await s.exec(select(StatusReport))).all() == [] and (await s.exec(select(FormDraft))).all() == []


async def test_telegram_init_data_forged_or_old_is_refused(form):
    _chat, _db, client = form
    assert telegram_user_id(init_data(42), TOKEN) == "42"
    assert telegram_user_id(init_data(42, token="999:other"), TOKEN) is None  # signed with another bot's token
    assert telegram_user_id(init_data(42).replace("42", "43"), TOKEN) is None  # altered
    assert telegram_user_id(init_data(42, age=2 * 3600), TOKEN) is None  # older than an hour
    assert telegram_user_id("hash=&user=%7B%7D", TOKEN) is None
    # a Telegram user who is not a Tidtam person: refused; one who is: their own unit's items
    r = await client.post("/form/api/session", json={"telegram": init_data(424242)})
    assert r.status_code == 403
    r = await client.post("/form/api/session", json={"telegram": init_data(5005, age=3000)})
    assert r.status_code == 200
    got = await client.get("/form/api/items", headers={"Authorization": f"Bearer {r.json()['session']}"})
    assert {i["unit_name"] for i in got.json()["items"]} == {"กองช่าง"}


async def test_a_submit_racing_a_chat_answer_or_replayed_never_overwrites(form):
    chat, db, client = form
    auth = await open_form(chat, client, "klang")
    item = (await client.get("/form/api/items", headers=auth)).json()["items"][0]
    said = await chat.press("klang", (await chat.type("klang", "/report")).buttons[0].data)  # the chat, meanwhile
    said = await chat.press("klang", said.button("ยังไม่ดำเนินการ"))
    for _ in range(3):
        if "ยืนยัน" in " ".join(b.label for b in said.buttons):
            said = await chat.press("klang", said.button("ยืนยัน"))
            break
        said = await chat.press("klang", said.button("ต่อไป"))
    entry = {
        "item": item["item"],
        "unit": item["unit"],
        "status": "completed",
        "done": "เสร็จ",
        "disbursed": "-",
        "qty": "1",
        "base": None,
    }
    r = await client.post("/form/api/submit", headers=auth, json={"answers": [entry]})
    key = f"{item['item']}:{item['unit']}"
    assert r.status_code == 422 and r.json()["newer"][key]["status"] == "not_started"
    entry["base"] = r.json()["newer"][key]["id"]  # the person saw the newer answer and sends again
    first = await client.post("/form/api/submit", headers=auth, json={"answers": [entry]})
    replay = await client.post("/form/api/submit", headers=auth, json={"answers": [entry]})
    assert first.status_code == 200 and replay.status_code == 422
    async with db.session(commit=False) as s:
        rows = (await s.exec(select(StatusReport).where(StatusReport.item_id == item["item"]))).all()
    assert [r.status.value for r in rows] == ["not_started", "completed"]


async def test_requests_another_site_could_send_are_refused(form):
    chat, _db, client = form
    auth = await open_form(chat, client, "klang")
    plain = await client.post("/form/api/submit", headers={**auth, "Content-Type": "text/plain"}, content="{}")
    as_form = await client.post("/form/api/session", data={"link": "x"})
    huge = await client.post("/form/api/submit", headers=auth, json={"answers": ["x" * 300_000]})
    assert plain.status_code == as_form.status_code == huge.status_code == 400
    page = await client.get("/form/")
    assert page.status_code == 200 and 'lang="th"' in page.text
    assert "frame-ancestors" in page.headers["content-security-policy"] and page.headers["cache-control"] == "no-store"
