"""Golden tests: a 63-item plan with statuses and money gives the exact totals in every format.

The expected figures are worked out here from the answers the test gives, independently of
the code under test; the documents are read back with openpyxl, python-docx and pdftotext.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import re
import subprocess
import unicodedata
from collections import Counter
from decimal import Decimal

import pytest
from docx import Document
from docx.oxml.ns import qn
from openpyxl import load_workbook

from base.settings import Settings
from locales.i18n import set_language
from locales.thai import to_thai_digits
from reports.export import export
from reports.model import build_report
from storage.answers import Answers
from storage.db import Database
from storage.models import Organisation, RoundNarrative, Status, StatusReport
from support.chat import setup_org
from support.paths import EXAMPLE_PLAN

CYCLE = [Status.COMPLETED, Status.IN_PROGRESS, Status.NOT_STARTED, Status.COMPLETED, Status.CANNOT, None]
TODAY = dt.date(2026, 4, 20)  # after the due date (10 April 2569)


def plan_answers(pairs):
    """Item i gets CYCLE[i % 6] from every owning unit (None: nobody answers); money only where budgeted."""
    items = sorted({p.item.id: p.item for p in pairs}.values(), key=lambda it: it.position)
    given = {}
    for i, it in enumerate(items):
        status = CYCLE[i % len(CYCLE)]
        if status is None:
            continue
        owners = [p.unit_id for p in pairs if p.item.id == it.id]
        for k, unit_id in enumerate(owners):
            money = None
            if it.budget_plan and status in (Status.COMPLETED, Status.IN_PROGRESS):
                money = (it.budget_plan / 2 + Decimal(k)).quantize(Decimal("0.01"))
            given[(it.id, unit_id)] = (status, money)
    return items, given


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("reports")
    db_url = f"sqlite+aiosqlite:///{tmp / 'r.db'}"

    async def build():
        db = Database(db_url)
        await db.upgrade()
        org_id = await setup_org(db, EXAMPLE_PLAN)
        async with db.session() as s:
            answers = Answers(s, org_id)
            rnd = await answers.open_round()
            pairs = await answers.pairs(rnd.fiscal_year_id)
            items, given = plan_answers(pairs)
            for (item_id, unit_id), (status, money) in given.items():
                await answers.save(
                    StatusReport(
                        org_id=org_id,
                        round_id=rnd.id,
                        item_id=item_id,
                        unit_id=unit_id,
                        status=status,
                        done_text="จัดอบรมแล้ว ๒ ครั้ง",
                        disbursed=money,
                        reason="" if status != Status.CANNOT or item_id == items[4].id else "งดจัดเนื่องจากโรคระบาด",
                    ),
                    actor="test",
                )
            s.add(
                RoundNarrative(
                    org_id=org_id,
                    round_id=rnd.id,
                    supporting="ผู้บริหารให้ความสำคัญ",
                    problems="บุคลากรมีภารกิจมาก",
                    suggestions="ควรจัดอบรมเพิ่มเติม",
                )
            )
        set_language("th")
        files = {}
        async with db.session(commit=False) as s:
            org = await s.get(Organisation, org_id)
            rnd = await Answers(s, org_id).open_round()
            settings = Settings(data_dir=tmp, report_doc_prefix="ขก ๗๓๒๐๑")
            thai = await build_report(s, settings, org, rnd, today=TODAY)
            files["thai"] = export(thai, ["xlsx", "docx", "pdf", "eplan"], tmp / "thai")
            arabic = await build_report(s, settings, org, rnd, thai_digits=False, today=TODAY)
            files["arabic"] = export(arabic, ["pdf"], tmp / "arabic")
        await db.dispose()
        return items, given, pairs, files

    items, given, pairs, files = asyncio.run(build())
    status_of = {}
    for it in items:
        answers = [given.get((p.item.id, p.unit_id)) for p in pairs if p.item.id == it.id]
        status_of[it.id] = answers[0][0].value if answers and answers[0] else "awaiting"
    expected = {
        "counts": Counter(status_of.values()),
        "budget": sum((it.budget_plan or Decimal(0) for it in items), Decimal("0.00")),
        "disbursed": sum((m for _s, m in given.values() if m is not None), Decimal("0.00")),
    }
    return files, expected, {f.name.split("-")[-1]: f for f in files["thai"]}


@pytest.mark.slow
def test_expected_figures_are_what_the_test_gave(exported):
    files, expected, _by = exported
    assert expected["budget"] == Decimal("1048500.50")
    assert sum(expected["counts"].values()) == 63
    assert expected["counts"]["completed"] == 21 and expected["counts"]["awaiting"] == 10


def test_xlsx_totals(exported):
    files, expected, by = exported
    wb = load_workbook(by["tables.xlsx"], data_only=True)
    assert wb.sheetnames == ["สรุปผล", "แบบรายงานผล", "สถานะ e-PlanNACC", "ข้อตรวจสอบ"]
    ws = wb["สรุปผล"]
    rows = [[c.value for c in r] for r in ws.iter_rows(min_row=4)]
    total = next(r for r in rows if r[0] == "รวมทั้งสิ้น")
    assert total[1] == 63 and Decimal(str(total[2])).quantize(Decimal("0.01")) == expected["budget"]
    assert total[3] == expected["counts"]["completed"]
    assert Decimal(str(total[4])).quantize(Decimal("0.01")) == expected["disbursed"]
    dims = [r for r in rows if isinstance(r[0], str) and r[0].startswith("มิติที่")]
    missions = [r for r in rows if isinstance(r[1], int) and r not in dims and r is not total]
    assert sum(r[1] for r in dims) == sum(r[1] for r in missions) == 63
    assert ws.freeze_panes == "A4" and ws.page_setup.orientation == "landscape"
    status = wb["สถานะ e-PlanNACC"]
    header = [c.value for c in status[3]]
    data = [[c.value for c in r] for r in status.iter_rows(min_row=4) if isinstance(r[0].value, int)]
    assert len(data) == 63
    ticks = {h: sum(1 for r in data if r[i] == "☑") for i, h in enumerate(header) if h}
    c = expected["counts"]
    assert ticks["รอรายงาน"] == c["awaiting"]
    assert ticks["อยู่ระหว่างดำเนินการ"] == c["in_progress"] + c["not_started"]
    assert ticks["ดำเนินการแล้วเสร็จ"] == c["completed"] and ticks["ไม่สามารถดำเนินการได้"] == c["cannot"]


def test_docx_totals_fonts_headers_and_page_numbers(exported):
    files, expected, by = exported
    doc = Document(by["report.docx"])
    summary = doc.tables[0]
    last = [cell.text for cell in summary.rows[-1].cells]
    assert last == [
        "รวมทั้งสิ้น",
        "๖๓",
        to_thai_digits(f"{expected['budget']:,.2f}"),
        to_thai_digits(str(expected["counts"]["completed"])),
        to_thai_digits(f"{expected['disbursed']:,.2f}"),
    ]
    for table in doc.tables:
        assert table.rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None
    fonts = doc.styles["Normal"].element.rPr.find(qn("w:rFonts"))
    assert fonts.get(qn("w:cs")) == "TH Sarabun New" and fonts.get(qn("w:ascii")) == "TH Sarabun New"
    assert doc.styles["Normal"].element.rPr.find(qn("w:szCs")).get(qn("w:val")) == "32"  # 16 pt
    assert "PAGE" in doc.sections[0].footer.paragraphs[0]._p.xml
    assert doc.sections[0].page_width.mm == pytest.approx(210, abs=0.5)
    assert any(s.orientation == 1 for s in doc.sections)  # wide tables on landscape pages
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "ปัจจัยสนับสนุน" in text and "บุคลากรมีภารกิจมาก" in text
    completed = to_thai_digits(str(expected["counts"]["completed"]))
    assert f"ร้อยละที่ดำเนินการ = จำนวนรายการที่มีสถานะ “ดำเนินการแล้วเสร็จ” ({completed})" in text

    memo = "\n".join(p.text for p in Document(by["memo.docx"]).paragraphs)
    assert "บันทึกข้อความ" in memo and "เรียน นายกเทศมนตรีตำบลทดสอบ" in memo.replace("\n", " ")
    assert "ที่ ขก ๗๓๒๐๑/" in memo and "๒๐ เมษายน ๒๕๖๙" in memo
    assert "ความเห็นปลัดเทศบาลตำบลทดสอบ" in memo and "จึงเรียนมาเพื่อโปรดทราบและพิจารณา" in memo


def pdftext(path) -> str:
    """The PDF's text as pdftotext reads it, NFKD-normalised (ำ is written decomposed on purpose)."""
    out = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return unicodedata.normalize("NFKD", out)


