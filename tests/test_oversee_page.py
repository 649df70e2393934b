"""The overseer's page: opened from /oversee, it lists every organisation beneath the office (and nothing else) with
its reporting state, shares, late units and last answer; drills down to one organisation's figures and units (never
a person); downloads CSV and XLSX; and reads right in Chromium at 1280 and 390 px with axe-core clean."""

from __future__ import annotations

import asyncio
import concurrent.futures
import csv
import datetime as dt
import io
import re

import httpx
import pytest
import time_machine
from test_chat import answer

from base.settings import get_settings
from base.values import BANGKOK
from bot.web.app import create_app
from storage.db import Database
from storage.models import OrgKind, Role
from storage.oversight import oversee
from storage.repo import create_organisation, find_organisation
from support.browser import Served, axe_violations
from support.chat import Chat, invite_code, join, setup_org
from support.paths import EXAMPLE_PLAN
from support.ports import free_port

AFTER_DUE = dt.datetime(2026, 4, 20, 9, 0, tzinfo=BANGKOK)  # the 6-month round of 2569 is past its due date


async def build(db_url: str, settings) -> dict[str, str]:
    """Province ก (three organisations) and province ข (one) beneath a region; one unit of one organisation has
    answered one item. Returns one-time links: the province's overseer, the region's, and a unit member's form link."""
    db = Database(db_url)
    await db.upgrade()
    chat = Chat(db, settings)
    orgs = {}
    for name in ("เทศบาลตำบลหนึ่ง", "อบต.สอง", "อบต.สาม", "อบต.ข้างเคียง"):
        orgs[name] = await setup_org(db, EXAMPLE_PLAN, name=name)
    async with db.session() as s:
        offices = {}
        for name in ("สถ.จ.ก", "สถ.จ.ข", "ภาค-1"):
            offices[name] = await create_organisation(
                s, name=name, kind=OrgKind.OVERSIGHT, province="ขอนแก่น", district="", fiscal_year=2569
            )
        members = {name: await find_organisation(s, name) for name in orgs}
        members["อบต.ข้างเคียง"].province = "อุดรธานี"  # the region spans two provinces
        s.add(members["อบต.ข้างเคียง"])
        await oversee(s, offices["สถ.จ.ก"], [members[n] for n in ("เทศบาลตำบลหนึ่ง", "อบต.สอง", "อบต.สาม")], "test")
        await oversee(s, offices["สถ.จ.ข"], [members["อบต.ข้างเคียง"]], "test")
        await oversee(s, offices["ภาค-1"], [offices["สถ.จ.ก"], offices["สถ.จ.ข"]], "test")
        office_ids = {n: o.id for n, o in offices.items()}
    await join(chat, "klang", await invite_code(db, orgs["เทศบาลตำบลหนึ่ง"], Role.MEMBER, "กองคลัง"), "สมศรี คลังดี")
    await answer(chat, "klang", "ดำเนินการแล้วเสร็จ", done="อบรมแล้ว โทร 081-234-5678")
    links = {}
    for who, office in (("province", "สถ.จ.ก"), ("region", "ภาค-1")):
        await join(chat, who, await invite_code(db, office_ids[office], Role.OVERSEER), f"ผู้กำกับ {office}")
        said = await chat.type(who, "/oversee")
        links[who] = re.search(r"#t=(\S+)", said.text).group(1)
    await join(chat, "880001", await invite_code(db, office_ids["สถ.จ.ก"], Role.OVERSEER), "ผู้กำกับ ในแอป")
    on_line = Chat(db, settings, platform="line")
    await join(on_line, "Uline0001", await invite_code(db, office_ids["สถ.จ.ก"], Role.OVERSEER), "ผู้กำกับ ไลน์")
    await join(on_line, "Uline0002", await invite_code(db, orgs["อบต.สอง"], Role.MEMBER, "กองช่าง"), "สมใจ ไลน์")
    await join(chat, "880002", await invite_code(db, orgs["อบต.สอง"], Role.MEMBER, "กองคลัง"), "สมหมาย สอง")
    links["member"] = re.search(r"#t=(\S+)", (await chat.type("klang", "/form")).text).group(1)
    links["neighbour"] = str(orgs["อบต.ข้างเคียง"])
    await db.dispose()
    return links


