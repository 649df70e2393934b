"""The answer form in Debian's Chromium at a phone's size: through Telegram's Mini App ``initData``, a one-time
link and LINE's LIFF (against a stand-in of LINE Login's verify endpoint); forged and expired proofs, another
unit's and another organisation's items, a replayed submit and a submit racing a chat answer; axe-core, 320 px,
touch targets, the page's weight; and a unit's 13 items answered through the form and through the chat on the
simulator's phone, with the same answers. Screenshots are saved in the test's folder (printed)."""

from __future__ import annotations

import asyncio
import concurrent.futures
import datetime as dt
import gzip
import json
import re
import time
from urllib.parse import quote

import pytest
from sqlmodel import select
from test_form import TOKEN, init_data

from base.settings import Settings
from base.values import bangkok_today
from bot.web.app import create_app
from storage.db import Database
from storage.models import Outbox, Role, Round, RoundState, StatusReport
from storage.round_state import set_round_state
from support.browser import PHONE, Served, axe_violations
from support.chat import Chat, invite_code, join, setup_org
from support.form_drive import form_and_chat
from support.paths import EXAMPLE_PLAN
from support.ports import free_port

KLANG, CHANG, OTHER = 5001, 5002, 7001  # Telegram users: กองคลัง, กองช่าง, กองคลัง of another organisation


def in_loop(db_url: str, settings: Settings, work):
    """Run ``work(chat, db)`` on a database handle of its own (the server's thread has its own)."""

    async def go():
        db = Database(db_url)
        try:
            return await work(Chat(db, settings), db)
        finally:
            await db.dispose()

    with concurrent.futures.ThreadPoolExecutor(1) as pool:  # Playwright's sync API runs a loop in this thread
        return pool.submit(asyncio.run, go()).result()


@pytest.fixture
def site(tmp_path):
    port = free_port()
    url = f"sqlite+aiosqlite:///{tmp_path / 'form.db'}"
    settings = Settings(
        data_dir=tmp_path / "data", telegram_bot_token=TOKEN, public_base_url=f"http://127.0.0.1:{port}"
    )

    async def prepare(chat: Chat, db: Database):
        await db.upgrade()
        org = await setup_org(db, EXAMPLE_PLAN)
        other = await setup_org(db, EXAMPLE_PLAN, name="เทศบาลตำบลอื่น")
        await join(chat, str(KLANG), await invite_code(db, org, Role.MEMBER, "กองคลัง"), "สมศรี คลัง")
        await join(chat, str(CHANG), await invite_code(db, org, Role.MEMBER, "กองช่าง"), "สมชาย ช่าง")
        await join(chat, str(OTHER), await invite_code(db, other, Role.MEMBER, "กองคลัง"), "คนอื่น อบต.")

    in_loop(url, settings, prepare)
    with Served(create_app(settings, Database(url)), port) as served:
        yield served.url, url, settings


def telegram_url(base: str, user: int, **kw) -> str:
    """The page as Telegram opens a Mini App: initData in the fragment."""
    return f"{base}/form/#tgWebAppData={quote(init_data(user, **kw))}&tgWebAppVersion=8.0&tgWebAppPlatform=android"


def api(page, method: str, path: str, body) -> dict:
    """A request as the page's own script would send it, with its session."""
    return page.evaluate(
        "async ([method, path, body]) => { const r = await fetch(path, {method, headers: {'Content-Type': "
        "'application/json', Authorization: 'Bearer ' + sessionStorage.getItem('tidtam-form')}, "
        "body: JSON.stringify(body)}); return {status: r.status, body: await r.json()}; }",
        [method, path, body],
    )