def nfkd(text: str) -> str:
    """Text compared as pdftotext can give it back: NFKD, no white space (Thai lines break anywhere), and no
    combining marks (pdftotext reorders stacked vowel and tone marks); digits and letters stay exact."""
    return "".join(
        c for c in unicodedata.normalize("NFKD", text) if not c.isspace() and unicodedata.category(c) != "Mn"
    )


def test_pdf_totals_in_thai_and_arabic_digits(exported):
    files, expected, by = exported
    text = pdftext(by["report.pdf"])
    budget, disbursed = f"{expected['budget']:,.2f}", f"{expected['disbursed']:,.2f}"
    assert to_thai_digits(budget) in text and to_thai_digits(disbursed) in text
    assert nfkd("รวมทั้งสิ้น") in nfkd(text) and nfkd("ร้อยละที่ดำเนินการ") in nfkd(text)
    assert nfkd("ร้อยละการเบิกจ่าย = ยอดเบิกจ่ายล่าสุด") in nfkd(text)
    arabic = pdftext(next(f for f in files["arabic"] if f.name.endswith("report.pdf")))
    assert budget in arabic and disbursed in arabic
    assert nfkd(f"({expected['counts']['completed']}) ÷ จำนวนรายการทั้งหมดในแผน (63) × 100") in nfkd(arabic)
    pages = subprocess.run(["pdfinfo", str(by["report.pdf"])], capture_output=True, text=True).stdout
    assert int(next(line.split()[-1] for line in pages.splitlines() if line.startswith("Pages"))) >= 5
    memo = pdftext(by["memo.pdf"])
    assert nfkd("บันทึกข้อความ") in nfkd(memo) and nfkd("นายกเทศมนตรีตำบลทดสอบ") in nfkd(memo)


