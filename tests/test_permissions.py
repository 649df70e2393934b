"""The permission matrix: every command × every role, and every item × own unit / other unit / other
organisation — allowed or refused exactly as specified, with no escalation."""

from __future__ import annotations

import pytest
from sqlmodel import select

from base.settings import Settings
from storage.db import Database
from storage.models import AuditLog, OrgKind, Oversight, Role
from storage.repo import create_organisation
from support.chat import Chat, invite_code, join, setup_org
from support.paths import EXAMPLE_PLAN

pytestmark = pytest.mark.slow  # the whole module: every command for every role

EVERYONE = {"help", "lang", "cancel", "link", "notify", "item", "leave"}
UNITS = {"report", "status", "form"}
READERS = {"summary", "overdue", "digest", "export", "signoff"}
ADMINS = {"invite", "units", "members", "round", "remind", "import", "narrative", "bindgroup", "publish", "dayoff"}
OFFICES = {"acting"}  # who acts for a head or the ปลัด: named by the admin, managers and heads
OVERSEERS = {"oversee"}  # the page of every organisation beneath an oversight organisation
ROLES = ("member", "head", "manager", "admin", "overseer")
ALLOWED = {
    "member": EVERYONE | UNITS,
    "head": EVERYONE | UNITS | {"summary"} | OFFICES,  # their own unit's progress
    "manager": EVERYONE | READERS | OFFICES,
    "admin": EVERYONE | READERS | ADMINS | OFFICES,
    "overseer": EVERYONE | {"summary", "oversee"},  # the roll-up of what lies beneath their office, and its page
}
REFUSED = ("ขออภัย", "ใช้ได้เฉพาะผู้ดูแลระบบ", "ดูได้เฉพาะผู้บริหาร", "เฉพาะเจ้าหน้าที่ของหน่วยงาน")


@pytest.fixture(scope="module")
def matrix(tmp_path_factory):
    import asyncio

    tmp = tmp_path_factory.mktemp("perm")

    async def run():
        db = Database(f"sqlite+aiosqlite:///{tmp / 'p.db'}")
        await db.upgrade()
        org = await setup_org(db, EXAMPLE_PLAN)
        other = await setup_org(db, EXAMPLE_PLAN, name="อบต.อื่น")
        chat = Chat(db, Settings(data_dir=tmp / "data"))
        await join(chat, "member", await invite_code(db, org, Role.MEMBER, "กองคลัง"), "member")
        await join(chat, "head", await invite_code(db, org, Role.HEAD, "กองคลัง"), "head")
        await join(chat, "manager", await invite_code(db, org, Role.MANAGER), "manager")
        await join(chat, "admin", await invite_code(db, org, Role.ADMIN), "admin")
        await join(chat, "chang", await invite_code(db, org, Role.MEMBER, "กองช่าง"), "chang")
        await join(chat, "outsider", await invite_code(db, other, Role.ADMIN), "outsider")
        async with db.session() as s:
            office = await create_organisation(
                s, name="สถ.จ.ทดสอบ", kind=OrgKind.OVERSIGHT, province="ขอนแก่น", district="เมือง", fiscal_year=2569
            )
            s.add(Oversight(overseer_id=office.id, org_id=org))
        await join(chat, "overseer", await invite_code(db, office.id, Role.OVERSEER), "overseer")
        results = {}
        for role in ROLES:
            for command in sorted(EVERYONE | UNITS | READERS | ADMINS | OFFICES | OVERSEERS):
                said = await chat.type(role, f"/{command}")
                results[(role, command)] = said.text
                await chat.type(role, "/cancel")
        stranger = {
            c: (await chat.type("stranger", f"/{c}")).text
            for c in sorted(UNITS | READERS | ADMINS | OFFICES | OVERSEERS)
        }
        own = (await chat.type("member", "/report")).buttons[0].data
        chang = (await chat.type("chang", "/report")).buttons[0].data
        await chat.type("outsider", "/round open 6")
        await join(chat, "outsider-staff", await invite_code(db, other, Role.MEMBER, "กองคลัง"), "o")
        foreign = (await chat.type("outsider-staff", "/report")).buttons[0].data
        presses = {
            name: (await chat.press("member", data)).text
            for name, data in (("own", own), ("other unit", chang), ("other organisation", foreign))
        }
        async with db.session(commit=False) as s:
            refusals = len((await s.exec(select(AuditLog).where(AuditLog.action == "refused"))).all())
        await db.dispose()
        return results, stranger, presses, refusals

    return asyncio.run(run())


@pytest.mark.parametrize("role", ROLES)
def test_each_command_for_each_role(matrix, role):
    results = matrix[0]
    for command in sorted(EVERYONE | UNITS | READERS | ADMINS | OFFICES | OVERSEERS):
        text = results[(role, command)]
        refused = any(word in text for word in REFUSED)
        if command in ALLOWED[role]:
            assert not refused, (role, command, text)
        else:
            assert refused, (role, command, text)


def test_strangers_get_only_the_way_in(matrix):
    for command, text in matrix[1].items():
        assert "กรุณาเปิดลิงก์เชิญ" in text, command


def test_items_of_other_units_and_organisations_cannot_be_answered(matrix):
    presses = matrix[2]
    assert "รายการนี้มีสถานะอย่างไร" in presses["own"]
    assert "เฉพาะรายการของหน่วยงานตนเอง" in presses["other unit"]
    assert "เฉพาะรายการของหน่วยงานตนเอง" in presses["other organisation"]


def test_refusals_are_logged(matrix):
    results, _s, _p, refusals = matrix
    expected = sum(1 for (role, command) in results if command not in ALLOWED[role])
    assert refusals >= expected + 2  # + the two refused presses


def test_help_lists_exactly_what_the_role_may_run(matrix):
    """/help is generated from the same table that decides who may run a command."""
    import re

    results = matrix[0]
    for role in ROLES:
        text = results[(role, "help")]
        listed = set(re.findall(r"^/(\w+)", text, re.M)) | set(re.findall(r", /(\w+)", text))
        # an overseer's own organisation has no items: /item is not offered to them (typed, it shows its usage)
        expected = ALLOWED[role] - {"help"} - ({"item"} if role == "overseer" else set())
        assert listed == expected, (role, sorted(listed ^ expected))


def test_a_unit_head_reads_their_own_units_progress_only(matrix):
    text = matrix[0][("head", "summary")]
    assert text.startswith("กองคลัง ในรอบ 6 เดือน:") and "รอรายงาน:" in text
    assert "กองช่าง" not in text  # nothing of another unit


def test_what_a_stranger_may_run_is_said_in_the_command_table():
    from handlers.commands import COMMANDS

    assert {c.name for c in COMMANDS.values() if c.strangers_ok} == {"start", "help", "link"}
