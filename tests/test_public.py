"""The public pages for ITA: an organisation with people, answers and evidence publishes; every page and file is
crawled (live and from the static export) and none of its personal data, no unpublished round and nothing of
another organisation is found; every address `tidtam publish urls` prints answers; conditional GETs get 304."""

from __future__ import annotations

import asyncio
import concurrent.futures
import html
import re
import subprocess
import zipfile
from html.parser import HTMLParser
from io import BytesIO
from pathlib import Path
from urllib.parse import urljoin

import httpx
import pytest
from sqlmodel import select

from base.settings import get_settings
from bot.cli import main
from bot.web.app import create_app
from storage.db import Database
from storage.models import OrgKind, Oversight, Role, Round, RoundState
from storage.publication import set_live
from storage.repo import create_organisation
from support.chat import Chat, invite_code, join, round_change, setup_org
from support.paths import EXAMPLE_PLAN

pytestmark = pytest.mark.slow  # documents are laid out (WeasyPrint) when a round is first published

A, B, OFFICE = "เทศบาลตำบลเอ", "เทศบาลตำบลบี", "สำนักงานส่งเสริมการปกครองท้องถิ่นจังหวัดทดสอบ"
SECRETS = ["สมศรี ลับมาก", "สมชาย ซ่อนเร้น", "880001", "880002", "หลักฐานลับ", "evidence/", "ผู้ดูแล ลับสุด"]
# typed into an answer by a member: her colleague's first name, a phone, a national ID, a private Drive folder, a
# public news link (kept, as typed) — the first four must never reach a public file
TYPED = (
    "อบรมเจ้าหน้าที่แล้ว ติดต่อสมชาย 081-234-5678 เลขบัตร 1101700207366 รูป https://drive.google.com/drive/folders/x1"
    " ข่าว https://www.example.go.th/news/123"
)
PERSONAL = ["สมชาย", "081-234-5678", "1101700207366", "drive.google.com", "สมศรี"]
INTERNAL = ["ข้อควรตรวจสอบก่อนลงนาม", "ยังไม่ได้เขียน", "บันทึกข้อความ"]
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 200


async def build(url: str, settings) -> None:
    """A with people, answers (a photo, a link) and its 6-month round closed; B answering an open round; an
    office overseeing both."""
    db = Database(url, new_installation=True)
    await db.upgrade()
    a = await setup_org(db, EXAMPLE_PLAN, name=A)
    b = await setup_org(db, EXAMPLE_PLAN, name=B)
    chat = Chat(db, settings)
    await join(chat, "880001", await invite_code(db, a, Role.MEMBER, "กองคลัง"), SECRETS[0])
    await join(chat, "880002", await invite_code(db, b, Role.MEMBER, "กองคลัง"), SECRETS[1])
    await join(chat, "880003", await invite_code(db, a, Role.ADMIN), SECRETS[6])
    for user in ("880001", "880002"):
        said = await chat.type(user, "/report")
        said = await chat.press(user, said.buttons[0].data)
        said = await chat.press(user, said.button("อยู่ระหว่างดำเนินการ"))
        said = await chat.type(user, TYPED)
        for _ in range(8):
            if "กรุณาตรวจสอบ" in said.text:
                said = await chat.press(user, said.button("ยืนยัน"))
                break
            if "เบิกจ่าย" in said.text:
                said = await chat.type(user, "1,000")
            elif "กี่" in said.text:
                said = await chat.type(user, "1")
            elif "ได้รับ" in said.text:
                said = await chat.press(user, said.button("ต่อไป"))
            elif "หลักฐาน" in said.text:
                await chat.send_file(user, "หลักฐานลับ.png", PNG, kind="photo", mime="image/png")
                said = await chat.type(user, "https://example.go.th/news/1")
        assert "บันทึกแล้ว" in said.text, said.text
    async with db.session() as s:
        office = await create_organisation(
            s, name=OFFICE, kind=OrgKind.OVERSIGHT, province="ขอนแก่น", district="เมือง", fiscal_year=2569
        )
        s.add_all([Oversight(overseer_id=office.id, org_id=a), Oversight(overseer_id=office.id, org_id=b)])
        six = (await s.exec(select(Round).where(Round.org_id == a, Round.months == 6))).one()
        six.state = RoundState.CLOSED
        s.add(six)
        await set_live(s, b, True, "test", "org-b")  # B is public, but its open round is not
        # B's member is a registered person of B only; A's people are masked in A's documents
        await join_name(s, a, "สมชาย ใจดี")
    await db.dispose()