def test_checks_are_listed_in_the_documents(exported):
    files, expected, by = exported
    checks = "\n".join(c.value for c in load_workbook(by["tables.xlsx"])["ข้อตรวจสอบ"]["A"] if c.value)
    assert "โดยไม่ระบุเหตุผล" in checks  # one "could not be done" without a reason
    assert "รอรายงานหลังวันครบกำหนด" in checks  # awaiting after the due date
    assert nfkd("โดยไม่ระบุเหตุผล") in nfkd(pdftext(by["report.pdf"]))


@pytest.mark.slow
def test_report_cli_summary_json_and_export(cli_env, capsys):
    from bot.cli import main

    async def world():
        db = Database(f"sqlite+aiosqlite:///{cli_env / 'data' / 'tidtam.db'}")
        await db.upgrade()
        await setup_org(db, EXAMPLE_PLAN)
        await db.dispose()

    asyncio.run(world())
    assert main(["report", "summary", "--round", "6", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["budget_plan"] == "1048500.50" and data["disbursed"] == "0.00" and data["items"] == 63
    assert data["counts"]["awaiting"] == 63 and data["carried_out"]["rule"] == ["completed"]
    assert sum(d["items"] for d in data["per_dimension"]) == 63
    assert main(["report", "export", "--round", "6", "--format", "xlsx,docx", "--out", str(cli_env / "out")]) == 0
    out = capsys.readouterr().out
    assert out.count("บันทึก ") == 3 and "ข้อควรตรวจสอบก่อนลงนาม" in out
    assert main(["report", "export", "--round", "6", "--format", "odt"]) == 1
    assert "ไม่รู้จัก: odt" in capsys.readouterr().err
    # the compiler's edited DOCX is never replaced without --force
    edited = next((cli_env / "out").glob("*-report.docx"))
    edited.write_bytes(b"edited by hand")
    assert main(["report", "export", "--round", "6", "--format", "docx", "--out", str(cli_env / "out")]) == 1
    assert "--force" in capsys.readouterr().err and edited.read_bytes() == b"edited by hand"
    assert main(["report", "export", "--round", "6", "--format", "docx", "--out", str(cli_env / "out"), "--force"]) == 0


@pytest.mark.slow
async def test_export_from_chat_sends_the_files(tmp_path):
    from storage.models import Role
    from support.chat import Chat, invite_code, join

    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'x.db'}")
    await db.upgrade()
    org = await setup_org(db, EXAMPLE_PLAN)
    chat = Chat(db, Settings(data_dir=tmp_path / "data"))
    await join(chat, "admin", await invite_code(db, org, Role.ADMIN), "ผู้ดูแล")
    await join(chat, "klang", await invite_code(db, org, Role.MEMBER, "กองคลัง"), "สมศรี")
    said = await chat.type("admin", "/export")
    files = [m.attachment for m in said.response.messages if m.attachment]
    assert [f.filename.split("-")[-1] for f in files] == [
        "tables.xlsx",
        "report.docx",
        "memo.docx",
        "eplan.html",
        "report.pdf",
        "memo.pdf",
    ]
    assert all(f.kind == "document" and f.path.stat().st_size > 5000 for f in files)
    assert "เอกสารรายงานรอบ 6 เดือน" in said.text and "ข้อควรตรวจสอบก่อนลงนาม" in said.text
    assert "ขออภัย" in (await chat.type("klang", "/export")).text
    await db.dispose()


@pytest.mark.slow
async def test_export_from_chat_renders_outside_the_transaction(tmp_path, monkeypatch):
    """The seconds of layout hold no SQLite write lock: another writer gets BEGIN IMMEDIATE meanwhile."""
    import sqlite3
    import threading

    import reports.export
    from storage.models import Role
    from support.chat import Chat, invite_code, join

    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'x.db'}")
    await db.upgrade()
    org = await setup_org(db, EXAMPLE_PLAN)
    chat = Chat(db, Settings(data_dir=tmp_path / "data"))
    await join(chat, "admin", await invite_code(db, org, Role.ADMIN), "ผู้ดูแล")
    seen = []
    real_export = reports.export.export

    def watched(*args, **kwargs):
        other = sqlite3.connect(tmp_path / "x.db", timeout=0)  # a writer that will not wait
        try:
            other.execute("BEGIN IMMEDIATE")
            other.execute("ROLLBACK")
            seen.append(("writable", threading.current_thread() is threading.main_thread()))
        except sqlite3.OperationalError:
            seen.append(("locked", threading.current_thread() is threading.main_thread()))
        finally:
            other.close()
        return real_export(*args, **kwargs)

    monkeypatch.setattr(reports.export, "export", watched)
    said = await chat.type("admin", "/export")
    assert seen == [("writable", False)]  # no write lock held, and laid out in a worker thread
    assert len([m for m in said.response.messages if m.attachment]) == 6
    await db.dispose()


