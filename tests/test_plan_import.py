"""Plan import on SQLite and a real PostgreSQL: exact money, atomicity, idempotence, update by code."""

import csv
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlmodel import func, select

from storage.models import AuditLog, OrgKind, PlanItem, PlanItemUnit, PlanSection, Unit
from storage.plan_file import PlanFileError, parse_plan, read_table
from storage.plan_import import import_plan
from storage.repo import Plan, Rounds, create_organisation
from support.paths import EXAMPLE_PLAN

HEADER = [
    "รหัส",
    "มิติ",
    "ชื่อมิติ",
    "ภารกิจ",
    "ชื่อภารกิจ",
    "ชื่อโครงการ",
    "หน่วยนับ",
    "ปริมาณ",
    "งบประมาณตามแผน",
    "งบประมาณตามข้อบัญญัติ",
    "ผู้รับผิดชอบ",
    "ระยะเวลา",
]
BUDGET_SPELLINGS = ["๕๐,๐๐๐", "50,000.00", "-", "ไม่ใช้งบประมาณ", "๑๒,๕๐๐.๕๐", "", "7,250.25 บาท"]
BUDGET_VALUES = [Decimal("50000.00"), Decimal("50000.00"), None, None, Decimal("12500.50"), None, Decimal("7250.25")]


def plan_rows(n: int = 64) -> list[list[str]]:
    """n items over four dimensions, budgets in every spelling people use."""
    rows = []
    for i in range(n):
        dim = i % 4 + 1
        mission = f"{dim}.{i % 3 + 1}"
        units = ["สำนักปลัด", "กองคลัง", "กองช่าง;กองคลัง", "ทุกสำนัก/กอง", "กองการศึกษา"][i % 5]
        budget = BUDGET_SPELLINGS[i % len(BUDGET_SPELLINGS)]
        rows.append(
            [
                f"{mission}-{i + 1}",
                str(dim),
                f"มิติที่ {dim}",
                mission,
                f"ภารกิจ {mission}",
                ["โครงการ", "กิจกรรม", "มาตรการ"][i % 3] + f"ทดสอบที่ {i + 1}",
                "ครั้ง",
                str(i % 7 + 1),
                budget,
                budget,
                units,
                "ต.ค.๖๘-ก.ย.๖๙",
            ]
        )
    return rows


def expected_total(n: int = 64) -> Decimal:
    return sum((BUDGET_VALUES[i % len(BUDGET_VALUES)] or Decimal(0) for i in range(n)), Decimal("0.00"))


