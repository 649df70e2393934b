"""The `tidtam` command as an admin uses it: Thai output, one-line errors, non-zero exits."""

import asyncio
import io
import json
import re
import sqlite3
import subprocess
import sys

import pytest
from openpyxl import load_workbook

from bot.cli import main
from support.paths import EXAMPLE_PLAN, ROOT

INIT = [
    "init",
    "--org",
    "เทศบาลตำบลทดสอบ",
    "--kind",
    "เทศบาลตำบล",
    "--province",
    "ขอนแก่น",
    "--district",
    "เมืองขอนแก่น",
    "--fiscal-year",
    "2569",
]


def tidtam(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def assert_one_thai_error(code: int, err: str, fragment: str) -> None:
    assert code != 0
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith("ข้อผิดพลาด: ") and fragment in lines[0], lines[0]


@pytest.fixture
def org(cli_env, capsys):
    code, out, _ = tidtam(capsys, *INIT)
    assert code == 0, out
    return cli_env


def test_init_creates_org_year_and_rounds(org, capsys):
    code, out, _ = tidtam(capsys, "round", "list", "--json")
    assert code == 0
    rounds = json.loads(out)
    assert [(r["months"], r["opens_on"], r["due_on"], r["submit_by"]) for r in rounds] == [
        (6, "2026-03-15", "2026-04-10", "2026-04-30"),
        (12, "2026-09-15", "2026-10-10", "2026-10-31"),
    ]
    assert rounds[0]["period_start"] == "2025-10-01" and rounds[1]["period_end"] == "2026-09-30"
    assert rounds[0]["display"]["due_on"] == "๑๐ เมษายน ๒๕๖๙"
    code, out, _ = tidtam(capsys, "round", "list")
    assert "10 เม.ย. 2569" in out and "ปีงบประมาณ 2569" in out


def test_init_twice_is_refused(org, capsys):
    code, _, err = tidtam(capsys, *INIT)
    assert_one_thai_error(code, err, "มีองค์กรชื่อ")


def test_init_without_terminal_names_the_missing_option(cli_env, capsys, monkeypatch):
    monkeypatch.setattr(sys.stdin, "isatty", lambda: False)
    code, _, err = tidtam(capsys, "init", "--org", "อบต.ทดสอบ")
    assert_one_thai_error(code, err, "--kind")


def test_an_oversight_office_is_not_asked_for_a_district(cli_env, capsys, monkeypatch):
    """A province's, a region's or the nation's office has no district; it is told what to do next."""
    monkeypatch.setattr(sys.stdin, "isatty", lambda: False)
    code, out, err = tidtam(capsys, "init", "--org", "ภาค 4", "--kind", "หน่วยกำกับดูแล", "--fiscal-year", "2569")
    assert code == 0 and "oversee import" in out and "invite --role overseer" in out and "อำเภอ" not in out, err


def test_units_tree_and_unknown_parent(org, capsys):
    assert tidtam(capsys, "unit", "add", "สำนักปลัด")[0] == 0
    assert tidtam(capsys, "unit", "add", "งานนิติการ", "--parent", "สำนักปลัด")[0] == 0
    code, out, _ = tidtam(capsys, "unit", "list")
    assert out.splitlines() == ["สำนักปลัด", "  งานนิติการ"]
    code, _, err = tidtam(capsys, "unit", "add", "งานพัสดุ", "--parent", "กองที่ไม่มี")
    assert_one_thai_error(code, err, 'ไม่พบหน่วยงานชื่อ "กองที่ไม่มี"')
    code, _, err = tidtam(capsys, "unit", "add", "สำนักปลัด")
    assert_one_thai_error(code, err, 'มีหน่วยงาน "สำนักปลัด" อยู่แล้ว')


@pytest.mark.slow
def test_import_dry_run_then_real_then_show(org, capsys):
    code, out, _ = tidtam(capsys, "plan", "import", str(EXAMPLE_PLAN), "--dry-run")
    assert code == 0 and "ทดลองนำเข้า" in out and "ใหม่ 63" in out
    code, out, _ = tidtam(capsys, "plan", "show", "--json")
    assert json.loads(out) == []  # the dry run wrote nothing
    code, out, _ = tidtam(capsys, "plan", "import", str(EXAMPLE_PLAN))
    assert code == 0 and "ใหม่ 63" in out and "1,048,500.50" in out
    code, out, _ = tidtam(capsys, "plan", "show", "--json")
    items = json.loads(out)
    assert len(items) == 63
    assert set(items[0]) >= {
        "code",
        "dimension",
        "dimension_title",
        "mission",
        "mission_title",
        "subitem",
        "type",
        "title",
        "kpi",
        "target_unit",
        "target_qty",
        "budget_plan",
        "budget_ordinance",
        "units",
        "months",
    }
    from decimal import Decimal

    assert sum(Decimal(i["budget_plan"] or "0") for i in items) == Decimal("1048500.50")
    assert any(i["units"] == "ทุกสำนัก/กอง" for i in items)
    assert any(i["units"] == "กองคลัง;กองช่าง" for i in items)
    code, out, _ = tidtam(capsys, "plan", "show")
    assert "รวม 63 รายการ" in out
    code, out, _ = tidtam(capsys, "plan", "import", str(EXAMPLE_PLAN))
    assert "ไม่เปลี่ยน 63" in out and "ไม่มีการเปลี่ยนแปลง" in out


@pytest.mark.slow
def test_template_is_importable(org, capsys):
    path = org / "แบบฟอร์ม.xlsx"
    code, out, _ = tidtam(capsys, "plan", "template", str(path))
    assert code == 0
    wb = load_workbook(path)
    assert wb.sheetnames == ["แผน", "คำอธิบาย"]
    assert wb["แผน"]["A1"].value == "รหัส" and wb["แผน"].freeze_panes == "A2"
    assert wb["คำอธิบาย"].max_row == 20  # header + one note per column
    # the example row, left in by mistake, is named and not imported
    code, out, err = tidtam(capsys, "plan", "import", str(path))
    assert code == 1 and "แถว 2" in err and "แถวตัวอย่างของแม่แบบ" in err
    # the admin's filled-in workbook is never overwritten without --force
    wb["แผน"]["A2"] = ""
    wb.save(path)
    code, _out, err = tidtam(capsys, "plan", "template", str(path))
    assert code == 1 and "--force" in err and load_workbook(path)["แผน"]["A2"].value is None
    code, out, err = tidtam(capsys, "plan", "import", str(path))
    assert code == 0, err
    assert "ใหม่ 1" in out and "20,000.00" in out
    assert tidtam(capsys, "plan", "template", str(path), "--force")[0] == 0


@pytest.mark.parametrize("typed", ["20/4/2569", "20 เม.ย. 2569", "2026-04-20", "๒๐ เมษายน ๒๕๖๙"])
def test_round_set_accepts_the_ways_dates_are_written(org, capsys, typed):
    code, out, err = tidtam(capsys, "round", "set", "6", "--due", typed)
    assert code == 0, err
    rounds = json.loads(tidtam(capsys, "round", "list", "--json")[1])
    assert rounds[0]["due_on"] == "2026-04-20"


@pytest.mark.parametrize(
    "args, fragment",
    [
        (["round", "set", "12", "--due", "31/9/2569"], "ไม่มีวันที่ 31 กันยายน 2569"),
        (["round", "set", "6", "--due", "1/3/2569"], "วันที่ต้องเรียงกัน"),
        (["round", "set", "7", "--due", "1/4/2569"], "6 หรือ 12"),
        (["round", "set", "6", "--due", "พรุ่งนี้"], 'อ่าน "พรุ่งนี้" เป็นวันที่ไม่ได้'),
        (["plan", "import", "ไม่มีไฟล์นี้.xlsx"], "ไม่พบไฟล์"),
        (["plan", "template", "out.csv"], ".xlsx"),
        (["plan", "show", "--fiscal-year", "2570"], "ยังไม่ได้ตั้งปีงบประมาณ 2570"),
    ],
)
def test_bad_input_gets_one_thai_line(org, capsys, args, fragment):
    code, _, err = tidtam(capsys, *args)
    assert_one_thai_error(code, err, fragment)


@pytest.mark.slow
def test_docx_given_as_plan(org, capsys):
    docx = org / "แผน.docx"
    docx.write_bytes(b"PK\x03\x04 not really a plan")
    code, _, err = tidtam(capsys, "plan", "import", str(docx))
    assert_one_thai_error(code, err, "ต้องเป็น .xlsx หรือ .csv")
    fake = org / "แผน.xlsx"
    fake.write_bytes(b"this is not a zip")
    code, _, err = tidtam(capsys, "plan", "import", str(fake))
    assert_one_thai_error(code, err, "ไม่ใช่ไฟล์ Excel")


@pytest.mark.slow
def test_bad_rows_are_listed_under_one_error_line(org, capsys):
    bad = org / "bad.csv"
    text = EXAMPLE_PLAN.read_text(encoding="utf-8").splitlines()
    text[5] = text[5].replace('"๑๐,๐๐๐"', '"สิบบาท"', 1) if '"๑๐,๐๐๐"' in text[5] else text[5]
    cells = text[5].split(",")
    cells[1] = "9"
    text[5] = ",".join(cells)
    bad.write_text("\n".join(text), encoding="utf-8")
    code, out, err = tidtam(capsys, "plan", "import", str(bad))
    assert code == 1 and "Traceback" not in err
    assert err.splitlines()[0].startswith("ข้อผิดพลาด: ไฟล์แผนมีปัญหา")
    assert "แถว 6" in err
    assert json.loads(tidtam(capsys, "plan", "show", "--json")[1]) == []


@pytest.mark.slow
def test_backup_is_a_consistent_copy(org, capsys):
    tidtam(capsys, "plan", "import", str(EXAMPLE_PLAN))
    target = org / "backup" / "tidtam-2569.db"
    code, out, err = tidtam(capsys, "backup", str(target))
    assert code == 0, err
    with sqlite3.connect(target) as conn:
        assert conn.execute("select count(*) from plan_item").fetchone()[0] == 63
        assert conn.execute("select sum(budget_plan) from plan_item").fetchone()[0] == 104850050  # satang
    code, _, err = tidtam(capsys, "backup", str(target))
    assert_one_thai_error(code, err, "มีไฟล์")


def test_english_output(org, capsys):
    code, out, _ = tidtam(capsys, "--lang", "en", "round", "list")
    assert "Fiscal year 2569" in out and "Units answer by" in out


def test_demo_is_rerunnable(cli_env, capsys):
    code, out, err = tidtam(capsys, "demo")
    assert code == 0, err
    assert "สร้างองค์กรสาธิต" in out and "1,048,500.50" in out and "รวมทั้งสิ้น" in out
    assert "หน่วยงาน (6)" in out
    code, again, _ = tidtam(capsys, "demo")
    assert code == 0 and "สร้างองค์กรสาธิต" not in again and "1,048,500.50" in again
    assert (cli_env / "data" / "simulator" / "tidtam.db").exists() and not (cli_env / "data" / "tidtam.db").exists()


def test_several_orgs_need_a_choice(org, capsys):
    tidtam(
        capsys,
        "init",
        "--org",
        "อบต.สอง",
        "--kind",
        "อบต.",
        "--province",
        "ขอนแก่น",
        "--district",
        "พล",
        "--fiscal-year",
        "2569",
    )
    code, _, err = tidtam(capsys, "unit", "list")
    assert_one_thai_error(code, err, "--org")
    assert tidtam(capsys, "--org", "อบต.สอง", "unit", "add", "กองช่าง")[0] == 0
    assert (
        tidtam(capsys, "--org", "เทศบาลตำบลทดสอบ", "unit", "list")[1].strip()
        == "ยังไม่มีหน่วยงาน เพิ่มได้ด้วย `tidtam unit add ชื่อ` หรือนำเข้าแผน"
    )


@pytest.mark.parametrize(
    "url, fragment",
    [
        ("mysql://nobody@127.0.0.1/none", "SQLite หรือ PostgreSQL"),
        ("postgresql://nobody:secret@127.0.0.1:1/none", "เปิดฐานข้อมูล"),
    ],
)
def test_unusable_database_url(cli_env, capsys, monkeypatch, url, fragment):
    monkeypatch.setenv("DATABASE_URL", url)
    from base.settings import get_settings

    get_settings.cache_clear()
    code, _, err = tidtam(capsys, "unit", "list")
    assert_one_thai_error(code, err, fragment)
    assert "secret" not in err


def test_unexpected_failure_is_one_line_and_logged(org, capsys, monkeypatch):
    import storage.repo

    def broken(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(storage.repo.Units, "tree", broken)
    code, _, err = tidtam(capsys, "unit", "list")
    assert code == 2 and "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert "disk on fire" in err
    log = (org / "data" / "logs" / "tidtam-errors.log").read_text(encoding="utf-8")
    assert "Traceback" in log and "disk on fire" in log


@pytest.mark.slow
def test_real_process_exit_code_and_no_traceback(cli_env):
    """Through `python -m bot`, as a person runs it."""
    env = {"PATH": "/usr/bin:/bin", "DATA_DIR": str(cli_env / "data"), "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-m", "bot", "--lang", "en", "plan", "import", "nope.csv"],
        env=env,
        cwd=cli_env,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 1 and done.stderr.strip() == "Error: File not found: nope.csv"


@pytest.mark.slow
def test_next_year_from_this_one(org, capsys, tmp_path):
    assert tidtam(capsys, "plan", "import", str(EXAMPLE_PLAN))[0] == 0
    code, out, err = tidtam(capsys, "round", "list")
    assert code == 0 and "tidtam year start 2570" in err  # the year containing today (30 Nov 2026) is 2570
    code, out, _ = tidtam(capsys, "year", "start", "2570")
    assert code == 0 and "คัดลอกแผนของปี 2569 มา: 63 รายการ" in out
    code, out, err = tidtam(capsys, "round", "list", "--json")
    assert code == 0 and err == "" and {r["fiscal_year"] for r in json.loads(out)} == {2570}  # today's year
    code, out, _ = tidtam(capsys, "plan", "show", "--json")
    new = json.loads(out)
    code, out, _ = tidtam(capsys, "plan", "show", "--json", "--fiscal-year", "2569")
    old = json.loads(out)
    assert [(i["code"], i["title"], i["budget_plan"], i["units"]) for i in new] == [
        (i["code"], i["title"], i["budget_plan"], i["units"]) for i in old
    ]
    code, _, err = tidtam(capsys, "year", "start", "2570")
    assert_one_thai_error(code, err, "มีแผนอยู่แล้ว")

    # last year's plan as the workbook to edit: importing it unchanged into 2569 changes nothing
    book = tmp_path / "แผน2569.xlsx"
    code, out, _ = tidtam(capsys, "plan", "template", str(book), "--from-year", "2569")
    assert code == 0 and "63 รายการของปีงบประมาณ 2569" in out
    code, out, _ = tidtam(capsys, "plan", "import", str(book), "--fiscal-year", "2569", "--dry-run")
    assert code == 0 and "ใหม่ 0 เปลี่ยนแปลง 0 ไม่เปลี่ยน 63" in out, out


@pytest.mark.slow
def test_guideline_items_are_an_eplannacc_type(org, capsys, tmp_path):
    rows = EXAMPLE_PLAN.read_text(encoding="utf-8").splitlines()
    rows[1] = rows[1].replace(",โครงการอบรมคุณธรรม", ",แนวปฏิบัติการอบรมคุณธรรม", 1)
    plan = tmp_path / "plan.csv"
    plan.write_text("\n".join(rows) + "\n", encoding="utf-8")
    assert tidtam(capsys, "plan", "import", str(plan))[0] == 0
    code, out, _ = tidtam(capsys, "plan", "show", "--json")
    assert json.loads(out)[0]["type"] == "แนวปฏิบัติงาน"


def test_an_organisations_own_line_channel(org, capsys, monkeypatch):
    """The secret and token are typed at a prompt (here: standard input), never given on the command line the
    process list shows, and are stored sealed: neither is in the database file."""
    secret, token = "0f" * 16, "A" * 40 + "+/=="

    def typed(*lines: str) -> None:
        monkeypatch.setattr("sys.stdin", io.StringIO("".join(f"{line}\n" for line in lines)))

    typed(secret, token)
    code, _out, err = tidtam(capsys, "line", "channel", "set", "Nueng!")
    assert_one_thai_error(code, err, "ชื่อช่องทาง")
    code, _out, err = tidtam(capsys, "line", "channel", "set", "nueng", "--secret", secret)
    assert code == 2 and "--secret" in err  # no such option any more
    typed("short", token)
    code, _out, err = tidtam(capsys, "line", "channel", "set", "nueng")
    assert_one_thai_error(code, err, "Channel secret")
    typed(secret, token)
    code, out, _ = tidtam(capsys, "line", "channel", "set", "nueng")
    assert code == 0 and "/line/webhook/nueng" in out and secret not in out and token not in out
    stored = b"".join(f.read_bytes() for f in (org / "data").glob("tidtam.db*"))
    assert secret.encode() not in stored and token.encode() not in stored and b"sealed:" in stored
    code, out, _ = tidtam(capsys, "line", "channel", "show")
    assert code == 0 and "/line/webhook/nueng" in out and "…+/==" in out and token not in out
    code, out, _ = tidtam(capsys, "line", "usage")
    assert code == 0 and "ช่องทาง LINE: nueng" in out
    rows = sqlite3.connect(org / "data" / "tidtam.db").execute("SELECT new FROM audit_log WHERE entity='line_channel'")
    assert all(secret not in r[0] and token not in r[0] for r in rows)
    code, out, _ = tidtam(capsys, "line", "channel", "remove")
    assert code == 0 and "ระบบกลาง" in out
    code, out, _ = tidtam(capsys, "line", "channel", "show")
    assert code == 0 and "ใช้บัญชี LINE ของระบบกลาง" in out


def test_round_open_and_close_say_what_they_do_and_ask(org, capsys):
    """No terminal and no --yes: the answer is no, and nothing changes; with --yes it is done."""

    def states() -> dict[int, str]:
        return {r["months"]: r["state"] for r in json.loads(tidtam(capsys, "round", "list", "--json")[1])}

    assert tidtam(capsys, "plan", "import", str(EXAMPLE_PLAN))[0] == 0
    code, out, _ = tidtam(capsys, "round", "open", "6")
    assert code == 1 and "เปิดรอบ 6 เดือนหรือไม่" in out and "ไม่ได้เปลี่ยนแปลง" in out
    assert states()[6] == "planned"
    code, out, err = tidtam(capsys, "round", "open", "6", "--yes")
    assert code == 0 and states()[6] == "open", err
    code, _out, err = tidtam(capsys, "round", "open", "12", "--yes")
    assert_one_thai_error(code, err, "มีรอบอื่นเปิดอยู่")  # one round at a time: refused before any question
    joined = tidtam(capsys, "invite", "กองคลัง", "--role", "member")[1].strip().splitlines()[-1]

    async def member_joins() -> None:
        from base.settings import get_settings
        from storage.db import Database
        from support.chat import Chat, join

        db = Database(get_settings().effective_database_url)
        await join(Chat(db, get_settings()), "5001", joined, "สมศรี คลัง")
        await db.dispose()

    asyncio.run(member_joins())
    code, out, _ = tidtam(capsys, "round", "close", "--yes")
    assert code == 0 and "ยังรอคำตอบอีก" in out and states()[6] == "closed"
    assert "แจ้งหน่วยงานแล้ว 1 แชต" in out  # the member of กองคลัง is told, as from the chat
    notices = sqlite3.connect(org / "data" / "tidtam.db").execute("SELECT chat_id, payload FROM outbox").fetchall()
    assert [n[0] for n in notices] == ["5001"] and "รอบ 6 เดือนปิดแล้ว" in json.loads(notices[0][1])["text"]
    code, out, _ = tidtam(capsys, "round", "open", "12")
    assert code == 1 and "ย้อนกลับไม่ได้" in out and "รอบ 6 เดือนยังรอคำตอบอีก" in out
    assert states()[12] == "planned"


def test_the_simulator_and_a_real_organisation_never_share_a_database(cli_env, capsys, monkeypatch):
    """The README's order: `make run` (the simulator), then `tidtam init` and `plan import` for the real one."""
    import asyncio

    import uvicorn

    from base.settings import get_settings
    from storage.db import Database
    from storage.demo import ensure_demo

    started = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: started.append(app))
    assert tidtam(capsys, "run", "--simulator")[0] == 0 and started
    code, out, err = tidtam(capsys, *INIT)
    assert code == 0, err
    code, out, err = tidtam(capsys, "plan", "import", str(EXAMPLE_PLAN), "--dry-run")
    assert code == 0 and "63" in out, err
    assert (cli_env / "data" / "simulator" / "tidtam.db").exists() and (cli_env / "data" / "tidtam.db").exists()
    assert tidtam(capsys, "run", "--simulator")[0] == 0 and len(started) == 2  # still its own database

    # a data folder from before, the demo beside the real organisation: the commands act on the real one
    async def demo_beside() -> None:
        db = Database(get_settings().effective_database_url)
        async with db.session() as s:
            await ensure_demo(s)
        await db.dispose()

    asyncio.run(demo_beside())
    code, out, err = tidtam(capsys, "plan", "import", str(EXAMPLE_PLAN), "--dry-run")
    assert code == 0, err


@pytest.mark.parametrize(
    "kind, name, executive",
    [
        ("อบจ.", "องค์การบริหารส่วนจังหวัดขอนแก่น", "นายกองค์การบริหารส่วนจังหวัดขอนแก่น"),
        ("เมืองพัทยา", "เมืองพัทยา", "นายกเมืองพัทยา"),
        ("กทม.", "กรุงเทพมหานคร", "ผู้ว่าราชการกรุงเทพมหานคร"),
    ],
)
def test_init_knows_every_kind_of_local_government(cli_env, capsys, kind, name, executive):
    from reports.model import executive_title
    from storage.models import OrgKind

    args = [
        "init",
        "--org",
        name,
        "--kind",
        kind,
        "--province",
        "ขอนแก่น",
        "--district",
        "เมือง",
        "--fiscal-year",
        "2569",
    ]
    code, out, err = tidtam(capsys, *args)
    assert code == 0, err
    created = next(k for k in OrgKind if k.value in out)
    assert executive_title(name, created) == executive


def test_invite_says_whom_it_is_for_how_often_and_until_when(org, capsys):
    assert tidtam(capsys, "plan", "import", str(EXAMPLE_PLAN))[0] == 0
    code, out, err = tidtam(capsys, "invite", "กองคลัง", "--role", "head", "--uses", "3", "--days", "5")
    assert code == 0, err
    first, line, code_line = out.strip().splitlines()[0], out.strip().splitlines()[1], out.strip().splitlines()[-1]
    assert "หัวหน้าหน่วยงาน กองคลัง" in first and "ใช้ได้ 3 ครั้ง" in first and " ถึง " in first
    assert f"/start {code_line}" in line and line.startswith("บน LINE") and re.fullmatch(r"[A-Z0-9]{8}", code_line)


def test_every_command_and_option_explains_itself_in_thai(capsys):
    """Each help text of the CLI is in the Thai catalogue (one written in Thai already counts as Thai)."""
    import typer

    from bot.cli import app
    from locales.i18n import _, set_language

    set_language("th")
    command = typer.main.get_command(app)
    texts = []
    stack = [command]
    while stack:
        cmd = stack.pop()
        stack += list(getattr(cmd, "commands", {}).values())
        texts += [cmd.help] + [p.help for p in cmd.params if isinstance(getattr(p, "help", None), str)]
    untranslated = [t for t in texts if t and _(t) == t and not re.search("[\u0e00-\u0e7f]", t)]
    assert untranslated == [] and len(texts) > 80
    assert tidtam(capsys, "--help")[1].count("ตัวเลือก") and "สร้างองค์กร" in tidtam(capsys, "--help")[1]
    assert "Create the organisation" in tidtam(capsys, "--lang", "en", "--help")[1]
    assert "แสดงวิธีใช้นี้" in tidtam(capsys, "round", "set", "--help")[1]  # click's own --help line too
    code, out, err = tidtam(capsys, "round")  # no subcommand: the help, and no error line under it
    assert "ข้อผิดพลาด" not in out + err and "open" in out + err
    # a command typed wrong: one Thai line and what to type for help, not click's English
    for args, said in (
        (["round", "open"], "ยังไม่ได้ระบุ months"),
        (["round", "open", "--bogus", "6"], "ไม่มีตัวเลือก --bogus"),
        (["roun"], "ไม่มีคำสั่ง roun — หมายถึง round"),
        (["round", "open", "six"], "months ต้องเป็นจำนวนเต็ม"),
        (["round", "open", "6", "7"], "มีคำเกินมา: 7"),
    ):
        code, out, err = tidtam(capsys, *args)
        assert code == 2 and err.startswith("ข้อผิดพลาด: " + said) and "--help เพื่อดูวิธีใช้" in err, err
        assert not re.search("Missing|No such|Usage|Try ", err), err


def test_every_documented_setup_starts(org, capsys, monkeypatch):
    """Only organisations' own LINE channels (no deployment channel): `tidtam run` starts the web app. A Telegram
    token without a webhook URL: long polling, and the web app (the form, the public pages) beside it — one
    process only."""
    import uvicorn

    import bot.adapters.telegram
    from base.settings import get_settings

    started = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: started.append(kw.get("workers", 1)))
    code, _out, err = tidtam(capsys, "run")
    assert code == 1 and "tidtam line channel set" in err, err
    monkeypatch.setattr("sys.stdin", io.StringIO("0f" * 16 + "\n" + "A" * 40 + "\n"))
    assert tidtam(capsys, "line", "channel", "set", "nueng")[0] == 0
    code, _out, err = tidtam(capsys, "run")
    assert code == 0 and started == [1], err  # was: "No platform is set up"

    async def token_ok(_settings) -> None:
        return None

    monkeypatch.setattr(bot.adapters.telegram, "check_token", token_ok)
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123:ABC")
    get_settings.cache_clear()
    code, out, err = tidtam(capsys, "run")
    assert code == 0 and started == [1, 1] and "long polling" in out, err  # the web app serves beside polling
    monkeypatch.setenv("WEB_WORKERS", "2")
    monkeypatch.setenv("DATABASE_URL", "postgresql://u@127.0.0.1:9/none")  # several workers need PostgreSQL
    get_settings.cache_clear()
    code, _out, err = tidtam(capsys, "run")
    assert code == 1 and "TELEGRAM_WEBHOOK_URL" in err and started == [1, 1], err


def test_disk_shows_the_floor_and_the_quotas(org, capsys):
    evidence = org / "data" / "evidence" / "1"
    evidence.mkdir(parents=True)
    (evidence / "7-a.png").write_bytes(b"\x89PNG" + b"\x00" * 2 * 1024 * 1024)
    code, out, err = tidtam(capsys, "disk")
    assert code == 0, err
    assert "ดิสก์ว่าง" in out and "หยุดรับไฟล์เมื่อเหลือน้อยกว่า 500 MB" in out
    assert "2.0 MB" in out and "/ 5,000 MB" in out and "#7 ใน 24 ชั่วโมง" in out