async def join_name(session, org_id: int, name: str) -> None:
    from storage.models import Person

    session.add(Person(org_id=org_id, display_name=name))


def off_loop(fn, *args):
    """Run where no event loop is running (Playwright's sync API keeps one in the test's thread)."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(fn, *args).result()


@pytest.fixture
def world(cli_env):
    settings = get_settings()
    off_loop(asyncio.run, build(settings.effective_database_url, settings))
    return cli_env, settings


def tidtam(capsys, *args: str) -> str:
    code = off_loop(main, list(args))
    out, err = capsys.readouterr()
    assert code == 0, err
    return out


class Links(HTMLParser):
    """The page's links, and whether it is well formed: every element closed in order, ids unique."""

    VOID = {"meta", "link", "br", "img", "input", "hr", "source", "wbr", "col", "area", "base", "track", "embed"}

    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.stack: list[str] = []
        self.ids: list[str] = []
        self.problems: list[str] = []
        self.scripts = 0

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        if tag == "link" and a.get("href"):
            self.links.append(a["href"])
        if a.get("id"):
            self.ids.append(a["id"])
        self.scripts += tag == "script"
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        if not self.stack or self.stack[-1] != tag:
            self.problems.append(f"</{tag}> closes <{self.stack[-1] if self.stack else '-'}>")
        else:
            self.stack.pop()

    def check(self, html: str) -> Links:
        self.feed(html)
        if self.stack:
            self.problems.append(f"unclosed {self.stack}")
        if len(set(self.ids)) != len(self.ids):
            self.problems.append("duplicate ids")
        if not re.search(r'<html lang="th">', html) or "<title>" not in html or '<meta charset="utf-8">' not in html:
            self.problems.append("lang, title or charset missing")
        return self


def text_of(body: bytes, name: str, tmp: Path) -> str:
    """What a person (or a search engine) can read from a file: PDF text, the XML inside DOCX and XLSX."""
    if name.endswith(".pdf"):
        f = tmp / "x.pdf"
        f.write_bytes(body)
        return subprocess.run(["pdftotext", str(f), "-"], capture_output=True, text=True, check=True).stdout
    if name.endswith((".docx", ".xlsx")):
        with zipfile.ZipFile(BytesIO(body)) as z:
            # openpyxl writes Thai as character references (&#3585;): read as a person would
            return html.unescape(
                "".join(z.read(n).decode("utf-8", "replace") for n in z.namelist() if n.endswith(".xml"))
            )
    if name.endswith(".ttf"):
        return ""  # the Sarabun font shipped beside the stylesheet
    return body.decode("utf-8")


def squeezed(text: str) -> str:
    """Text to compare across formats: a PDF writes ำ as ํ + า and breaks lines between words."""
    import unicodedata

    return re.sub(r"[\s\u200b]+", "", unicodedata.normalize("NFKC", text))


def crawl(get, start: str) -> dict[str, bytes]:
    """Every page and file reachable from ``start`` without leaving its site; all must answer 200."""
    seen: dict[str, bytes] = {}
    todo = [start]
    while todo:
        url = todo.pop()
        if url in seen:
            continue
        status, body = get(url)
        assert status == 200, url
        seen[url] = body
        if url.endswith((".html", "/")):
            page = Links().check(body.decode())
            assert page.problems == [] and page.scripts == 0, (url, page.problems)
            for href in [h for h in page.links if not h.startswith("#")]:
                target = urljoin(url, href)
                if target.startswith(start.rsplit("/", 2)[0]) and not target.endswith(".css"):
                    todo.append(target)
    return seen


