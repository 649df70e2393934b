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

from base.events import Button
from base.settings import Settings
from bot.web.app import create_app
from bot.web.form import telegram_user_id
from storage.db import Database
from storage.models import AuditLog, FormDraft, Organisation, Outbox, Role, Round, RoundState, StatusReport
from storage.round_state import set_round_state
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
    assert again.json()["error"].startswith("ลิงก์นี้ใช้ไปแล้ว")
    got = (await client.get("/form/api/items", headers={"Authorization": f"Bearer {first.json()['session']}"})).json()
    assert got["round"]["months"] == 6
    assert len(got["items"]) == 5 and {i["unit_name"] for i in got["items"]} == {"กองคลัง"}
    assert (await client.get("/form/api/items")).status_code == 401
    assert (await client.get("/form/api/items", headers={"Authorization": "Bearer forged"})).status_code == 401


async def test_drafts_are_kept_as_typed_and_come_back(form):
    chat, _db, client = form
    auth = await open_form(chat, client, "klang")
    item = (await client.get("/form/api/items", headers=auth)).json()["items"][0]
    body = {
        "item": item["item"],
        "unit": item["unit"],
        "fields": {"status": "in_progress", "done": "ประชุม\x00แล้ว", "disbursed": "๒,๐๐๐"},
    }
    assert (await client.put("/form/api/draft", headers=auth, json=body)).status_code == 200
    again = (await client.get("/form/api/items", headers=auth)).json()["items"][0]
    assert again["draft"] == {"status": "in_progress", "done": "ประชุมแล้ว", "disbursed": "๒,๐๐๐", "evidence": []}


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


async def test_a_mini_app_opened_from_an_organisations_own_bot_is_checked_with_that_bot(form, tmp_path):
    """An organisation with its own bot: its Mini App buttons name the bot (?bot=), its proofs are signed with its
    token, and they open the form for its own people only."""
    from bot.adapters.telegram import _key
    from storage.sealed import sealer
    from storage.telegram_bots import set_bot

    _chat, db, client = form
    own = "777001:OWN-token-of-the-other-organisation"
    settings = Settings(data_dir=tmp_path / "data")
    async with db.session() as s:
        other = (await s.exec(select(Organisation).where(Organisation.name == "เทศบาลตำบลอื่น"))).one()
        await set_bot(s, other.id, own, "OtherOrgBot", "secret-" + "x" * 30, "test", seal=sealer(settings))
    button = Button("ตอบ", "cmd:form", app="/form/")
    assert (
        _key(button, "https://tidtam.test", "7001", "777001")["web_app"]["url"]
        == "https://tidtam.test/form/?bot=777001"
    )
    assert _key(button, "https://tidtam.test", "7001")["web_app"]["url"] == "https://tidtam.test/form/"
    r = await client.post("/form/api/session", json={"telegram": init_data(7001, token=own), "bot": "777001"})
    assert r.status_code == 200, r.text
    got = await client.get("/form/api/items", headers={"Authorization": f"Bearer {r.json()['session']}"})
    assert {i["unit_name"] for i in got.json()["items"]} == {"กองคลัง"} and got.json()["items"]
    refused = [
        {"telegram": init_data(7001, token=own)},  # its bot's proof checked as the deployment's bot's
        {"telegram": init_data(7001), "bot": "777001"},  # the deployment's proof presented as the own bot's
        {"telegram": init_data(5005, token=own), "bot": "777001"},  # someone of another organisation on this bot
        {"telegram": init_data(7001, token=own), "bot": "777002"},  # a bot nobody set
        {"telegram": init_data(7001, token=own), "bot": "7" * 5000},
        {"telegram": init_data(7001, token=own), "bot": ["777001"]},
    ]
    for body in refused:
        assert (await client.post("/form/api/session", json=body)).status_code == 403, body


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


# ---------------------------------------------------------------- the button, the shared draft, files, LIFF