def test_a_unit_answers_in_telegrams_mini_app_on_a_phone(site, browser, tmp_path):
    base, db_url, settings = site
    page = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True).new_page()
    weight: dict[str, int] = {}
    page.on("response", lambda r: weight.__setitem__(r.url, len(gzip.compress(r.body()))) if r.ok else None)
    page.goto(telegram_url(base, KLANG))
    page.locator(".item").first.wait_for()
    assert "tgWebAppData" not in page.url  # the proof is kept out of the history
    assert page.locator("h2.dimension").count() >= 1 and page.locator(".item").count() == 5
    late = (bangkok_today() - dt.date(2026, 4, 10)).days  # the round's due date as it stands today, as the chat says
    assert page.inner_text("#round") == f"รอบ 6 เดือน · เลยกำหนด 10 เมษายน 2569 มาแล้ว {late} วัน"
    page.screenshot(path=str(tmp_path / "1-opened.png"), full_page=True)

    # every item: not started, but the budgeted one in progress, its money typed wrong first
    items = page.locator(".item")
    for i in range(items.count()):
        items.nth(i).locator(".seg label", has_text="ยังไม่ดำเนินการ").click()
    box = items.first
    box.locator(".seg label", has_text="อยู่ระหว่างดำเนินการ").click()
    box.locator("textarea[name=done]").fill("อบรมเจ้าหน้าที่ ๒ รุ่น")
    if box.locator("input[name=disbursed]").count():
        box.locator("input[name=disbursed]").fill("ห้าพัน")
    if box.locator("input[name=qty]").count():
        box.locator("input[name=qty]").fill("๒")
    box.locator("input[type=file]").set_input_files(str(tmp_path / "1-opened.png"))
    page.locator(".files", has_text="แนบแล้ว: 1-opened.png").wait_for()
    page.locator("#send").click()
    page.locator("#status", has_text="ไม่มีข้อใดถูกบันทึก").wait_for()
    if box.locator("input[name=disbursed]").count():
        assert "ตัวเลข" in " ".join(box.locator(".error").all_inner_texts())
        page.screenshot(path=str(tmp_path / "2-error-beside-the-field.png"), full_page=True)
        box.locator("input[name=disbursed]").fill("๕,๐๐๐")
    page.locator("#send").click()
    page.locator("#status", has_text="บันทึกแล้ว 5 รายการ").wait_for()
    page.locator("#show-all").click()
    page.screenshot(path=str(tmp_path / "3-saved.png"), full_page=True)

    async def check(_chat, db):
        async with db.session(commit=False) as s:
            rows = (await s.exec(select(StatusReport))).all()
            notices = (await s.exec(select(Outbox).where(Outbox.kind == "notice"))).all()
        return rows, notices

    rows, notices = in_loop(db_url, settings, check)
    assert len(rows) == 5 and {r.channel for r in rows} == {"form"}
    first = next(r for r in rows if r.status.value == "in_progress")
    assert [e["kind"] for e in first.evidence] == ["photo"]
    assert [n.chat_id for n in notices] == [str(KLANG)] and "บันทึกจากแบบฟอร์มแล้ว 5 รายการ" in notices[0].payload["text"]

    # quality: no serious or critical axe-core finding, usable at 320 px, touch targets of 44 px, weight
    strict = browser.new_context(viewport={"width": 320, "height": 640}, bypass_csp=True).new_page()
    strict.goto(telegram_url(base, CHANG))
    strict.locator(".item").first.wait_for()
    strict.locator(".item").first.locator(".seg label", has_text="ไม่สามารถดำเนินการได้").click()
    assert axe_violations(strict) == []
    assert strict.evaluate("document.documentElement.scrollWidth") <= 320
    small = strict.evaluate(
        "Array.from(document.querySelectorAll('button, .seg label, input:not([type=radio]), select, textarea'))"
        ".map(e => e.getBoundingClientRect()).filter(r => r.width && r.height < 44).length"
    )
    assert small == 0
    strict.screenshot(path=str(tmp_path / "4-320px-could-not.png"), full_page=True)
    page_bytes = sum(v for k, v in weight.items() if "/form/" in k and "/api/" not in k and ".ttf" not in k)
    font_bytes = sum(v for k, v in weight.items() if k.endswith(".ttf"))
    assert page_bytes <= 150 * 1024, weight  # gzipped; the font (kept a day) apart
    assert 0 < font_bytes <= 150 * 1024, weight  # Sarabun is loaded: a desktop without a Thai font reads Thai
    print("page weight (gzip):", page_bytes, "bytes + font", font_bytes, "bytes; screenshots in", tmp_path)


