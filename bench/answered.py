"""A benchmark's organisation: an n-item plan (bench/import_plan.make_xlsx) with its 6-month round answered, one
status in four of each kind; shared by bench/reports.py and bench/public.py."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from import_plan import make_xlsx
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.answers import Answers
from storage.models import Organisation, OrgKind, Round, Status, StatusReport
from storage.plan_file import parse_plan, read_table
from storage.plan_import import import_plan
from storage.repo import Rounds, create_organisation


async def answered_round(s: AsyncSession, tmp: Path, n: int) -> tuple[Organisation, Round]:
    org = await create_organisation(
        s,
        name="เทศบาลตำบลทดสอบ",
        kind=OrgKind.SUBDISTRICT_MUNICIPALITY,
        province="ขอนแก่น",
        district="เมือง",
        fiscal_year=2569,
    )
    fy = await Rounds(s, org.id).fiscal_year(2569)
    await import_plan(s, org.id, fy, parse_plan(read_table(make_xlsx(tmp / "plan.xlsx", n))))
    rnd = await Rounds(s, org.id).get(fy, 6)
    answers = Answers(s, org.id)
    for i, p in enumerate(await answers.pairs(fy.id)):
        status = [Status.COMPLETED, Status.IN_PROGRESS, Status.NOT_STARTED, Status.CANNOT][i % 4]
        await answers.save(
            StatusReport(
                org_id=org.id,
                round_id=rnd.id,
                item_id=p.item.id,
                unit_id=p.unit_id,
                status=status,
                done_text="จัดอบรมแล้ว มีผู้เข้าร่วม ๕๐ คน",
                disbursed=Decimal("12500.50") if p.item.budget_plan else None,
                reason="งดจัดเนื่องจากโรคระบาด" if status == Status.CANNOT else "",
            ),
            actor="bench",
        )
    return org, rnd