@pytest.fixture
def world(cli_env):
    settings = get_settings()
    with time_machine.travel(AFTER_DUE, tick=True), concurrent.futures.ThreadPoolExecutor(1) as pool:
        links = pool.submit(asyncio.run, build(settings.effective_database_url, settings)).result()
        yield settings, links


def test_the_api_answers_only_for_what_lies_beneath(world):
    settings, links = world
    app = create_app(settings, Database(settings.effective_database_url))

    async def calls() -> None:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
            # a unit member's form link opens no overseer session; a used link says so; junk is refused
            r = await c.post("/oversee/api/session", json={"link": links["member"]})
            assert r.status_code == 403 and "หน่วยกำกับดูแล" in r.json()["error"]
            r = await c.post("/oversee/api/session", json={"link": links["province"]})
            token = r.json()["session"]
            r = await c.post("/oversee/api/session", json={"link": links["province"]})
            assert r.status_code == 403 and "ถูกใช้ไปแล้ว" in r.json()["error"]
            assert (await c.post("/oversee/api/session", json={"link": "x" * 5000})).status_code == 403
            assert (await c.get("/oversee/api/orgs")).status_code == 401
            assert (await c.get("/oversee/api/orgs", headers={"Authorization": "Bearer forged"})).status_code == 401
            auth = {"Authorization": "Bearer " + token}
            body = (await c.get("/oversee/api/orgs?months=6", headers=auth)).json()
            rows = {r["name"]: r for r in body["rows"]}
            assert set(rows) == {"เทศบาลตำบลหนึ่ง", "อบต.สอง", "อบต.สาม"}  # not the neighbouring province's
            assert rows["เทศบาลตำบลหนึ่ง"]["state"] == "partly" and rows["อบต.สอง"]["state"] == "none"
            assert rows["เทศบาลตำบลหนึ่ง"]["last_answer"] == "2026-04-20" and rows["อบต.สอง"]["last_answer"] == ""
            assert rows["อบต.สอง"]["late_units"] == 4 and rows["เทศบาลตำบลหนึ่ง"]["late_units"] == 4  # units owning items
            assert [t[2] for t in body["totals"]["by_state"]] == [0, 1, 2, 0]
            assert body["provinces"] == []  # one province: nothing to roll up by
            province_totals = body["totals"]
            assert "สมศรี" not in str(body) and "081" not in str(body)  # no person, nothing typed
            # drill-down: an organisation beneath, its figures and units; one elsewhere is not found
            mine = (await c.get(f"/oversee/api/org/{rows['เทศบาลตำบลหนึ่ง']['id']}", headers=auth)).json()
            assert mine["items"] == 63 and any(u == "กองช่าง" for u, _n in mine["awaiting_units"])
            assert "สมศรี" not in str(mine) and "อบรม" not in str(mine)
            r = await c.get(f"/oversee/api/org/{links['neighbour']}", headers=auth)
            assert r.status_code == 404 and "ไม่ได้อยู่ในสังกัด" in r.json()["error"]
            # downloads: what the page shows, a spreadsheet never reading a cell as a formula
            r = await c.get("/oversee/api/orgs.csv?months=6", headers=auth)
            assert r.content.startswith("\ufeff".encode()) and "attachment" in r.headers["content-disposition"]
            table = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
            assert table[0][0] == "องค์กร" and {row[0] for row in table[1:]} == set(rows)
            r = await c.get("/oversee/api/orgs.xlsx?months=6", headers=auth)
            from openpyxl import load_workbook

            sheet = load_workbook(io.BytesIO(r.content)).active
            assert sheet.max_row == 4 and sheet["A1"].value == "องค์กร"
            assert (await c.get("/oversee/api/orgs.exe", headers=auth)).status_code == 404
            # the region sees both provinces' organisations
            token = (await c.post("/oversee/api/session", json={"link": links["region"]})).json()["session"]
            body = (await c.get("/oversee/api/orgs", headers={"Authorization": "Bearer " + token})).json()
            assert len(body["rows"]) == 4
            # and rolls them up by province: a province's shares are its organisations' together, the same figures
            # the province's own office sees as its totals
            provinces = {p["name"]: p for p in body["provinces"]}
            assert list(provinces) == ["ขอนแก่น", "อุดรธานี"]
            kk = provinces["ขอนแก่น"]
            assert kk["organisations"] == 3 and kk["by_state"] == [0, 1, 2, 0]
            assert (kk["carried_out"], kk["disbursed"]) == (
                province_totals["carried_out"],
                province_totals["disbursed"],
            )
            assert provinces["อุดรธานี"]["by_state"] == [0, 0, 1, 0]

    asyncio.run(calls())