async def test_report_status_and_reminders_carry_the_form_button_each_platform_renders(form):
    from base.events import Button
    from bot.adapters.line import _action
    from bot.adapters.telegram import _key
    from handlers.reminders import reminder_message

    chat, _db, _client = form
    for command in ("/report", "/status"):
        said = await chat.type("klang", command)
        button = next(b for b in said.buttons if b.app)
        assert button.label == "ตอบทุกรายการในหน้าเดียว" and button.app == "/form/" and button.data == "cmd:form"
    assert any(b.app for row in reminder_message(*_reminder_args()).buttons for b in row)
    # Telegram: a Mini App in a private chat on https; nothing in a group; the /form link elsewhere
    assert _key(button, "https://tidtam.test", "42")["web_app"]["url"] == "https://tidtam.test/form/"
    assert _key(button, "https://tidtam.test", "-1001") is None
    assert _key(button, "http://127.0.0.1:8000", "42")["callback_data"] == "cmd:form"
    assert _key(Button("เปิด", url="http://127.0.0.1/form/#t=x"), "", "42") is None  # Telegram refuses it
    # LINE: the LIFF app when one is set, else the /form link
    assert _action(button, "1650000000-AbCdEfGh")["uri"] == "https://liff.line.me/1650000000-AbCdEfGh"
    assert _action(button, "")["data"] == "cmd:form"
    # pressing it where no in-app page opens gives the one-time link, with a link button
    said = await chat.press("klang", "cmd:form")
    assert "https://tidtam.test/form/#t=" in said.text and said.buttons[0].url.startswith(
        "https://tidtam.test/form/#t="
    )


def _reminder_args():
    from domain.due import Owed
    from storage.models import Round

    rnd = Round(id=1, org_id=1, fiscal_year_id=1, months=6, due_on=__import__("datetime").date(2026, 4, 10))
    return rnd, "กองคลัง", Owed(1, (("1.1", "x"),))


async def test_chat_and_form_share_one_draft_and_the_later_answer_asks(form):
    chat, db, client = form
    said = await chat.type("klang", "/report")
    said = await chat.press("klang", said.buttons[0].data)
    said = await chat.press("klang", said.button("อยู่ระหว่างดำเนินการ"))
    await chat.type("klang", "ประชุมคณะทำงานแล้ว")  # the chat is in the middle of an answer
    kept = await chat.send_file("klang", "ประชุม.png", PNG, kind="photo", mime="image/png")
    assert "เก็บเป็นหลักฐาน" in kept.text
    auth = await open_form(chat, client, "klang")
    items = (await client.get("/form/api/items", headers=auth)).json()["items"]
    drafted = [i for i in items if i["draft"].get("status")]
    assert len(drafted) == 1 and drafted[0]["draft"]["done"] == "ประชุมคณะทำงานแล้ว"  # the chat's draft, shown
    it = drafted[0]
    entry = {"item": it["item"], "unit": it["unit"], "base": None, **it["draft"], "disbursed": "-", "qty": "1"}
    r = await client.post("/form/api/submit", headers=auth, json={"answers": [entry]})
    assert r.status_code == 200, r.text
    async with db.session(commit=False) as s:
        notices = (await s.exec(select(Outbox).where(Outbox.kind == "notice"))).all()
    assert [n.chat_id for n in notices] == ["klang"] and "บันทึกจากแบบฟอร์มแล้ว 1 รายการ" in notices[0].payload["text"]
    async with db.session(commit=False) as s:
        saved = (await s.exec(select(StatusReport).where(StatusReport.item_id == it["item"]))).one()
    assert [e["name"] for e in saved.evidence] == ["ประชุม.png"]  # the photo sent in the chat is in the answer
    said = await chat.type("klang", "5000")  # the chat's draft of that item ended when the form saved it
    assert "อยู่ระหว่างดำเนินการ" not in said.text or "รายการนี้" in said.text
    assert "ปุ่มนี้เป็นของคำตอบก่อนหน้า" in (await chat.press("klang", said.button("ยืนยัน") if said.buttons else "ok:x")).text
    # another person of the unit answers in the form while one answers in the chat: the chat asks, never overwrites
    said = await chat.type("chang", "/report")
    picked = said.buttons[0].data
    said = await chat.press("chang", picked)
    said = await chat.press("chang", said.button("ยังไม่ดำเนินการ"))
    for _ in range(3):
        if "ยืนยัน" in " ".join(b.label for b in said.buttons):
            break
        said = await chat.press("chang", said.button("ต่อไป"))
    other = await open_form(chat, client, "5005")
    item_id = int(picked.split(":")[1])
    theirs = next(
        i for i in (await client.get("/form/api/items", headers=other)).json()["items"] if i["item"] == item_id
    )
    entry = {"item": item_id, "unit": theirs["unit"], "base": None, "status": "cannot", "reason_category": "staff"}
    entry["disbursed"] = "-"
    assert (await client.post("/form/api/submit", headers=other, json={"answers": [entry]})).status_code == 200
    asked = await chat.press("chang", said.button("ยืนยัน"))
    assert "มีผู้อื่นตอบรายการนี้ระหว่างนั้น" in asked.text and "ไม่สามารถดำเนินการได้" in asked.text
    assert "บันทึกแล้ว" in (await chat.press("chang", asked.button("ยืนยัน"))).text
    async with db.session(commit=False) as s:
        rows = (await s.exec(select(StatusReport).where(StatusReport.item_id == item_id))).all()
    assert [r.status.value for r in rows if r.unit_id == theirs["unit"]] == ["cannot", "not_started"]


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 100


