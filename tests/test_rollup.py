"""Many organisations in one deployment: an overseer's roll-up, and no organisation sees another's data."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from sqlmodel import select
from typer.testing import CliRunner

from base.settings import Settings
from bot.cli import app
from domain.status import percent
from domain.vocabulary import STATUS_ORDER
from reports.rollup import all_org_ids, rollup
from reports.summary import round_summary
from storage.models import OrgKind, Oversight, Role, Round
from storage.repo import create_organisation
from support.chat import Chat, invite_code, join, setup_org
from support.paths import EXAMPLE_PLAN


async def answer(chat: Chat, user: str, status: str, n: int, money: str | None = None) -> None:
    """``user`` answers their first ``n`` awaiting items with ``status``."""
    for _ in range(n):
        said = await chat.type(user, "/report")
        said = await chat.press(user, said.buttons[0].data)
        said = await chat.press(user, said.button(status))
        for _step in range(6):
            if "กรุณาตรวจสอบคำตอบ" in said.text:
                break
            if "หลักฐาน" in said.text:
                said = await chat.press(user, said.button("ต่อไป"))
            elif "เบิกจ่าย" in said.text:
                said = await chat.type(user, money or "๑,๐๐๐")
            elif "กี่" in said.text:
                said = await chat.type(user, "๑")
            elif "เหตุผล" in said.text:
                said = await chat.type(user, "งบประมาณไม่เพียงพอ")
            else:
                said = await chat.type(user, "ดำเนินการแล้ว")
        await chat.press(user, said.button("ยืนยัน"))


async def three_orgs_and_an_office(db, tmp_path):
    chat = Chat(db, Settings(data_dir=tmp_path / "data"))
    a = await setup_org(db, EXAMPLE_PLAN, name="เทศบาลตำบลเอ")
    b = await setup_org(db, EXAMPLE_PLAN, name="อบต.บี")
    c = await setup_org(db, EXAMPLE_PLAN, name="เทศบาลตำบลซี")  # not overseen by the office
    async with db.session() as s:
        office = await create_organisation(
            s,
            name="สำนักงานส่งเสริมการปกครองท้องถิ่นจังหวัดทดสอบ",
            kind=OrgKind.OVERSIGHT,
            province="ขอนแก่น",
            district="เมือง",
            fiscal_year=2569,
        )
        s.add_all([Oversight(overseer_id=office.id, org_id=a), Oversight(overseer_id=office.id, org_id=b)])
    await join(chat, "a-klang", await invite_code(db, a, Role.MEMBER, "กองคลัง"), "ก")
    await join(chat, "b-klang", await invite_code(db, b, Role.MEMBER, "กองคลัง"), "ข")
    await join(chat, "c-klang", await invite_code(db, c, Role.MEMBER, "กองคลัง"), "ค")
    await answer(chat, "a-klang", "แล้วเสร็จ", 2, "๒,๕๐๐.๕๐")
    await answer(chat, "b-klang", "อยู่ระหว่างดำเนินการ", 3)
    await answer(chat, "c-klang", "แล้วเสร็จ", 4)  # C's answers must not show anywhere but in C
    await join(chat, "office", await invite_code(db, office.id, Role.OVERSEER), "ผู้กำกับ")
    await join(chat, "a-manager", await invite_code(db, a, Role.MANAGER), "ปลัดเอ")
    return chat, (a, b, c, office.id)


@pytest.mark.slow
async def test_roll_up_lines_equal_each_organisations_own_summary(db, tmp_path):
    chat, (a, b, c, office) = await three_orgs_and_an_office(db, tmp_path)
    async with db.session(commit=False) as s:
        r = await rollup(s, [a, b, c], 2569, 6)
        for line in r.orgs:
            rnd = (await s.exec(select(Round).where(Round.org_id == line.org.id, Round.months == 6))).one()
            own = await round_summary(s, line.org.id, rnd)
            assert line.items == own.items
            assert {k: line.counts[k] for k in STATUS_ORDER} == {k: own.counts[k] for k in STATUS_ORDER}
            assert (line.carried_out, line.budget_plan, line.budget_basis, line.disbursed) == (
                own.carried_out,
                own.budget_plan,
                own.budget_basis,  # summed in SQL by the roll-up, item by item by the summary
                own.disbursed,
            )
            assert line.awaiting_pairs == sum(u.awaiting for u in own.units)
        assert await all_org_ids(s) == [a, b, c]  # the office itself is not rolled up
    by_name = {o.org.name: o for o in r.orgs}
    a_line = by_name["เทศบาลตำบลเอ"]
    assert a_line.counts["completed"] + a_line.counts["in_progress"] == 2  # an item shared with another unit
    assert a_line.disbursed in (Decimal("2500.50"), Decimal("5001.00"))  # is completed only when both say so
    assert by_name["อบต.บี"].counts["in_progress"] == 3
    assert r.total("items") == 3 * 63 and r.total("carried_out") == sum(o.carried_out for o in r.orgs) >= 2


@pytest.mark.slow
async def test_overseer_sees_only_the_organisations_it_oversees(db, tmp_path):
    chat, (a, b, c, office) = await three_orgs_and_an_office(db, tmp_path)
    said = await chat.type("office", "/summary")
    assert "ภาพรวม 2 องค์กร" in said.text
    assert "เทศบาลตำบลเอ" in said.text and "อบต.บี" in said.text
    assert "เทศบาลตำบลซี" not in said.text
    async with db.session(commit=False) as s:
        completed = 0
        for org in (a, b):
            rnd = (await s.exec(select(Round).where(Round.org_id == org, Round.months == 6))).one()
            completed += (await round_summary(s, org, rnd)).counts["completed"]
    assert f"ดำเนินการแล้ว: ร้อยละ {percent(completed, 126)}" in said.text  # A's and B's completed ÷ their 126 items
    # the manager of A sees A alone: neither B's nor C's answers
    own = (await chat.type("a-manager", "/summary")).text
    assert "รอรายงาน: 61" in own  # 63 items, 2 answered in A
    assert "อยู่ระหว่างดำเนินการ: 3" not in own  # B's three
    assert "อบต.บี" not in own


async def test_an_office_without_organisations_says_how_to_add_them(db, tmp_path):
    chat = Chat(db, Settings(data_dir=tmp_path / "data"))
    async with db.session() as s:
        office = await create_organisation(
            s, name="สำนักงานว่าง", kind=OrgKind.OVERSIGHT, province="p", district="d", fiscal_year=2569
        )
    await join(chat, "o", await invite_code(db, office.id, Role.OVERSEER), "ผู้กำกับ")
    assert "tidtam oversee add" in (await chat.type("o", "/summary")).text


async def test_overseer_invites_only_in_an_oversight_organisation(db, tmp_path):
    import pytest

    from locales.errors import UserError

    org = await setup_org(db, EXAMPLE_PLAN)
    with pytest.raises(UserError, match="หน่วยกำกับดูแล"):
        await invite_code(db, org, Role.OVERSEER)


@pytest.mark.slow
def test_cli_roll_up_all_orgs_and_an_offices_list(cli_env):
    runner = CliRunner()
    run = lambda *args: runner.invoke(app, list(args), catch_exceptions=False)  # noqa: E731
    for name in ("เทศบาลตำบลเอ", "อบต.บี"):
        assert (
            run(
                "init",
                "--org",
                name,
                "--kind",
                "อบต.",
                "--province",
                "ขอนแก่น",
                "--district",
                "เมือง",
                "--fiscal-year",
                "2569",
            ).exit_code
            == 0
        )
        assert run("--org", name, "plan", "import", str(EXAMPLE_PLAN)).exit_code == 0
    assert (
        run(
            "init",
            "--org",
            "สถ.จ.ขอนแก่น",
            "--kind",
            "หน่วยกำกับดูแล",
            "--province",
            "ขอนแก่น",
            "--district",
            "เมือง",
            "--fiscal-year",
            "2569",
        ).exit_code
        == 0
    )
    assert run("--org", "สถ.จ.ขอนแก่น", "oversee", "add", "อบต.บี").exit_code == 0
    refused = runner.invoke(app, ["--org", "อบต.บี", "oversee", "add", "เทศบาลตำบลเอ"])
    assert "ไม่ใช่หน่วยกำกับดูแล" in str(refused.exception)

    everyone = json.loads(run("report", "summary", "--all-orgs", "--json", "--round", "6").output)
    assert [o["name"] for o in everyone["organisations"]] == ["เทศบาลตำบลเอ", "อบต.บี"]
    assert everyone["totals"]["items"] == 126 and everyone["totals"]["counts"]["awaiting"] == 126
    assert everyone["totals"]["budget_plan"] == str(2 * Decimal(everyone["organisations"][0]["budget_plan"]))
    office = json.loads(run("--org", "สถ.จ.ขอนแก่น", "report", "summary", "--all-orgs", "--json", "--round", "6").output)
    assert [o["name"] for o in office["organisations"]] == ["อบต.บี"]
    assert "อบต.บี" in run("--org", "สถ.จ.ขอนแก่น", "oversee", "list").output