def _sheet(path) -> list[dict]:
    """The e-PlanNACC sheet as the compiler reads it: per item, its fields (label → shown, copied)."""
    from html.parser import HTMLParser

    class Sheet(HTMLParser):
        def __init__(self):
            super().__init__()
            self.items: list[dict] = []
            self.at: str | None = None
            self.label = ""

        def handle_starttag(self, tag, attrs):
            a = dict(attrs)
            if tag == "section":
                self.items.append({"no": int(a["data-no"]), "fields": {}, "skip": "skip" in a["class"]})
            elif tag in ("dt", "dd"):
                self.at = tag
            elif tag == "button" and self.at == "dd":
                self.items[-1]["fields"][self.label]["copy"] = a["data-copy"]

        def handle_endtag(self, tag):
            if tag in ("dt", "dd"):
                self.at = None

        def handle_data(self, data):
            if self.at == "dt":
                self.label = data
                self.items[-1]["fields"][data] = {"shown": "", "copy": None}
            elif self.at == "dd" and self.label and not self.items[-1]["fields"][self.label]["shown"]:
                self.items[-1]["fields"][self.label]["shown"] = data

    sheet = Sheet()
    sheet.feed(path.read_text(encoding="utf-8"))
    return sheet.items


def test_the_e_plannacc_sheet_has_each_item_in_the_forms_order_with_values_to_paste(exported):
    _files, expected, named = exported
    items = _sheet(named["eplan.html"])
    assert [i["no"] for i in items] == list(range(1, len(items) + 1)) and len(items) == sum(expected["counts"].values())
    assert sum(i["skip"] for i in items) == expected["counts"]["awaiting"]  # nothing carried in a 6-month round
    to_enter = [i for i in items if not i["skip"]]
    assert all(not i["fields"] for i in items if i["skip"])  # nothing to enter this round
    order = ["งบตามข้อบัญญัติ/เทศบัญญัติ (บาท)", "บรรจุไว้ใน", "สถานะ"]
    assert all(list(i["fields"])[:3] == order for i in to_enter)
    assert {i["fields"]["สถานะ"]["shown"] for i in to_enter} <= {
        "อยู่ระหว่างดำเนินการ",
        "ดำเนินการแล้วเสร็จ",
        "ไม่สามารถดำเนินการได้",
    }  # e-PlanNACC's three: "not started" is entered as in progress
    cannot = [i for i in to_enter if i["fields"]["สถานะ"]["shown"] == "ไม่สามารถดำเนินการได้"]
    assert cannot and all("เหตุผลที่ไม่สามารถดำเนินการได้" in i["fields"] for i in cannot)
    pasted = [f["copy"] for i in to_enter for f in i["fields"].values() if f["copy"]]
    money = [i["fields"]["เบิกจ่าย (บาท)"]["copy"] for i in to_enter if i["fields"].get("เบิกจ่าย (บาท)", {}).get("copy")]
    assert sum(Decimal(m) for m in money) == expected["disbursed"]  # plain numbers a form's box takes
    assert all(re.fullmatch(r"\d+\.\d\d", m) for m in money)
    assert all("จัดอบรมแล้ว ๒ ครั้ง" in p or re.fullmatch(r"[\d.]+", p) or "งดจัด" in p for p in pasted)


