"""Nothing acknowledged is lost: a LINE event gets its 200 only once its effects are committed; /readyz
proves a write commits, to the file that was opened; a start does not quietly create an empty database
beside an earlier one's data."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import event as sa_event
from starlette.testclient import TestClient

from base.settings import Settings
from bot.cli import main
from bot.web.app import create_app
from storage.db import Database
from storage.models import Person, ProcessedEvent
from support.chat import org_with_admin_invite
from support.db import count_rows
from support.line import SECRET, body, event, sign


def read_only_switch(db: Database) -> dict:
    """While ``switch["on"]``, every transaction refuses writes, as a file or disk gone read-only does (the
    tests run as root, whom file modes do not stop)."""
    switch = {"on": False}
    sa_event.listen(
        db.engine.sync_engine,
        "begin",
        lambda conn: conn.exec_driver_sql(f"PRAGMA query_only={'ON' if switch['on'] else 'OFF'}"),
    )
    return switch


def post(client, *events):
    raw = body(*events)
    return client.post(
        "/line/webhook", content=raw, headers={"X-Line-Signature": sign(raw), "Content-Type": "application/json"}
    )


@pytest.fixture
def line_settings(tmp_path):
    db_url = f"sqlite+aiosqlite:///{tmp_path / 'line.db'}"
    code = asyncio.run(org_with_admin_invite(db_url))
    settings = Settings(
        data_dir=tmp_path / "data",
        database_url=db_url,
        line_channel_secret=SECRET,
        line_channel_access_token="test-token",
        line_api_base_url="http://127.0.0.1:9",
        run_scheduler=False,
    )
    return settings, code


def test_an_event_that_cannot_be_written_is_not_acknowledged(line_settings):
    settings, code = line_settings
    db = Database(settings.effective_database_url)
    switch = read_only_switch(db)
    ev = event("message", "U" + "7" * 32, text=f"/start {code}", event_id="01READONLY0000000000000000")
    with TestClient(create_app(settings, db)) as client:
        assert client.get("/readyz").status_code == 200
        switch["on"] = True
        assert client.get("/readyz").status_code == 503
        assert post(client, ev).status_code == 500  # LINE redelivers; nothing was acknowledged
    check = Database(settings.effective_database_url)
    assert asyncio.run(count_rows(check, Person)) == 0
    with TestClient(create_app(settings)) as client:  # the disk is writable again: the redelivery lands once
        assert client.get("/readyz").status_code == 200
        assert post(client, {**ev, "deliveryContext": {"isRedelivery": True}}).status_code == 200
        assert post(client, ev).status_code == 200
    assert asyncio.run(count_rows(check, Person)) == 1
    assert asyncio.run(count_rows(check, ProcessedEvent)) == 1


def test_readyz_notices_a_deleted_or_replaced_database_file(line_settings, tmp_path):
    settings, _code = line_settings
    with TestClient(create_app(settings)) as client:
        assert client.get("/readyz").status_code == 200
        (tmp_path / "line.db").rename(tmp_path / "moved.db")
        assert client.get("/readyz").status_code == 503
        (tmp_path / "moved.db").rename(tmp_path / "line.db")
        assert client.get("/readyz").status_code == 200
        (tmp_path / "line.db").unlink()
        (tmp_path / "line.db").write_bytes((tmp_path / "line.db-wal").read_bytes()[:0])  # a new, empty file
        assert client.get("/readyz").status_code == 503


def test_a_deleted_database_file_acknowledges_nothing(line_settings, tmp_path):
    """Deleted under a running app, the SQLite file would still take writes (into its unlinked inode) and every
    event answered 200 would be gone at the next start: the webhooks answer 5xx instead, so LINE delivers again."""
    settings, code = line_settings
    ev = event("message", "U" + "8" * 32, text=f"/start {code}", event_id="01GONE000000000000000000000")
    with TestClient(create_app(settings)) as client:
        (tmp_path / "line.db").unlink()
        assert post(client, ev).status_code == 500
        assert client.get("/readyz").status_code == 503


def test_a_start_beside_earlier_data_refuses_to_create_an_empty_database(cli_env, capsys, monkeypatch):
    init = [
        "init",
        "--org",
        "เทศบาลตำบลทดสอบ",
        "--kind",
        "เทศบาลตำบล",
        "--province",
        "ขอนแก่น",
        "--district",
        "เมือง",
        "--fiscal-year",
        "2569",
    ]
    assert main(init) == 0
    data = cli_env / "data"
    (data / "evidence" / "1").mkdir(parents=True)
    (data / "evidence" / "1" / "photo.jpg").write_bytes(b"\xff\xd8")
    for name in ("tidtam.db", "tidtam.db-wal", "tidtam.db-shm"):
        (data / name).unlink(missing_ok=True)
    capsys.readouterr()
    assert main(["unit", "list"]) == 1
    err = capsys.readouterr().err
    assert "ไม่พบไฟล์ฐานข้อมูล" in err and "evidence" in err and "NEW_INSTALLATION" in err
    assert not (data / "tidtam.db").exists()
    from base.settings import get_settings

    monkeypatch.setenv("NEW_INSTALLATION", "true")
    get_settings.cache_clear()
    assert main(init) == 0


def test_tidtam_ready_reports_what_the_timer_acts_on(line_settings, tmp_path, monkeypatch, capsys):
    """`tidtam ready` (the systemd timer's check) exits 0 while /readyz is 200, 1 once the file is gone."""
    import threading

    import uvicorn

    from base.settings import get_settings
    from support.ports import free_port

    settings, _code = line_settings
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    monkeypatch.setenv("WEB_PORT", str(port))
    monkeypatch.setenv("WEB_HOST", "127.0.0.1")
    get_settings.cache_clear()
    try:
        import time

        for _ in range(100):
            if server.started:
                break
            time.sleep(0.05)
        assert main(["ready"]) == 0 and "พร้อมทำงาน" in capsys.readouterr().out
        (tmp_path / "line.db").unlink()
        assert main(["ready"]) == 1 and "ยังไม่พร้อม" in capsys.readouterr().err
    finally:
        server.should_exit = True
        thread.join(10)
        get_settings.cache_clear()