def test_forged_expired_foreign_replayed_and_raced_requests(site, browser, tmp_path):
    base, db_url, settings = site
    context = browser.new_context(viewport=PHONE)
    for bad in (telegram_url(base, KLANG, token="999:another-bot"), telegram_url(base, KLANG, age=2 * 3600)):
        page = context.new_page()
        page.goto(bad)
        page.locator("#status", has_text="หน้านี้หมดอายุแล้ว").wait_for()
        assert page.locator(".item").count() == 0
    page.screenshot(path=str(tmp_path / "1-expired.png"))

    # a one-time link works once
    async def link(chat, _db):
        said = await chat.type(str(KLANG), "/form")
        return re.search(r"(http\S+/form/#t=\S+)", said.text).group(1)

    once = in_loop(db_url, settings, link)
    page = browser.new_context(viewport=PHONE).new_page()
    page.goto(once)
    page.locator(".item").first.wait_for()
    again = browser.new_context(viewport=PHONE).new_page()
    again.goto(once)
    again.locator("#status", has_text="ลิงก์นี้ใช้ไปแล้ว").wait_for()
    assert again.locator("#send").is_hidden() and again.locator("#show-all").is_hidden()  # nothing live to press

    # another unit's and another organisation's items, sent with this page's session: refused, nothing kept
    theirs = browser.new_context().new_page()
    for user in (CHANG, OTHER):
        theirs.goto(telegram_url(base, user))
        theirs.locator(".item").first.wait_for()
        got = theirs.evaluate(
            "async () => (await (await fetch('/form/api/items', {headers: {Authorization: 'Bearer ' + "
            "sessionStorage.getItem('tidtam-form')}})).json()).items[0]"
        )
        foreign = {"item": got["item"], "unit": got["unit"]}
        put = api(page, "PUT", "/form/api/draft", {**foreign, "fields": {"status": "completed"}})
        post = api(page, "POST", "/form/api/submit", {"answers": [{**foreign, "status": "not_started"}]})
        assert put["status"] == 403 and post["status"] == 422

    # a chat answer lands while the form is open: the form's send shows it and asks; the second send replaces it
    box = page.locator(".item").first
    code = box.locator("h3").inner_text().split(" ")[0]

    async def chat_answers(chat, _db):
        said = await chat.type(str(KLANG), "/report")
        said = await chat.press(str(KLANG), next(b.data for b in said.buttons if code in b.label))
        said = await chat.press(str(KLANG), said.button("ยังไม่ดำเนินการ"))
        for _ in range(3):
            if "ยืนยัน" in " ".join(b.label for b in said.buttons):
                return await chat.press(str(KLANG), said.button("ยืนยัน"))
            said = await chat.press(str(KLANG), said.button("ต่อไป"))

    box.locator(".seg label", has_text="ไม่สามารถดำเนินการได้").click()
    box.locator("select").select_option("staff")
    if box.locator("input[name=disbursed]").count():
        box.locator("input[name=disbursed]").fill("-")
    in_loop(db_url, settings, chat_answers)
    page.locator("#send").click()
    page.locator(".newer", has_text="คุณตอบข้อนี้ในแชตแล้ว").wait_for()
    assert box.locator(".newer").count() == 1 and box.locator(".answered").count() == 0  # said once
    assert page.inner_text("#status").startswith("ไม่มีข้อใดถูกบันทึก")
    page.screenshot(path=str(tmp_path / "2-answered-meanwhile.png"), full_page=True)
    page.locator("#send").click()
    page.locator("#status", has_text="บันทึกแล้ว 1 รายการ").wait_for()

    async def answers(_chat, db):
        async with db.session(commit=False) as s:
            return [(r.status.value, r.channel) for r in (await s.exec(select(StatusReport).order_by(StatusReport.id)))]

    assert in_loop(db_url, settings, answers) == [("not_started", "telegram"), ("cannot", "form")]
    # the same submit replayed (its base is now old): refused, nothing written
    replay = api(page, "POST", "/form/api/submit", {"answers": [{"item": 0, "unit": 0}]})
    assert replay["status"] == 422 and len(in_loop(db_url, settings, answers)) == 2


def serve_script(body: str):
    return lambda route, _request=None: route.fulfill(body=body, content_type="text/javascript")


