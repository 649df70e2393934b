"""Hostile and careless plan files: each is refused with one Thai sentence naming the limit, nothing is
written, and the reading happens in a child process that has a memory and a time limit."""

from __future__ import annotations

import json
import threading

import pytest
from sqlmodel import func, select

from base.settings import Settings, get_settings
from bot.cli import main
from security import hostile_files as hostile
from storage.db import Database
from storage.models import PlanItem, Role
from support.chat import Chat, invite_code, join, setup_org
from support.paths import EXAMPLE_PLAN

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

# (file maker, suffix, what the Thai refusal must name)
CASES = {
    "wide": (lambda p: hostile.wide_xlsx(p, rows=60_000), ".xlsx", "เกิน 50000 แถว"),
    "61 columns": (hostile.wide_in_reach_xlsx, ".xlsx", "เกิน 60 คอลัมน์"),
    "tall": (lambda p: hostile.tall_xlsx(p, rows=200_000), ".xlsx", "เกิน 20 MB"),
    "tall within the size limit": (hostile.tall_in_reach_xlsx, ".xlsx", "เกิน 2000 แถว"),
    "shared-strings bomb": (hostile.shared_strings_bomb_xlsx, ".xlsx", "เกิน 20 MB"),
    "shared strings expanded": (hostile.shared_strings_in_reach_xlsx, ".xlsx", "ข้อความรวมเกิน 20 MB"),
    "lying zip": (hostile.lying_zip_xlsx, ".xlsx", "ไม่ใช่ไฟล์ Excel"),
    "50 MB CSV": (hostile.csv_of_size, ".csv", "รับได้ไม่เกิน 20 MB"),
    "huge CSV cell": (hostile.csv_huge_cell, ".csv", "ยาวเกิน 65536 ตัวอักษร"),
}


def tidtam(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def org(cli_env, capsys):
    assert tidtam(capsys, *INIT)[0] == 0
    return cli_env


def plan_items(capsys) -> list:
    code, out, _err = tidtam(capsys, "plan", "show", "--json")
    assert code == 0
    return json.loads(out)


@pytest.mark.parametrize("case", list(CASES))
@pytest.mark.slow
def test_cli_refuses_each_hostile_file_naming_the_limit(org, capsys, case):
    make, suffix, names = CASES[case]
    path = make(org / f"hostile{suffix}")
    code, _out, err = tidtam(capsys, "plan", "import", str(path))
    assert code == 1, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("ข้อผิดพลาด: ") and names in lines[0], lines
    assert "Traceback" not in err
    assert plan_items(capsys) == []


@pytest.mark.slow
def test_the_childs_memory_limit_is_enforced(org, capsys, monkeypatch):
    """An ordinary plan in a child allowed 40 MB: the limit really applies (and is named)."""
    monkeypatch.setenv("IMPORT_MEMORY_MB", "40")
    get_settings.cache_clear()
    code, _out, err = tidtam(capsys, "plan", "import", str(EXAMPLE_PLAN))
    assert code == 1 and "หน่วยความจำเกิน 40 MB" in err, err
    monkeypatch.setenv("IMPORT_MEMORY_MB", "512")
    get_settings.cache_clear()
    code, out, err = tidtam(capsys, "plan", "import", str(EXAMPLE_PLAN))
    assert code == 0, err
    assert len(plan_items(capsys)) == 63


def test_the_childs_time_limit_is_enforced(org, capsys, monkeypatch):
    monkeypatch.setenv("IMPORT_SECONDS", "0.01")
    get_settings.cache_clear()
    code, _out, err = tidtam(capsys, "plan", "import", str(EXAMPLE_PLAN))
    assert code == 1 and "เกิน 0.01 วินาที" in err, err
    assert plan_items(capsys) == []


@pytest.fixture
async def admin_chat(tmp_path):
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'chat.db'}")
    await db.upgrade()
    org = await setup_org(db, EXAMPLE_PLAN)
    chat = Chat(db, Settings(data_dir=tmp_path / "data"))
    await join(chat, "admin", await invite_code(db, org, Role.ADMIN), "ผู้ดูแล ระบบ")
    yield chat, db
    await db.dispose()


async def titles(db) -> int:
    async with db.session(commit=False) as s:
        return (await s.exec(select(func.count()).select_from(PlanItem))).one()


@pytest.mark.slow
async def test_chat_import_reads_outside_any_transaction_and_refuses_in_thai(admin_chat, tmp_path, monkeypatch):
    chat, db = admin_chat
    before = await titles(db)
    import sqlite3
    import subprocess

    threads, writable = [], []
    real_run = subprocess.run

    def watched_run(*args, **kwargs):
        threads.append(threading.current_thread() is threading.main_thread())
        other = sqlite3.connect(tmp_path / "chat.db", timeout=0)  # another writer, not willing to wait
        try:
            other.execute("BEGIN IMMEDIATE")
            other.execute("ROLLBACK")
            writable.append(True)
        except sqlite3.OperationalError:
            writable.append(False)
        finally:
            other.close()
        return real_run(*args, **kwargs)

    monkeypatch.setattr(subprocess, "run", watched_run)
    await chat.type("admin", "/import")
    path = hostile.tall_in_reach_xlsx(tmp_path / "tall.xlsx")
    said = await chat.send_file("admin", "แผน.xlsx", path.read_bytes())
    assert "เกิน 2000 แถว" in said.text and "Traceback" not in said.text
    assert threads == [False]  # the child was waited for in a worker thread, not on the event loop
    assert writable == [True]  # and no transaction held SQLite's write lock meanwhile: others answer on
    assert await titles(db) == before


async def test_chat_refuses_a_large_file_whose_size_the_platform_did_not_say(admin_chat):
    chat, db = admin_chat
    await chat.type("admin", "/import")
    said = await chat.send_file("admin", "plan.csv", b"x" * (6 * 1024 * 1024), size=None)
    assert "รับได้ไม่เกิน 5 MB" in said.text


@pytest.mark.slow
async def test_cell_errors_cross_from_the_child_intact(admin_chat):
    chat, db = admin_chat
    await chat.type("admin", "/import")
    said = await chat.send_file("admin", "plan.csv", "มิติ,ภารกิจ,ชื่อโครงการ,ผู้รับผิดชอบ\nx,1.1,โครงการ ก,กองคลัง\n".encode())
    assert "ไฟล์แผนมีปัญหา 1 จุด" in said.text and "แถว 2 คอลัมน์ มิติ" in said.text