def test_in_telegram_the_page_opens_signed_in_by_the_mini_app(world):
    """/oversee on Telegram offers the page inside the app; its initData is the overseer's proof (no link to spend),
    checked with the bot's token: a forged or foreign proof, or a unit member's, opens nothing."""
    from test_form import TOKEN, init_data

    settings, _links = world
    settings = settings.model_copy(update={"telegram_bot_token": TOKEN, "public_base_url": "https://tidtam.test"})
    app = create_app(settings, Database(settings.effective_database_url))

    async def calls() -> None:
        db = Database(settings.effective_database_url)
        said = await Chat(db, settings).type("880001", "/oversee")
        await db.dispose()
        assert [b.app for b in said.buttons if b.app] == ["/oversee/"]  # "เปิดใน Telegram"
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="https://tidtam.test") as c:
            r = await c.post("/oversee/api/session", json={"telegram": init_data(880001)})
            assert r.status_code == 200, r.text
            rows = (await c.get("/oversee/api/orgs", headers={"Authorization": "Bearer " + r.json()["session"]})).json()
            assert {r["name"] for r in rows["rows"]} == {"เทศบาลตำบลหนึ่ง", "อบต.สอง", "อบต.สาม"}
            r = await c.post("/oversee/api/session", json={"telegram": init_data(880002)})  # a unit's member
            assert r.status_code == 403 and "หน่วยกำกับดูแล" in r.json()["error"]
            for forged in (init_data(880001, token="999:other"), init_data(880001).replace("880001", "880002")):
                assert (await c.post("/oversee/api/session", json={"telegram": forged})).status_code == 403
            r = await c.post("/oversee/api/session", json={"telegram": init_data(880001), "bot": "9" * 5000})
            assert r.status_code == 403  # a made-up bot: nothing looked up, nothing opened

    asyncio.run(calls())


def test_in_any_browser_an_overseer_signs_in_with_line(world, line_login):
    """LINE Login's web sign-in: off to LINE with a state kept in a cookie, back with a code exchanged (once) for the
    LINE user, and an overseer given a one-time link the page spends; a state that is not the cookie's, a code used
    before or a unit member's sign-in opens nothing; without the Login channel's secret there is no such way in."""
    from urllib.parse import parse_qs, urlsplit

    url, seen = line_login
    settings, _links = world
    plain = settings.model_copy(update={"public_base_url": "https://tidtam.test"})
    settings = plain.model_copy(
        update={
            "line_login_channel_id": "1650000000",
            "line_login_channel_secret": "login-secret",
            "line_login_api_base_url": url,
        }
    )
    db = Database(settings.effective_database_url)

    async def calls() -> None:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=create_app(settings, db)), base_url="https://tidtam.test"
        ) as c:
            assert 'data-line-login="1"' in (await c.get("/oversee/")).text

            async def go_to_line() -> dict[str, str]:
                r = await c.get("/oversee/line")
                assert r.status_code == 302 and "HttpOnly" in r.headers["set-cookie"]
                assert "Secure" in r.headers["set-cookie"] and "Path=/oversee/line/back" in r.headers["set-cookie"]
                where = urlsplit(r.headers["location"])
                assert (where.netloc, where.path) == ("access.line.me", "/oauth2/v2.1/authorize")
                return {k: v[0] for k, v in parse_qs(where.query).items()}

            asked = await go_to_line()
            assert asked["client_id"] == "1650000000" and asked["scope"] == "openid"
            assert asked["redirect_uri"] == "https://tidtam.test/oversee/line/back"
            forged = await c.get("/oversee/line/back", params={"code": "good-code", "state": "someone-elses"})
            assert forged.headers["location"] == "/oversee/#e=line"
            assert not [f for f in seen if "grant_type" in f]  # a state not the cookie's: LINE was not even asked
            asked = await go_to_line()
            back = await c.get("/oversee/line/back", params={"code": "good-code", "state": asked["state"]})
            assert back.headers["location"].startswith("/oversee/#t=")
            assert 'tidtam_line_state=""' in back.headers["set-cookie"]  # the state is spent
            link = back.headers["location"].split("#t=")[1]
            session = (await c.post("/oversee/api/session", json={"link": link})).json()["session"]
            rows = (await c.get("/oversee/api/orgs", headers={"Authorization": "Bearer " + session})).json()["rows"]
            assert {r["name"] for r in rows} == {"เทศบาลตำบลหนึ่ง", "อบต.สอง", "อบต.สาม"}
            asked = await go_to_line()  # the same code again (replayed): LINE refuses it
            again = await c.get("/oversee/line/back", params={"code": "good-code", "state": asked["state"]})
            assert again.headers["location"] == "/oversee/#e=line"
            asked = await go_to_line()  # a unit member signed in with LINE is no overseer
            member = await c.get("/oversee/line/back", params={"code": "member-code", "state": asked["state"]})
            assert member.headers["location"] == "/oversee/#e=line"
            assert all(f.get("client_secret") == ["login-secret"] for f in seen if "grant_type" in f)
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=create_app(plain, db)), base_url="https://tidtam.test"
        ) as c:
            assert (await c.get("/oversee/line")).status_code == 404
            assert 'data-line-login=""' in (await c.get("/oversee/")).text
        await db.dispose()

    asyncio.run(calls())