@pytest.mark.slow
def test_the_e_plannacc_sheet_copies_in_chromium_and_remembers_ticks(exported, browser, tmp_path):
    from support.browser import axe_violations

    _files, _expected, named = exported
    url = named["eplan.html"].as_uri()
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.grant_permissions(["clipboard-read", "clipboard-write"])
    page = context.new_page()
    requests = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(url)
    button = page.locator("section:not(.skip) dd button").first
    wanted = button.get_attribute("data-copy")
    button.click()
    assert page.evaluate("navigator.clipboard.readText()") == wanted
    assert button.inner_text() == "คัดลอกแล้ว"
    page.locator("input.entered").first.check()
    page.reload()
    assert page.locator("input.entered").first.is_checked()  # the compiler's ticks survive a reload
    assert [r for r in requests if not r.startswith(("file:", "data:"))] == []  # nothing fetched from anywhere
    assert axe_violations(page) == []
    for width in (320, 390):
        page.set_viewport_size({"width": width, "height": 800})
        assert page.evaluate("document.documentElement.scrollWidth") <= width, width
        page.screenshot(path=str(tmp_path / f"eplan-{width}.png"))
    context.close()


def test_the_memo_docx_has_the_memorandum_layout(exported):
    """ที่ and วันที่ on one line; no page number on the first page, "- ๒ -" at the top of the others."""
    _files, _expected, named = exported
    doc = Document(named["memo.docx"])
    lines = [p.text for p in doc.paragraphs]
    assert any(line.startswith("ที่ ") and "\tวันที่ " in line for line in lines), lines[:6]
    section = doc.sections[0]
    assert section.different_first_page_header_footer
    header = section.header._element.xml
    assert "PAGE" in header and "- " in section.header.paragraphs[0].text
    assert "PAGE" not in section.first_page_header._element.xml and "PAGE" not in section.footer._element.xml