def test_a_published_organisation_shows_no_personal_data_and_nothing_unpublished(world, capsys, tmp_path):
    folder, settings = world
    out = tidtam(capsys, "--org", A, "publish", "on", "--slug", "org-a")
    assert "/p/org-a/" in out
    tidtam(capsys, "--org", OFFICE, "publish", "on", "--slug", "office")
    urls = tidtam(capsys, "--org", A, "publish", "urls")
    assert "ติดตามรอบ 6 เดือน" not in urls  # closing a round does not publish it
    assert off_loop(main, ["--org", A, "publish", "urls"]) == 0
    assert "ตั้ง PUBLIC_BASE_URL" in capsys.readouterr().err  # addresses of this machine: said, in Thai
    # the preview says what is masked; "no" publishes nothing
    code = off_loop(lambda: main(["--org", A, "publish", "round", "6"]))
    out = capsys.readouterr().out
    assert "ปิดบังในข้อความที่หน่วยงานพิมพ์" in out and "หมายเลขโทรศัพท์ 1" in out and "ลิงก์ที่เก็บไฟล์ส่วนตัว" in out
    assert code != 0 or "ยังไม่ได้เผยแพร่" in out
    assert "ติดตามรอบ 6 เดือน" not in tidtam(capsys, "--org", A, "publish", "urls")
    assert "เผยแพร่แล้ว" in tidtam(capsys, "--org", A, "publish", "round", "6", "--yes")
    urls = tidtam(capsys, "--org", A, "publish", "urls")
    assert "O23 (ITA 2569)" in urls and "ติดตามรอบ 6 เดือน ประจำปีงบประมาณ 2569" in urls
    printed = re.findall(r"^  (\S+)$", urls, re.M)

    db = Database(settings.effective_database_url)
    app = create_app(settings, db)

    async def fetch_all(paths: list[str]) -> dict[str, tuple[int, bytes, dict]]:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
            out = {}
            for p in paths:
                r = await c.get(p)
                out[p] = (r.status_code, r.content, dict(r.headers))
            return out

    def get(url: str) -> tuple[int, bytes]:
        status, body, _h = asyncio.run(fetch_all([url]))[url]
        return status, body

    # every address `publish urls` printed answers
    paths = [re.sub(r"^https?://[^/]+", "", u) for u in printed]
    assert all(status == 200 for status, _b, _h in asyncio.run(fetch_all(paths)).values()), paths

    site = crawl(get, "/p/org-a/")
    assert "/p/org-a/2569/6/report.pdf" in site and "/p/org-a/2569/plan.pdf" in site
    assert not any("/12/" in u for u in site)  # the 12-month round is not published
    for url, body in site.items():
        text = text_of(body, url, tmp_path)
        for secret in SECRETS + PERSONAL + INTERNAL + [B, "org-b"]:
            assert secret not in text, (secret, url)
    for name in ("report.pdf", "report.docx", "tables.xlsx"):  # the public link, as typed (not …/news/๑๒๓)
        text = text_of(site[f"/p/org-a/2569/6/{name}"], name, tmp_path).replace("\n", "")  # a long link wraps
        assert "https://www.example.go.th/news/123" in text, name
    assert "[หมายเลขโทรศัพท์]" in text_of(site["/p/org-a/2569/6/report.pdf"], "x.pdf", tmp_path)
    page = site["/p/org-a/2569/6/"].decode()
    assert "ร้อยละที่ดำเนินการ = จำนวนรายการที่มีสถานะ" in page and "เบิกจ่าย" in page  # the figures' rules
    assert "อยู่ระหว่างดำเนินการ" in page and "เผยแพร่เมื่อ" in page

    # unpublished, foreign and malformed addresses
    gone = asyncio.run(
        fetch_all(
            [
                "/p/org-a/2569/12/",
                "/p/org-a/2569/12/report.pdf",
                "/p/org-b/2569/6/",
                "/p/org-b/2569/6/report.pdf",
                "/p/org-a/2569/6/memo.pdf",
                "/p/org-a/2569/6/..%2f..%2f..%2ftidtam.db",
                "/p/ORG-A/",
                "/p/nobody/",
                "/p/org-a/2570/",
                "/p/org-a/99999999999999999999999/",
                "/p/org-a/2569/99999999999999999999/report.pdf",
                "/p/org-a/2569/7/",
            ]
        )
    )
    assert {p: s for p, (s, _b, _h) in gone.items() if s != 404} == {}
    b_page = asyncio.run(fetch_all(["/p/org-b/"]))["/p/org-b/"][1].decode()
    assert "ยังไม่มีรายงานของปีนี้ที่เผยแพร่" in b_page and SECRETS[1] not in b_page

    # the oversight page: both organisations, progress only from what each published
    office = asyncio.run(fetch_all(["/p/office/"]))["/p/office/"][1].decode()
    assert A in office and B in office and 'href="../org-a/"' in office and "ยังไม่มีที่เผยแพร่" in office

    # cacheable: ETag and Last-Modified, 304 when unchanged
    first = asyncio.run(fetch_all(["/p/org-a/"]))["/p/org-a/"][2]
    assert first["etag"] and first["last-modified"] and "max-age" in first["cache-control"]

    async def conditional() -> tuple[int, int]:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
            r1 = await c.get("/p/org-a/", headers={"If-None-Match": first["etag"]})
            r2 = await c.get("/p/org-a/2569/6/report.pdf")
            r3 = await c.get("/p/org-a/2569/6/report.pdf", headers={"If-None-Match": r2.headers["etag"]})
            return r1.status_code, r3.status_code

    assert asyncio.run(conditional()) == (304, 304)

    # the static export: the same pages as plain files with relative links, and the same nothing
    export = tmp_path / "site"
    tidtam(capsys, "--org", A, "publish", "export", str(export))
    files = {str(p.relative_to(export)): p.read_bytes() for p in export.rglob("*") if p.is_file()}
    modes = {oct(p.stat().st_mode & 0o777) for p in [export, *export.rglob("*")]}
    assert modes == {"0o755", "0o644"}, modes  # a web server's user can read what this user wrote
    (tmp_path / "a-file").write_text("x")
    code = off_loop(main, ["--org", A, "publish", "export", str(tmp_path / "a-file")])
    err = capsys.readouterr().err
    assert code == 1 and "เป็นไฟล์" in err and "Unexpected" not in err
    assert (
        "org-a/index.html" in files
        and "org-a/2569/6/report.pdf" in files
        and "static/public.css" in files
        and "static/sarabun.ttf" in files
    )
    for name, body in files.items():
        text = text_of(body, name, tmp_path)
        for secret in SECRETS + [B]:
            assert secret not in text, (secret, name)
        if name.endswith(".html"):
            for href in [h for h in Links().check(body.decode()).links if not h.startswith("#")]:
                assert (export / Path(name).parent / href).resolve().exists(), (name, href)

    # a data folder restored without the published files: a visitor's request never lays them out (404) until
    # the admin publishes the round again
    import shutil

    shutil.rmtree(settings.data_dir / "public")
    assert asyncio.run(fetch_all(["/p/org-a/2569/6/report.pdf"]))["/p/org-a/2569/6/report.pdf"][0] == 404
    tidtam(capsys, "--org", A, "publish", "round", "6", "--yes")
    again = asyncio.run(fetch_all(["/p/org-a/2569/6/report.pdf"]))["/p/org-a/2569/6/report.pdf"]
    assert again[0] == 200 and again[1].startswith(b"%PDF")

    # off: every address answers 404
    tidtam(capsys, "--org", A, "publish", "off")
    assert asyncio.run(fetch_all(["/p/org-a/"]))["/p/org-a/"][0] == 404
    asyncio.run(db.dispose())


