"""The report PDF read back as a reader sees it: every word's box on every page (``pdftotext -bbox-layout``) for
the 63-item example and for the same plan with nine-digit budgets — no two words of a line overlap (an amount
running into its neighbour), no word leaves the page, the cover has no page number, and a link typed into an
answer keeps its Arabic digits."""

from __future__ import annotations

import asyncio
import subprocess
import unicodedata
import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest
from sqlmodel import select
from test_reports import TODAY, plan_answers

from base.settings import Settings
from locales.i18n import set_language
from reports.model import build_report
from reports.pdf import write_report_pdf
from storage.answers import Answers
from storage.db import Database
from storage.models import Organisation, PlanItem, Status, StatusReport
from support.chat import setup_org
from support.paths import EXAMPLE_PLAN

pytestmark = pytest.mark.slow
NS = "{http://www.w3.org/1999/xhtml}"
LINK = "https://www.example.go.th/news/123"


async def _report_pdf(tmp, nine_digits: bool):
    db = Database(f"sqlite+aiosqlite:///{tmp / 'l.db'}", new_installation=True)
    await db.upgrade()
    org_id = await setup_org(db, EXAMPLE_PLAN)
    async with db.session() as s:
        if nine_digits:
            for it in (await s.exec(select(PlanItem).where(PlanItem.org_id == org_id))).all():
                if it.budget_plan:
                    it.budget_plan, it.budget_ordinance = Decimal("123456789.50"), Decimal("987654321.25")
                    s.add(it)
        answers = Answers(s, org_id)
        rnd = await answers.open_round()
        _items, given = plan_answers(await answers.pairs(rnd.fiscal_year_id))
        for (item_id, unit_id), (status, money) in given.items():
            await answers.save(
                StatusReport(
                    org_id=org_id,
                    round_id=rnd.id,
                    item_id=item_id,
                    unit_id=unit_id,
                    status=status,
                    done_text=f"จัดอบรมแล้ว 2 ครั้ง ดูที่ {LINK}",
                    disbursed=(money * 1000 if nine_digits and money else money),
                    reason="โรคระบาด" if status == Status.CANNOT else "",
                ),
                actor="test",
            )
    set_language("th")
    async with db.session(commit=False) as s:
        org = await s.get(Organisation, org_id)
        rnd = await Answers(s, org_id).open_round()
        report = await build_report(s, Settings(data_dir=tmp), org, rnd, today=TODAY)
    await db.dispose()
    return write_report_pdf(report, tmp / "report.pdf")


def _pages(pdf):
    """Each page's width and its words as (x0, x1, y0, y1, text); a Thai mark that pdftotext cut from its cluster
    (่ given a box of its own over its letter) is not a word."""
    out = subprocess.run(["pdftotext", "-bbox-layout", str(pdf), "-"], capture_output=True, text=True, check=True)
    for page in ET.fromstring(out.stdout).iter(f"{NS}page"):
        words = [
            (float(w.get("xMin")), float(w.get("xMax")), float(w.get("yMin")), float(w.get("yMax")), w.text or "")
            for w in page.iter(f"{NS}word")
        ]
        yield (
            float(page.get("width")),
            [w for w in words if len(w[4]) > 1 and not unicodedata.category(w[4][0]).startswith("M")],
        )


def overlapping(words):
    """Pairs of words on the same line (their heights overlap by half) whose boxes overlap by more than half a point,
    whichever cell or block each belongs to."""
    found = []
    words = sorted(words)
    for i, a in enumerate(words):
        for b in words[i + 1 :]:
            if b[0] >= a[1] - 0.5:
                break
            shared = min(a[3], b[3]) - max(a[2], b[2])
            if shared > 0.5 * min(a[3] - a[2], b[3] - b[2]):
                found.append((a[4], b[4]))
    return found


@pytest.mark.parametrize("nine_digits", [False, True], ids=["example", "nine-digit-budgets"])
def test_no_word_overlaps_another_or_leaves_the_page(tmp_path, nine_digits):
    pdf = asyncio.run(_report_pdf(tmp_path, nine_digits))
    overlaps, outside = [], []
    for n, (width, words) in enumerate(_pages(pdf), start=1):
        overlaps += [(n, *pair) for pair in overlapping(words)]
        outside += [(n, w[4]) for w in words if w[0] < 0 or w[1] > width]
        if n == 1:  # the cover: nothing in the bottom margin, where the other pages have their number
            assert not any(w[2] > 842 - 57 for w in words), "a page number on the cover"
    assert overlaps == [] and outside == [], (overlaps[:10], outside[:10])
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert LINK in text.replace("\n", "") and "news/๑๒๓" not in text  # typed text keeps its digits
    if nine_digits:
        assert "๑๒๓,๔๕๖,๗๘๙.๕๐" in text  # the budget, whole, in the document's digits