async def test_evidence_uploads_are_checked_kept_and_saved_with_the_answer(form):
    chat, db, client = form
    auth = await open_form(chat, client, "klang")
    items = (await client.get("/form/api/items", headers=auth)).json()["items"]
    it = next(i for i in items if not i["budget"])

    def up(content: bytes, name: str, headers=auth, item=it, mime="image/png"):
        h = {**headers, "Content-Type": mime, "X-Tidtam-Item": str(item["item"]), "X-Tidtam-Unit": str(item["unit"])}
        return client.post("/form/api/evidence", headers={**h, "X-Tidtam-Filename": name}, content=content)

    r = await up(PNG, "%E0%B8%A3%E0%B8%B9%E0%B8%9B.png")
    assert r.status_code == 200 and r.json()["files"] == [{"kind": "photo", "name": "รูป.png"}]
    forged = await up(b"MZ\x90\x00 not a picture", "x.png")
    assert forged.status_code == 422 and "PNG" in forged.json()["error"]
    assert (await up(b"x" * (21 * 1024 * 1024), "big.pdf", mime="application/pdf")).status_code == 413
    assert (await up(b"MZ", "virus.exe", mime="application/octet-stream")).status_code == 422
    assert (await up(PNG, "x.png", headers={})).status_code == 401
    chang = (await client.get("/form/api/items", headers=await open_form(chat, client, "chang"))).json()["items"][0]
    assert (await up(PNG, "x.png", item=chang)).status_code == 403
    # a draft's evidence is the server's: what the page claims of it is ignored
    body = {"item": it["item"], "unit": it["unit"], "fields": {"status": "completed", "done": "ทำแล้ว"}}
    body["fields"]["evidence"] = [{"kind": "photo", "path": "evidence/2/other-org.png"}]
    assert (await client.put("/form/api/draft", headers=auth, json=body)).status_code == 200
    entry = {"item": it["item"], "unit": it["unit"], "base": None, "status": "completed", "done": "ทำแล้ว"}
    entry.update(url="https://example.go.th/news/1", qty="1")
    assert (await client.post("/form/api/submit", headers=auth, json={"answers": [entry]})).status_code == 200
    async with db.session(commit=False) as s:
        saved = (await s.exec(select(StatusReport).where(StatusReport.item_id == it["item"]))).one()
    assert [e["kind"] for e in saved.evidence] == ["photo", "url"]
    assert saved.evidence[0]["path"].startswith("evidence/1/") and saved.evidence[0]["name"] == "รูป.png"