def test_the_plan_page_says_when_and_by_whom_the_executive_approved_the_plan(world, capsys, tmp_path):
    _folder, settings = world
    tidtam(capsys, "--org", A, "publish", "on", "--slug", "org-a")
    refused = {
        "future": ["--date", "1/1/2600", "--by", "นายก"],
        "no one": ["--date", "15/9/2568", "--by", "  "],
        "too long": ["--date", "15/9/2568", "--by", "ก" * 201],
        "not a date": ["--date", "31/2/2568", "--by", "นายก"],
        "neither": [],
    }
    for why, args in refused.items():
        code = off_loop(main, ["--org", A, "plan", "approved", *args])
        err = capsys.readouterr().err
        assert code != 0 and err.strip() and "Traceback" not in err, why
    out = tidtam(capsys, "--org", A, "plan", "approved", "--date", "15 ก.ย. 2568", "--by", "นายสมชาย ใจดี นายกเทศมนตรี")
    assert "15 กันยายน 2568" in out and "PDF" in out  # the public files are written anew at once
    app = create_app(settings, Database(settings.effective_database_url))

    async def get(path: str) -> bytes:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
            r = await c.get(path)
            assert r.status_code == 200, path
            return r.content

    said = "ผู้บริหารให้ความเห็นชอบแผนนี้เมื่อ ๑๕ กันยายน ๒๕๖๘ (นายสมชาย ใจดี นายกเทศมนตรี)"
    assert said in asyncio.run(get("/p/org-a/2569/")).decode()
    assert said in text_of(asyncio.run(get("/p/org-a/2569/plan.pdf")), "plan.pdf", tmp_path).replace("\n", " ")
    tidtam(capsys, "--org", A, "plan", "approved", "--clear")
    assert "ให้ความเห็นชอบ" not in asyncio.run(get("/p/org-a/2569/")).decode()