def write_csv(path: Path, rows: list[list[str]], header=HEADER, bom: bool = False) -> Path:
    with path.open("w", encoding="utf-8-sig" if bom else "utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)
    return path


def write_xlsx(path: Path, rows: list[list], header=HEADER) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.append(header)
    for r in rows:
        ws.append(r)
    wb.save(path)
    return path


async def new_org(db, name="เทศบาลตำบลทดสอบ"):
    async with db.session() as s:
        org = await create_organisation(
            s, name=name, kind=OrgKind.SUBDISTRICT_MUNICIPALITY, province="ขอนแก่น", district="เมือง", fiscal_year=2569
        )
        return org.id


async def run_import(db, org_id, path: Path, commit: bool = True):
    rows = parse_plan(read_table(path))
    async with db.session(commit=commit) as s:
        fy = await Rounds(s, org_id).fiscal_year(2569)
        return await import_plan(s, org_id, fy, rows)


async def stored_items(db, org_id):
    async with db.session(commit=False) as s:
        fy = await Rounds(s, org_id).fiscal_year(2569)
        return await Plan(s, org_id).views(fy)


async def count(db, model) -> int:
    async with db.session(commit=False) as s:
        return (await s.exec(select(func.count()).select_from(model))).one()


async def test_64_items_with_every_budget_spelling_give_exact_totals(db, tmp_path):
    org = await new_org(db)
    result = await run_import(db, org, write_csv(tmp_path / "plan.csv", plan_rows()))
    assert len(result.created) == 64
    assert result.total_budget_plan == expected_total() == Decimal("1127756.75")  # 9 × 119,750.75 + 50,000
    views = await stored_items(db, org)
    assert len(views) == 64
    stored = sum((v.item.budget_plan or Decimal(0) for v in views), Decimal(0))
    assert stored == expected_total() and isinstance(stored, Decimal)
    for i, v in enumerate(views):
        assert v.item.budget_plan == BUDGET_VALUES[i % len(BUDGET_VALUES)]
        assert v.item.no_budget == (BUDGET_VALUES[i % len(BUDGET_VALUES)] is None)
    # the sum is exact in SQL too (satang are integers in the database)
    async with db.session(commit=False) as s:
        raw = (await s.exec(select(func.sum(PlanItem.budget_plan)))).one()
    assert raw == expected_total()


async def test_the_shipped_example_plan(db):
    org = await new_org(db)
    result = await run_import(db, org, EXAMPLE_PLAN)
    assert result.total_items == 63
    assert result.total_budget_plan == Decimal("1048500.50")
    assert sorted(result.units_created) == sorted(["สำนักปลัด", "กองการศึกษา", "กองคลัง", "กองช่าง"])
    views = await stored_items(db, org)
    assert {v.dimension.code for v in views} == {"1", "2", "3", "4"}
    assert views[0].dimension.title == "สร้างสังคมที่ไม่ทนต่อการทุจริต"


async def test_bad_amount_names_the_row_and_writes_nothing(db, tmp_path):
    org = await new_org(db)
    rows = plan_rows()
    rows[40][8] = "ห้าหมื่น"
    rows[50][9] = "12,34"
    path = write_csv(tmp_path / "bad.csv", rows)
    with pytest.raises(PlanFileError) as e:
        await run_import(db, org, path)
    messages = [str(err) for err in e.value.errors]
    assert len(messages) == 2
    assert messages[0].startswith("แถว 42 คอลัมน์ งบประมาณตามแผน:") and "ตัวเลข" in messages[0]
    assert messages[1].startswith("แถว 52 คอลัมน์ งบประมาณตามข้อบัญญัติ:")
    assert await count(db, PlanItem) == 0
    assert await count(db, Unit) == 0


async def test_failure_inside_the_transaction_rolls_everything_back(db, tmp_path):
    """Atomic even past parsing: a failure while writing leaves no item, unit or heading behind."""
    org = await new_org(db)
    rows = parse_plan(read_table(write_csv(tmp_path / "plan.csv", plan_rows())))
    rows[-1].budget_plan = Decimal("0.001")  # refused by the Money column while writing
    with pytest.raises(Exception):  # noqa: B017  (whichever error the driver raises: nothing is written)
        async with db.session() as s:
            fy = await Rounds(s, org).fiscal_year(2569)
            await import_plan(s, org, fy, rows)
    assert (await count(db, PlanItem), await count(db, Unit), await count(db, PlanSection)) == (0, 0, 0)


@pytest.mark.parametrize("bom", [True, False])
async def test_csv_with_and_without_bom(db, tmp_path, bom):
    org = await new_org(db)
    path = write_csv(tmp_path / "plan.csv", plan_rows(10), bom=bom)
    if bom:
        assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    result = await run_import(db, org, path)
    assert len(result.created) == 10
    assert (await stored_items(db, org))[0].item.code == "1.1-1"


async def test_thai_windows_csv(db, tmp_path):
    """Excel on Thai Windows saves CSV as cp874 (TIS-620)."""
    org = await new_org(db)
    path = tmp_path / "plan.csv"
    path.write_bytes(write_csv(tmp_path / "u.csv", plan_rows(5)).read_text(encoding="utf-8").encode("cp874"))
    result = await run_import(db, org, path)
    assert len(result.created) == 5


async def test_xlsx_with_numeric_cells(db, tmp_path):
    org = await new_org(db)
    rows = plan_rows(12)
    rows[0][8] = rows[0][9] = 50000  # an integer cell
    rows[1][8] = rows[1][9] = 12500.5  # a float cell
    rows[2][1] = 3  # dimension typed as a number
    path = write_xlsx(tmp_path / "plan.xlsx", rows)
    await run_import(db, org, path)
    views = await stored_items(db, org)
    assert views[0].item.budget_plan == Decimal("50000.00")
    assert views[1].item.budget_plan == Decimal("12500.50")
    assert len(views) == 12


async def test_reimport_is_idempotent(db, tmp_path):
    org = await new_org(db)
    path = write_csv(tmp_path / "plan.csv", plan_rows())
    await run_import(db, org, path)
    before = (await count(db, PlanItem), await count(db, PlanItemUnit), await count(db, AuditLog))
    again = await run_import(db, org, path)
    assert (again.created, again.updated, again.unchanged) == ([], {}, 64)
    assert not again.changed_anything
    assert (await count(db, PlanItem), await count(db, PlanItemUnit), await count(db, AuditLog)) == before


async def test_edited_file_updates_by_code_and_reports_changes(db, tmp_path):
    org = await new_org(db)
    rows = plan_rows(10)
    await run_import(db, org, write_csv(tmp_path / "v1.csv", rows))
    rows[3][5] = "มาตรการที่แก้ชื่อแล้ว"
    rows[3][8] = "99,999.99"
    rows[4][10] = "กองช่าง"
    rows.insert(0, rows.pop(7))  # order changes do not create new items
    result = await run_import(db, org, write_csv(tmp_path / "v2.csv", rows))
    assert result.created == []
    assert set(result.updated) == {"4.1-4", "1.2-5"}
    assert result.updated["4.1-4"]["budget_plan"][1] == Decimal("99999.99")
    assert result.updated["4.1-4"]["title"][1] == "มาตรการที่แก้ชื่อแล้ว"
    assert "units" in result.updated["1.2-5"]
    views = {v.item.code: v for v in await stored_items(db, org)}
    assert len(views) == 10
    assert views["4.1-4"].item.budget_plan == Decimal("99999.99")
    assert views["1.2-5"].unit_names == ["กองช่าง"]
    async with db.session(commit=False) as s:
        logs = (await s.exec(select(AuditLog).where(AuditLog.action == "update", AuditLog.entity == "plan_item"))).all()
    assert {log.new.get("title") for log in logs} >= {"มาตรการที่แก้ชื่อแล้ว"}


async def test_several_units_and_all_units(db, tmp_path):
    org = await new_org(db)
    await run_import(db, org, write_csv(tmp_path / "plan.csv", plan_rows(5)))
    views = await stored_items(db, org)
    assert views[2].unit_names == ["กองคลัง", "กองช่าง"] or views[2].unit_names == ["กองช่าง", "กองคลัง"]
    assert len(views[2].unit_names) == 2
    assert views[3].item.all_units and views[3].unit_names == ["ทุกสำนัก/กอง"]
    async with db.session(commit=False) as s:
        names = {u.name for u in (await s.exec(select(Unit))).all()}
    assert names == {"สำนักปลัด", "กองคลัง", "กองช่าง", "กองการศึกษา"}  # "all units" is not a unit


async def test_generated_codes_and_duplicates(db, tmp_path):
    org = await new_org(db)
    rows = plan_rows(6)
    for r in rows:
        r[0] = ""
    await run_import(db, org, write_csv(tmp_path / "plan.csv", rows))
    codes = [v.item.code for v in await stored_items(db, org)]
    assert codes == ["1.1-1", "2.2-1", "3.3-1", "4.1-1", "1.2-1", "2.3-1"]
    dup = plan_rows(3)
    dup[2][0] = dup[0][0]
    with pytest.raises(PlanFileError) as e:
        parse_plan(read_table(write_csv(tmp_path / "dup.csv", dup)))
    assert "ซ้ำกับแถว 2" in str(e.value.errors[0])


async def test_english_headers_and_a_mission_outside_its_dimension(tmp_path):
    english = [
        "code",
        "dimension",
        "dimension_title",
        "mission",
        "mission_title",
        "title",
        "target_unit",
        "target_qty",
        "budget_plan",
        "budget_ordinance",
        "units",
        "months",
    ]
    rows = plan_rows(3)
    rows[1][3] = "3.1"  # dimension 2
    with pytest.raises(PlanFileError) as e:
        parse_plan(read_table(write_csv(tmp_path / "en.csv", rows, header=english)))
    assert [err.row for err in e.value.errors] == [3]
    assert "ไม่ได้อยู่ในมิติที่ 2" in str(e.value.errors[0])


async def test_html_debris_is_cleaned(tmp_path):
    rows = plan_rows(1)
    rows[0][5] = "<p>โครงการ&nbsp;อบรม<br/>คุณธรรม</p>"
    parsed = parse_plan(read_table(write_csv(tmp_path / "p.csv", rows)))
    assert parsed[0].title == "โครงการ อบรม คุณธรรม"


async def test_one_org_never_sees_anothers_plan(db, tmp_path):
    a = await new_org(db, "เทศบาล ก")
    b = await new_org(db, "เทศบาล ข")
    await run_import(db, a, write_csv(tmp_path / "a.csv", plan_rows(8)))
    await run_import(db, b, write_csv(tmp_path / "b.csv", plan_rows(3)))
    assert len(await stored_items(db, a)) == 8
    assert len(await stored_items(db, b)) == 3
    async with db.session(commit=False) as s:
        fy_b = await Rounds(s, b).fiscal_year(2569)
        # asking for org a's items through org b's fiscal year finds nothing
        assert await Plan(s, a).items(fy_b) == []


async def test_an_item_without_an_owner_is_refused_by_row(db, tmp_path):
    """Imported, it would never be asked about and never appear in any unit's list."""
    org = await new_org(db)
    rows = plan_rows(10)
    rows[3][10] = ""
    rows[7][10] = " ; "
    with pytest.raises(PlanFileError) as e:
        await run_import(db, org, write_csv(tmp_path / "plan.csv", rows))
    messages = [str(err) for err in e.value.errors]
    assert [m.split(" คอลัมน์")[0] for m in messages] == ["แถว 5", "แถว 9"]
    assert all("ผู้รับผิดชอบ" in m and "ทุกสำนัก/กอง" in m for m in messages)
    assert await count(db, PlanItem) == 0


async def test_a_misspelt_unit_is_refused_with_the_likely_one_and_a_new_one_is_created(db, tmp_path):
    org = await new_org(db)
    rows = plan_rows(10)
    rows[6][10] = "กองคลงั"  # the tone mark after the wrong consonant: one slip from กองคลัง, used elsewhere
    with pytest.raises(PlanFileError) as e:
        await run_import(db, org, write_csv(tmp_path / "plan.csv", rows))
    assert [str(err) for err in e.value.errors] == ['แถว 8 คอลัมน์ ผู้รับผิดชอบ: ยังไม่มีหน่วยงาน "กองคลงั": หมายถึง กองคลัง หรือไม่']
    assert await count(db, Unit) == 0
    rows[6][10] = "กองสวัสดิการสังคม"  # genuinely new: created
    await run_import(db, org, write_csv(tmp_path / "plan.csv", rows))
    rows[2][10] = "กองช่าง"
    rows[6][10] = "กองสวัสดิการสงคม"  # now against the units already stored
    with pytest.raises(PlanFileError) as e:
        await run_import(db, org, write_csv(tmp_path / "plan.csv", rows))
    assert "หมายถึง กองสวัสดิการสังคม หรือไม่" in str(e.value.errors[0])


def test_names_near_and_far():
    from domain.names import near_miss

    units = ["กองคลัง", "กองช่าง", "สำนักปลัด", "กองการศึกษา", "กองการเจ้าหน้าที่", "กองสาธารณสุขและสิ่งแวดล้อม"]
    assert near_miss("กองคลงั", units) == "กองคลัง"
    assert near_miss("กองการเจ้าหนาที่", units) == "กองการเจ้าหน้าที่"
    assert near_miss("กองสาธารณสุขและสิ่งแวดลอม", units) == "กองสาธารณสุขและสิ่งแวดล้อม"
    for other in ("กองคลัง", "กองช่าง", "กองสวัสดิการสังคม", "กองแผน", "สำนักปลัดเทศบาล", "กอง คลัง"):
        assert near_miss(other, units) is None, other  # distinct units share กอง; spaces are not a slip