def test_the_page_in_chromium_at_desktop_and_phone_widths(world, browser, tmp_path):
    settings, links = world
    with_line = settings.model_copy(  # LINE Login set up: a page that cannot sign in offers it
        update={
            "line_login_channel_id": "1650000000",
            "line_login_channel_secret": "login-secret",
            "public_base_url": "https://tidtam.test",
        }
    )
    with Served(create_app(with_line, Database(settings.effective_database_url)), free_port()) as served:
        for n, (width, height) in enumerate(((1280, 900), (390, 844))):
            if n:  # each link opens once: the phone gets a new one

                async def again() -> str:
                    db = Database(settings.effective_database_url)
                    said = await Chat(db, settings).type("region", "/oversee")
                    await db.dispose()
                    return re.search(r"#t=(\S+)", said.text).group(1)

                with concurrent.futures.ThreadPoolExecutor(1) as pool:
                    links["region"] = pool.submit(asyncio.run, again()).result()
            page = browser.new_context(viewport={"width": width, "height": height}, bypass_csp=True).new_page()
            page.goto(f"{served.url}/oversee/#t={links['region']}")
            page.wait_for_selector("#rows tr")
            assert page.locator("#rows tr").count() == 4
            assert "#t=" not in page.url  # the spent link is out of the history
            assert page.locator("#p-rows tr").count() == 2  # the region's provinces
            page.screenshot(path=str(tmp_path / f"oversee-{width}.png"), full_page=True)
            assert page.evaluate("document.documentElement.scrollWidth") <= width
            assert axe_violations(page) == []
            # sorted by a column, filtered by state, drilled down and back
            page.click("thead button[data-key=name]")
            assert page.get_attribute("#orgs thead th:first-child", "aria-sort") == "ascending"
            page.select_option("#f-state", label="รายงานบางส่วน")
            assert page.locator("#rows tr").count() == 1
            page.click("#rows tr th button")
            page.wait_for_selector("#detail h2")
            assert "เทศบาลตำบลหนึ่ง" in page.inner_text("#detail") and "กองช่าง" in page.inner_text("#detail")
            page.screenshot(path=str(tmp_path / f"oversee-detail-{width}.png"), full_page=True)
            assert axe_violations(page) == []
            page.click("#back")
            assert page.is_visible("#orgs")
            page.select_option("#f-state", label="ทั้งหมด")
            page.click("#p-rows button[data-province=ขอนแก่น]")  # a province's organisations, in the list
            assert page.locator("#rows tr").count() == 3 and page.input_value("#f-province") == "ขอนแก่น"
            page.goto(f"{served.url}/oversee/?again#e=line")  # back from a LINE sign-in that found no overseer
            page.wait_for_selector("#sign-in a")
            assert "เข้าสู่ระบบด้วย LINE ในฐานะเจ้าหน้าที่หน่วยกำกับดูแลไม่สำเร็จ" in page.inner_text("#status")
            assert page.get_attribute("#sign-in a", "href") == "/oversee/line" and "#e=" not in page.url
            page.screenshot(path=str(tmp_path / f"oversee-line-failed-{width}.png"), full_page=True)
            assert axe_violations(page) == []
            page.close()
    print("screenshots in", tmp_path)