def test_the_admin_words_an_answer_for_the_public_and_marks_a_private_link_public(world, capsys, tmp_path):
    """The internal documents keep what the unit typed; the public ones show the admin's wording, and a private
    link only once it is marked public; every choice is audited."""
    _folder, settings = world

    async def answered() -> str:
        from storage.models import AuditLog, Organisation, PlanItem, StatusReport

        db = Database(settings.effective_database_url)
        async with db.session(commit=False) as s:
            org = (await s.exec(select(Organisation).where(Organisation.name == A))).one()
            report = (await s.exec(select(StatusReport).where(StatusReport.org_id == org.id))).first()
            code = (await s.get(PlanItem, report.item_id)).code
            audited = len(
                (await s.exec(select(AuditLog).where(AuditLog.entity.in_(["public_wording", "public_link"])))).all()
            )
        await db.dispose()
        return code, audited

    code, _n = off_loop(asyncio.run, answered())
    tidtam(capsys, "--org", A, "publish", "on", "--slug", "org-a")
    for args in (
        [code, "--unit", "กองคลัง", "--field", "result"],  # neither --text, --hide nor --reset
        [code, "--field", "result", "--hide"],  # no unit
        [code, "--unit", "กองคลลัง", "--hide"],  # a misspelt unit
        ["9.9.9-9", "--unit", "กองคลัง", "--hide"],
        [code, "--unit", "กองคลัง", "--field", "phone", "--hide"],
        [code, "--unit", "กองคลัง", "--text", "ก" * 4001],
    ):
        assert off_loop(main, ["--org", A, "publish", "wording", "6", *args]) != 0, args
        err = capsys.readouterr().err
        assert err.strip() and "Traceback" not in err, args
    folder = "https://drive.google.com/drive/folders/x1"
    worded = "จัดอบรมเจ้าหน้าที่ ๑ ครั้ง ภาพ " + folder
    tidtam(capsys, "--org", A, "publish", "wording", "6", code, "--unit", "กองคลัง", "--text", worded)
    assert worded in tidtam(capsys, "--org", A, "publish", "wording", "6")
    app = create_app(settings, Database(settings.effective_database_url))

    async def get(path: str) -> bytes:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
            r = await c.get(path)
            assert r.status_code == 200, path
            return r.content

    def published(name: str) -> str:
        return squeezed(text_of(off_loop(asyncio.run, get(f"/p/org-a/2569/6/{name}")), name, tmp_path))

    assert "ปรับถ้อยคำ" in tidtam(capsys, "--org", A, "publish", "round", "6", "--yes")
    for name in ("report.pdf", "report.docx", "tables.xlsx"):
        text = published(name)
        assert squeezed("จัดอบรมเจ้าหน้าที่ ๑ ครั้ง") in text and squeezed("อบรมเจ้าหน้าที่แล้ว ติดต่อ") not in text
        assert folder not in text and "081-234-5678" not in text, name  # the wording is screened too
    assert off_loop(main, ["--org", A, "publish", "link", "not a link"]) != 0
    capsys.readouterr()
    tidtam(capsys, "--org", A, "publish", "link", folder)
    tidtam(capsys, "--org", A, "publish", "round", "6", "--yes")
    for name in ("report.pdf", "report.docx", "tables.xlsx"):
        assert folder in published(name), name
    internal = tmp_path / "internal"
    tidtam(capsys, "--org", A, "report", "export", "--round", "6", "--format", "xlsx", "--out", str(internal))
    text = text_of((internal / next(p.name for p in internal.glob("*.xlsx"))).read_bytes(), "x.xlsx", tmp_path)
    assert "อบรมเจ้าหน้าที่แล้ว ติดต่อสมชาย" in text and worded not in text  # the answer itself is unchanged
    assert off_loop(asyncio.run, answered())[1] == 2