async def test_liff_id_tokens_are_checked_by_line_login(tmp_path, line_login):
    url, seen = line_login
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'liff.db'}")
    await db.upgrade()
    org = await setup_org(db, EXAMPLE_PLAN)
    settings = Settings(
        data_dir=tmp_path / "data",
        line_liff_id="1650000000-AbCdEfGh",
        line_login_channel_id="1650000000",
        line_login_api_base_url=url,
    )
    await join(
        Chat(db, settings, platform="line"), "Uline0001", await invite_code(db, org, Role.MEMBER, "กองคลัง"), "ไลน์"
    )
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=create_app(settings, db)), base_url="https://t"
    ) as c:
        good = await c.post("/form/api/session", json={"line": "good-token"})
        assert good.status_code == 200
        items = await c.get("/form/api/items", headers={"Authorization": f"Bearer {good.json()['session']}"})
        assert {i["unit_name"] for i in items.json()["items"]} == {"กองคลัง"}
        for forged in ("forged", "other-channel", ""):
            assert (await c.post("/form/api/session", json={"line": forged})).status_code == 403
        page = await c.get("/form/liff")
        assert 'data-liff="1650000000-AbCdEfGh"' in page.text and "/form/static/liff.js" in page.text
    assert seen[0] == {"id_token": ["good-token"], "client_id": ["1650000000"]}
    await db.dispose()


async def test_the_page_speaks_the_catalogues_language(form):
    _chat, _db, client = form
    th, en = (await client.get("/form/")).text, (await client.get("/form/?lang=en")).text
    assert "<h1>ตอบทุกรายการในหน้าเดียว</h1>" in th and 'lang="th"' in th
    assert "<h1>Answer every item on one page</h1>" in en and 'lang="en"' in en
    texts = json.loads(re.search(r'id="texts">(.*?)</script>', th).group(1))
    assert texts["s_cannot"] == "ไม่สามารถดำเนินการได้" and "{budget}" in texts["disbursed"]
    assert "liff.js" not in th and (await client.get("/form/?lang=<script>")).text.count("<script") == th.count(
        "<script"
    )


async def test_a_chat_answer_retires_the_persons_form_draft_without_deleting_it(form):
    chat, db, client = form
    auth = await open_form(chat, client, "klang")
    said = await chat.type("klang", "/report")
    pick = said.buttons[0].data
    item_id = int(pick.split(":")[1])
    it = next(i for i in (await client.get("/form/api/items", headers=auth)).json()["items"] if i["item"] == item_id)
    body = {"item": it["item"], "unit": it["unit"], "fields": {"status": "completed", "done": "จากแบบฟอร์ม"}}
    assert (await client.put("/form/api/draft", headers=auth, json=body)).status_code == 200
    said = await chat.press("klang", pick)
    assert "ร่างของคุณในแบบฟอร์ม: ดำเนินการแล้วเสร็จ — จากแบบฟอร์ม" in said.text  # the chat sees the form's draft
    said = await chat.press("klang", said.button("ยังไม่ดำเนินการ"))
    for _ in range(3):
        if "ยืนยัน" in " ".join(b.label for b in said.buttons):
            break
        said = await chat.press("klang", said.button("ต่อไป"))
    assert "บันทึกแล้ว" in (await chat.press("klang", said.button("ยืนยัน"))).text
    again = next(i for i in (await client.get("/form/api/items", headers=auth)).json()["items"] if i["item"] == item_id)
    assert again["draft"] == {"evidence": []} and again["answer"]["status"] == "not_started"
    async with db.session(commit=False) as s:
        assert len((await s.exec(select(FormDraft))).all()) == 1  # kept, but older than the answer: done


async def close_open_round(db: Database) -> None:
    async with db.session() as s:
        rnd = (await s.exec(select(Round).where(Round.state == RoundState.OPEN))).first()
        await set_round_state(s, rnd.org_id, rnd, RoundState.CLOSED, actor="test", today=rnd.opens_on)


