"""The simulator runs only when asked for, only on a database of its own, and its clock moves the
scheduler for its demo organisation alone."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlmodel import select

from base.settings import Settings
from bot.adapters.simulator import Simulator, refuse_real_organisations
from bot.cli import main
from locales.errors import UserError
from storage.db import Database
from storage.demo import ensure_demo
from storage.models import Outbox, Role, Round, RoundState
from support.chat import Chat, invite_code, join, setup_org
from support.paths import EXAMPLE_PLAN

INIT = [
    "init",
    "--org",
    "เทศบาลตำบลจริง",
    "--kind",
    "เทศบาลตำบล",
    "--province",
    "ขอนแก่น",
    "--district",
    "เมืองขอนแก่น",
    "--fiscal-year",
    "2569",
]


def test_run_without_a_token_refuses_naming_the_settings(cli_env, capsys, monkeypatch):
    for name in ("TELEGRAM_BOT_TOKEN", "LINE_CHANNEL_SECRET", "LINE_CHANNEL_ACCESS_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    assert main(["run"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("ข้อผิดพลาด: ยังไม่ได้ตั้งค่า") and "TELEGRAM_BOT_TOKEN" in err
    assert "LINE_CHANNEL_SECRET" in err and "tidtam run --simulator" in err


@pytest.mark.parametrize(
    "setting, value",
    [
        ("DATABASE_URL", "postgresql://tidtam:x@127.0.0.1:1/tidtam"),
        ("TELEGRAM_WEBHOOK_URL", "https://tidtam.example.go.th/telegram/webhook"),
        ("LINE_CHANNEL_SECRET", "a-real-secret"),
    ],
)
def test_simulator_refuses_production_settings(cli_env, capsys, monkeypatch, setting, value):
    monkeypatch.setenv(setting, value)
    assert main(["run", "--simulator"]) == 1
    err = capsys.readouterr().err
    assert "เครื่องจำลอง" in err and setting in err and "Traceback" not in err


def test_simulator_refuses_a_database_with_a_real_organisation(cli_env, capsys, monkeypatch):
    """A real organisation created in the simulator's own folder (DATA_DIR/simulator), by hand."""
    import uvicorn

    from base.settings import get_settings

    monkeypatch.setattr(uvicorn, "run", lambda *a, **kw: pytest.fail("the simulator started"))
    monkeypatch.setenv("DATA_DIR", str(cli_env / "data" / "simulator"))
    get_settings.cache_clear()
    assert main(INIT) == 0
    monkeypatch.setenv("DATA_DIR", str(cli_env / "data"))
    get_settings.cache_clear()
    capsys.readouterr()
    assert main(["run", "--simulator"]) == 1
    err = capsys.readouterr().err
    assert "เทศบาลตำบลจริง" in err and "DATA_DIR" in err


@pytest.mark.slow
async def test_the_simulated_clock_moves_the_demo_organisation_only(tmp_path):
    """Even on a database that (against the guard) holds a real organisation with a round about to open
    and a registered person, "next send" opens and reminds nothing of it."""
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'mixed.db'}")
    await db.upgrade()
    settings = Settings(data_dir=tmp_path / "data")
    real = await setup_org(db, EXAMPLE_PLAN, name="เทศบาลตำบลจริง", open_round=None)
    chat = Chat(db, settings)
    await join(chat, "real-staff", await invite_code(db, real, Role.MEMBER, "กองคลัง"), "คนจริง")
    async with db.session() as s:
        demo, _created = await ensure_demo(s)
    with pytest.raises(UserError):
        await refuse_real_organisations(db)
    sim = Simulator(settings, db)
    for _ in range(4):
        await sim.next_send()
    async with db.session(commit=False) as s:
        rows = (await s.exec(select(Outbox))).all()
        real_rounds = (await s.exec(select(Round).where(Round.org_id == real))).all()
    assert rows and {r.org_id for r in rows} == {demo.id}
    assert all(r.state == RoundState.PLANNED for r in real_rounds)
    assert await sim.clock() > dt.datetime(2026, 3, 13, tzinfo=dt.UTC)
    await db.dispose()