def test_slugs_are_checked_and_not_shared(world, capsys):
    _folder, _settings = world
    code = main(["--org", A, "publish", "on", "--slug", "เทศบาล"])
    err = capsys.readouterr().err
    assert code != 0 and "ที่อยู่" in err and "Traceback" not in err
    code = main(["--org", A, "publish", "on", "--slug", "org-b"])
    err = capsys.readouterr().err
    assert code != 0 and "org-b" in err
    code = main(["--org", A, "publish", "on"])
    err = capsys.readouterr().err
    assert code != 0 and "--slug" in err


def test_the_pages_in_chromium_at_desktop_and_phone_widths(world, capsys, browser, tmp_path):
    from support.browser import Served, axe_violations
    from support.ports import free_port

    _folder, settings = world
    tidtam(capsys, "--org", A, "publish", "on", "--slug", "org-a")
    tidtam(capsys, "--org", A, "publish", "round", "6", "--yes")
    tidtam(capsys, "--org", OFFICE, "publish", "on", "--slug", "office")
    port = free_port()
    with Served(create_app(settings, Database(settings.effective_database_url)), port) as served:
        for width, height in ((1280, 900), (390, 844)):
            page = browser.new_context(
                viewport={"width": width, "height": height}, java_script_enabled=False
            ).new_page()
            for path in ("/p/org-a/", "/p/org-a/2569/", "/p/org-a/2569/6/", "/p/office/"):
                assert page.goto(served.url + path).status == 200
                name = path.strip("/").replace("/", "-")
                page.screenshot(path=str(tmp_path / f"{width}-{name}.png"), full_page=True)
                assert page.evaluate("document.documentElement.scrollWidth") <= width, (path, width)
            page.close()
        strict = browser.new_context(bypass_csp=True).new_page()
        for path in ("/p/org-a/", "/p/org-a/2569/", "/p/org-a/2569/6/", "/p/office/"):
            strict.goto(served.url + path)
            assert axe_violations(strict) == [], path
        strict.emulate_media(media="print")
        strict.goto(served.url + "/p/org-a/2569/")
        strict.screenshot(path=str(tmp_path / "print-plan.png"), full_page=True)
    print("screenshots in", tmp_path)