async def test_a_round_closed_meanwhile_is_named_and_what_was_typed_comes_back_on_reopening(form):
    chat, db, client = form
    auth = await open_form(chat, client, "klang")
    page = (await client.get("/form/api/items", headers=auth)).json()
    it, round_id = page["items"][0], page["round"]["id"]
    await close_open_round(db)
    body = {
        "round": round_id,
        "item": it["item"],
        "unit": it["unit"],
        "fields": {"status": "completed", "done": "ทำแล้ว"},
    }
    kept = await client.put("/form/api/draft", headers=auth, json=body)
    assert kept.status_code == 200 and kept.json()["closed"].startswith("รอบ 6 เดือนปิดรับคำตอบแล้ว")
    entry = {"item": it["item"], "unit": it["unit"], "base": None, "status": "not_started"}
    sent = await client.post("/form/api/submit", headers=auth, json={"round": round_id, "answers": [entry]})
    assert sent.status_code == 409 and "ไม่มีข้อใดถูกบันทึก" in sent.json()["error"]
    assert "ยังไม่เปิด" not in sent.json()["error"]
    async with db.session() as s:
        rnd = await s.get(Round, round_id)
        await set_round_state(s, rnd.org_id, rnd, RoundState.OPEN, actor="test", today=rnd.opens_on)
    again = (await client.get("/form/api/items", headers=auth)).json()["items"][0]
    assert again["draft"]["done"] == "ทำแล้ว"  # typed after the close, back after the reopening


async def test_an_answer_given_meanwhile_is_named_once_with_who_gave_it(form):
    chat, _db, client = form
    auth = await open_form(chat, client, "klang")
    items = (await client.get("/form/api/items", headers=auth)).json()["items"]
    said = await chat.press("klang", (await chat.type("klang", "/report")).buttons[0].data)
    said = await chat.press("klang", said.button("ยังไม่ดำเนินการ"))
    for _ in range(3):
        if "ยืนยัน" in " ".join(b.label for b in said.buttons):
            said = await chat.press("klang", said.button("ยืนยัน"))
            break
        said = await chat.press("klang", said.button("ต่อไป"))
    answered = items[0]
    entries = [{"item": i["item"], "unit": i["unit"], "base": None, "status": "not_started"} for i in items[:2]]
    r = await client.post("/form/api/submit", headers=auth, json={"answers": entries})
    key = f"{answered['item']}:{answered['unit']}"
    body = r.json()
    assert r.status_code == 422 and body["errors"] == {} and list(body["newer"]) == [key]
    assert body["newer"][key]["mine"] is True and body["newer"][key]["by"] == "สมศรี คลัง"
    texts = json.loads(re.search(r'id="texts">(.*?)</script>', (await client.get("/form/")).text).group(1))
    assert texts["newer_mine"].startswith("คุณตอบข้อนี้ในแชตแล้ว") and texts["fix"].startswith("ไม่มีข้อใดถูกบันทึก")


async def test_a_spent_link_says_it_was_used_and_the_page_says_what_each_item_is(form):
    chat, _db, client = form
    said = await chat.type("klang", "/form")
    token = re.search(r"#t=(\S+)", said.text).group(1)
    first = await client.post("/form/api/session", json={"link": token})
    again = await client.post("/form/api/session", json={"link": token})
    forged = await client.post("/form/api/session", json={"link": "x" * 40})
    assert again.status_code == 403 and "ใช้ไปแล้ว" in again.json()["error"] and "/form" in again.json()["error"]
    assert forged.status_code == 403 and "ใช้ไปแล้ว" not in forged.json()["error"]
    items = (await client.get("/form/api/items", headers={"Authorization": f"Bearer {first.json()['session']}"})).json()
    kpis = [i["kpi"] for i in items["items"]]
    assert all(kpis) and all(i["budget"] or i["no_budget"] for i in items["items"])
    shared = [i for i in items["items"] if i["shared"]]
    assert shared and all("กองคลัง" not in i["shared"] for i in shared)  # the others, not the unit itself
    font = await client.get("/form/static/sarabun.ttf")
    assert font.status_code == 200 and font.headers["content-type"] == "font/ttf"
    assert "sarabun.ttf" in (await client.get("/form/static/form.css")).text