def test_liff_opens_the_form_with_an_id_token_line_login_vouches_for(tmp_path, browser, line_login):
    verify, seen = line_login
    port = free_port()
    url = f"sqlite+aiosqlite:///{tmp_path / 'liff.db'}"
    settings = Settings(
        data_dir=tmp_path / "data",
        line_liff_id="1650000000-AbCdEfGh",
        line_login_channel_id="1650000000",
        line_login_api_base_url=verify,
        public_base_url=f"http://127.0.0.1:{port}",
    )

    async def prepare(_chat, db):
        await db.upgrade()
        org = await setup_org(db, EXAMPLE_PLAN)
        await join(
            Chat(db, settings, platform="line"), "Uline0001", await invite_code(db, org, Role.MEMBER, "กองคลัง"), "ไลน์"
        )

    in_loop(url, settings, prepare)
    with Served(create_app(settings, Database(url)), port) as served:
        # the real SDK, bundled from npm and served here, gives the page its `liff`
        page = browser.new_context(viewport=PHONE).new_page()
        page.route("https://**/*", lambda route: route.abort())  # LINE's servers are not reachable from a test
        page.goto(served.url + "/form/liff")
        assert page.evaluate("typeof window.liff.init") == "function", "run `make liff`"
        # in LINE, liff.init logs the person in; here a stand-in of the SDK hands over the ID token
        for token, works in (("good-token", True), ("forged", False)):
            stand_in = (
                "window.liff = {init: async () => {}, isLoggedIn: () => true, getIDToken: () => '" + token + "'};"
            )
            page = browser.new_context(viewport=PHONE).new_page()
            page.route("**/form/static/liff.js", serve_script(stand_in))
            page.goto(served.url + "/form/liff")
            if works:
                page.locator(".item").first.wait_for()
                assert page.locator(".item").count() == 5
                page.screenshot(path=str(tmp_path / "liff.png"), full_page=True)
            else:
                page.locator("#status", has_text="หน้านี้หมดอายุแล้ว").wait_for()
    assert [s["id_token"] for s in seen] == [["good-token"], ["forged"]]


def test_thirteen_items_through_the_form_and_through_the_chat(tmp_path, browser):
    """The simulator's กองคลัง has 13 items; the same answers given both ways, each on a fresh simulator."""
    counts = form_and_chat(browser, tmp_path)
    assert counts["form"]["items"] == counts["chat"]["items"] == 13
    assert counts["form"]["summary"] == counts["chat"]["summary"] == "13", counts  # the same answers saved both ways
    assert counts["form"]["typed"] == counts["chat"]["typed"]  # the same fields typed…
    assert counts["form"]["presses"] * 2 < counts["chat"]["presses"]  # … with far fewer presses
    (tmp_path / "form-vs-chat.json").write_text(json.dumps(counts, ensure_ascii=False, indent=1))
    print("form vs chat:", json.dumps(counts, ensure_ascii=False), "screenshots in", tmp_path, time.strftime("%X"))


def test_a_file_too_large_is_refused_before_upload_and_a_closed_round_keeps_what_was_typed(site, browser, tmp_path):
    base, db_url, settings = site
    page = browser.new_context(viewport=PHONE).new_page()
    uploads: list[str] = []
    page.on("request", lambda r: uploads.append(r.url) if "/api/evidence" in r.url else None)
    page.goto(telegram_url(base, KLANG))
    page.locator(".item").first.wait_for()
    box = page.locator(".item").first
    assert "ตัวชี้วัด:" in box.inner_text() and ("งบประมาณ:" in box.inner_text() or "ไม่ใช้งบ" in box.inner_text())
    box.locator(".seg label", has_text="อยู่ระหว่างดำเนินการ").click()
    big = tmp_path / "ใหญ่.pdf"
    with big.open("wb") as f:
        f.truncate((settings.evidence_max_mb + 5) * 1024 * 1024)
    box.locator("input[type=file]").set_input_files(str(big))
    box.locator(".error", has_text="ไฟล์ใหญ่เกินไป").wait_for()
    assert uploads == []  # refused on the phone: not a byte was sent

    async def close(_chat, db):
        async with db.session() as s:
            rnd = (await s.exec(select(Round).where(Round.state == RoundState.OPEN))).first()
            await set_round_state(s, rnd.org_id, rnd, RoundState.CLOSED, actor="test", today=rnd.opens_on)

    in_loop(db_url, settings, close)
    box.locator("textarea[name=done]").fill("ประชุมคณะทำงานแล้ว")
    page.locator("#status", has_text="ปิดรับคำตอบแล้ว").wait_for()
    assert (
        page.locator("#send").is_disabled() and box.locator("textarea[name=done]").input_value() == "ประชุมคณะทำงานแล้ว"
    )
    page.screenshot(path=str(tmp_path / "closed-meanwhile.png"), full_page=True)
    print("screenshots in", tmp_path)