def test_admins_publish_in_chat(tmp_path):
    off_loop(asyncio.run, publish_in_chat(tmp_path))  # sync: Playwright's loop may be running in this thread


async def publish_in_chat(tmp_path):
    from base.settings import Settings

    settings = Settings(data_dir=tmp_path / "data", public_base_url="https://tidtam.example.go.th")
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'p.db'}")
    await db.upgrade()
    org = await setup_org(db, EXAMPLE_PLAN)
    chat = Chat(db, settings)
    await join(chat, "1", await invite_code(db, org, Role.ADMIN), "ผู้ดูแล")
    await join(chat, "2", await invite_code(db, org, Role.MEMBER, "กองคลัง"), "เจ้าหน้าที่")
    assert "ปิดอยู่" in (await chat.type("1", "/publish")).text
    assert "ที่อยู่หน้าเผยแพร่ต้องเป็น" in (await chat.type("1", "/publish on เทศบาล")).text
    said = await chat.type("1", "/publish on kokchan")
    assert "https://tidtam.example.go.th/p/kokchan/" in said.text
    said = await chat.type("1", "/publish")
    assert "O23 (ITA 2569)" in said.text and "https://tidtam.example.go.th/p/kokchan/2569/plan.pdf" in said.text
    assert (await chat.type("2", "/publish off")).text.startswith("ขออภัย")  # staff may not
    assert (await chat.type("2", "/publish round 6")).text.startswith("ขออภัย")
    # closing a round publishes nothing and says what comes next
    said = await round_change(chat, "1", "/round close")
    assert "ยังไม่มีอะไรเผยแพร่" in said.text and "/publish round 6" in said.text
    assert "2569/6/" not in (await chat.type("1", "/publish")).text
    # a preview and a question; "cancel" publishes nothing, a stale button is refused
    said = await chat.type("1", "/publish round 6")
    assert "สิ่งที่จะเผยแพร่" in said.text and "ไม่เผยแพร่: ข้อควรตรวจสอบก่อนลงนาม" in said.text
    said = await chat.press("1", said.button("ยกเลิก"))
    assert "ไม่ได้เผยแพร่" in said.text
    assert "2569/6/" not in (await chat.type("1", "/publish")).text
    first = await chat.type("1", "/publish round 6")
    said = await chat.press("1", first.button("เผยแพร่"))
    assert "https://tidtam.example.go.th/p/kokchan/2569/6/" in said.text, said.text
    assert "ตัวอย่างก่อนหน้า" in (await chat.press("1", first.button("เผยแพร่"))).text  # pressed twice
    assert (settings.data_dir / "public").is_dir()
    assert "2569/6/report.pdf" in (await chat.type("1", "/publish")).text
    # a private link meant to be seen: marked, said once, unmarked; junk is refused in one Thai sentence
    folder = "https://drive.google.com/drive/folders/photos"
    assert "ตั้งให้เผยแพร่ลิงก์นี้แล้ว" in (await chat.type("1", f"/publish link {folder}")).text
    assert "ตั้งให้เผยแพร่อยู่แล้ว" in (await chat.type("1", f"/publish link {folder}")).text
    assert "ไม่เผยแพร่ลิงก์นี้อีกต่อไป" in (await chat.type("1", f"/publish link off {folder}")).text
    assert "ระบุลิงก์เดียว" in (await chat.type("1", "/publish link ก" * 3000)).text
    assert (await chat.type("2", f"/publish link {folder}")).text.startswith("ขออภัย")
    assert "ปิดหน้าเผยแพร่" in (await chat.type("1", "/publish off")).text
    await db.dispose()
