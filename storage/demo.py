"""The demo organisation: clearly marked demo data, a realistic plan over the 4 มิติ, 6 units, and the
simulator's people already registered — so Tidtam can be seen at work with no token and no account."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from base.settings import Settings
from domain.calendar import fiscal_year_of
from storage.models import ChannelAccount, Membership, Organisation, OrgKind, Person, Role
from storage.plan_file import parse_plan, read_table
from storage.plan_import import import_plan
from storage.repo import Rounds, Units, create_organisation

DEMO_ORG = "เทศบาลตำบลตัวอย่าง (ข้อมูลสาธิต)"
EXAMPLE_PLAN = Path(__file__).resolve().parents[1] / "examples" / "plan-example.csv"
UNITS = ["สำนักปลัด", "กองคลัง", "กองช่าง", "กองการศึกษา", "กองสาธารณสุขและสิ่งแวดล้อม", "กองการประปา"]
# the simulator's phones: (chat id, name shown in reports, role, unit)
PEOPLE = [
    ("staff-a", "สมศรี ใจดี", Role.MEMBER, "กองคลัง"),
    ("staff-b", "สมชาย รักงาน", Role.MEMBER, "กองช่าง"),
    ("head-b", "วิชัย หัวหน้ากองช่าง", Role.HEAD, "กองช่าง"),
    ("manager", "ปลัดสมปอง", Role.MANAGER, None),
    ("admin", "นักวิเคราะห์ฯ ผู้ดูแล", Role.ADMIN, None),
]
SIMULATOR = "simulator"
CLOCK_START = dt.datetime(2026, 3, 13, 8, 0)  # two days before the 6-month round opens (Asia/Bangkok)
DEMO_FISCAL_YEAR = fiscal_year_of(CLOCK_START.date())  # the year the simulated clock starts in


def demo_rows():
    """The example plan with its items spread over six units (shared and all-units items kept)."""
    rows = parse_plan(read_table(EXAMPLE_PLAN))
    for i, r in enumerate(rows):
        if not r.all_units and len(r.units) == 1:
            r.units = [UNITS[i % len(UNITS)]]
    return rows


async def ensure_demo(session: AsyncSession) -> tuple[Organisation, bool]:
    """The demo organisation, created with its plan and people if missing; (org, created)."""
    found = await demo_org(session)
    created = found is None
    org = found or await create_organisation(
        session,
        name=DEMO_ORG,
        kind=OrgKind.SUBDISTRICT_MUNICIPALITY,
        province="ขอนแก่น",
        district="เมืองขอนแก่น",
        fiscal_year=DEMO_FISCAL_YEAR,
        is_demo=True,
        actor="demo",
    )
    if created:
        units = Units(session, org.id)
        for name in UNITS:
            if await units.by_name(name) is None:
                await units.add(name, actor="demo")
    fy = await Rounds(session, org.id).fiscal_year(DEMO_FISCAL_YEAR)
    await import_plan(session, org.id, fy, demo_rows(), actor="demo")
    if created:
        unit_ids = {u.name: u.id for u in await Units(session, org.id).all()}
        for chat_id, name, role, unit in PEOPLE:
            person = Person(org_id=org.id, display_name=name)
            session.add(person)
            await session.flush()
            session.add(ChannelAccount(org_id=org.id, person_id=person.id, platform=SIMULATOR, external_id=chat_id))
            session.add(
                Membership(org_id=org.id, person_id=person.id, role=role, unit_id=unit_ids[unit] if unit else None)
            )
        await session.flush()
    return org, created


async def demo_org(session: AsyncSession) -> Organisation | None:
    """The demo organisation (by its name and its demo mark: a real one of that name is never taken for it)."""
    q = select(Organisation).where(Organisation.name == DEMO_ORG, col(Organisation.is_demo))
    return (await session.exec(q)).first()


async def real_organisations(session: AsyncSession) -> list[str]:
    """The names of the organisations that are not the demo (the simulator refuses a database that has any)."""
    return list((await session.exec(select(Organisation.name).where(col(Organisation.is_demo).is_(False)))).all())


def demo_settings(settings: Settings) -> Settings:
    """The demo's own data folder inside DATA_DIR: it never shares a database with a real organisation."""
    own = settings.model_copy(update={"data_dir": settings.data_dir / "simulator"})
    own.data_dir.mkdir(parents=True, exist_ok=True)
    return own
