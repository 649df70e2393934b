"""The disk has a floor and quotas, and erasure erases: one member cannot fill the disk by uploading and
sending again (the per-draft count resets at each send, the person's day does not); uploads stop in Thai
below the free-space floor, before a byte is read; files nothing refers to are swept after the retention
period; `person forget` removes the person's drafts, passes and unsent files; and every table that names a
person is in the erasure inventory."""

from __future__ import annotations

import datetime as dt
import os
import re
import time

import httpx
from sqlmodel import SQLModel, select

from base.settings import Settings
from bot.web.app import create_app
from scheduler.housekeeping import housekeep
from storage.db import Database
from storage.models import FormDraft, FormPass, Person, Role, StatusReport
from storage.people import ERASURE, forget_person
from support.chat import Chat, invite_code, join, setup_org
from support.paths import EXAMPLE_PLAN

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * (300 * 1024 - 8)  # a 300 KB "photo"


async def world(tmp_path, **limits):
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'd.db'}")
    await db.upgrade()
    org = await setup_org(db, EXAMPLE_PLAN)
    settings = Settings(data_dir=tmp_path / "data", public_base_url="https://t.test", **limits)
    chat = Chat(db, settings)
    await join(chat, "klang", await invite_code(db, org, Role.MEMBER, "กองคลัง"), "สมศรี คลัง 081-234-5678")
    token = re.search(r"#t=(\S+)", (await chat.type("klang", "/form")).text).group(1)
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(settings, db)), base_url="https://t.test")
    auth = {
        "Authorization": "Bearer " + (await client.post("/form/api/session", json={"link": token})).json()["session"]
    }
    return db, org, settings, chat, client, auth


def upload_headers(auth, item) -> dict:
    return {**auth, "Content-Type": "image/png", "X-Tidtam-Item": str(item["item"]), "X-Tidtam-Unit": str(item["unit"])}


def evidence_mb(settings: Settings, org: int) -> float:
    folder = settings.data_dir / "evidence" / str(org)
    return sum(f.stat().st_size for f in folder.glob("*")) / 1024 / 1024 if folder.exists() else 0.0


async def test_upload_and_send_again_cannot_fill_the_disk(tmp_path):
    db, org, settings, _chat, c, auth = await world(tmp_path, evidence_person_mb_day=2)
    items = (await c.get("/form/api/items", headers=auth)).json()["items"]
    refused = None
    for _cycle in range(5):  # ten uploads, send, again: the probe's loop
        for it in items[:2]:
            for _ in range(5):
                r = await c.post("/form/api/evidence", content=PNG, headers=upload_headers(auth, it))
                if r.status_code != 200:
                    refused = r
                    break
            if refused:
                break
        if refused:
            break
        now = (await c.get("/form/api/items", headers=auth)).json()["items"]
        entries = [
            {
                "item": i["item"],
                "unit": i["unit"],
                "base": i["answer"]["id"] if i["answer"] else None,
                "status": "in_progress",
                "done": "ทำแล้ว",
                "qty": "1",
                "disbursed": "-",
            }
            for i in now[:2]
        ]
        assert (await c.post("/form/api/submit", headers=auth, json={"answers": entries})).status_code == 200
    assert refused is not None and refused.status_code in (422, 507)
    assert "24 ชั่วโมง" in refused.json()["error"]
    assert evidence_mb(settings, org) <= 2.0  # the person's day, not 61 MB
    await c.aclose()
    await db.dispose()


async def test_below_the_floor_uploads_stop_in_thai_before_a_byte_is_read(tmp_path):
    db, org, settings, chat, c, auth = await world(tmp_path, disk_floor_mb=10**9)
    it = (await c.get("/form/api/items", headers=auth)).json()["items"][0]
    r = await c.post("/form/api/evidence", content=PNG, headers=upload_headers(auth, it))
    assert r.status_code == 507 and "ใกล้เต็ม" in r.json()["error"]
    ready = (await c.get("/readyz")).json()
    assert ready["status"] == "ready" and ready["warning"] == "disk low" and ready["disk_free_mb"] >= 0
    said = await chat.press("klang", (await chat.type("klang", "/report")).buttons[0].data)
    said = await chat.press("klang", said.button("อยู่ระหว่าง"))
    said = await chat.send_file("klang", "รูป.png", PNG, kind="photo", mime="image/png")
    assert "ใกล้เต็ม" in said.text
    assert evidence_mb(settings, org) == 0
    await c.aclose()
    await db.dispose()


async def test_files_nothing_refers_to_are_swept_after_retention_and_forget_erases(tmp_path):
    db, org, settings, _chat, c, auth = await world(tmp_path, evidence_retention_days=30)
    items = (await c.get("/form/api/items", headers=auth)).json()["items"]
    for it in items[:2]:
        assert (await c.post("/form/api/evidence", content=PNG, headers=upload_headers(auth, it))).status_code == 200
    entry = {
        "item": items[0]["item"],
        "unit": items[0]["unit"],
        "base": None,
        "status": "in_progress",
        "done": "โทร 081-234-5678",
        "qty": "1",
        "disbursed": "-",
    }
    assert (await c.post("/form/api/submit", headers=auth, json={"answers": [entry]})).status_code == 200
    body = {"item": items[1]["item"], "unit": items[1]["unit"], "fields": {"done": "ร่าง: โทร 081-234-5678"}}
    assert (await c.put("/form/api/draft", headers=auth, json=body)).status_code == 200
    folder = settings.data_dir / "evidence" / str(org)
    orphan = folder / "999-abandoned.png"
    orphan.write_bytes(PNG)
    old = time.time() - 40 * 86400
    for f in folder.glob("*"):
        os.utime(f, (old, old))
    fresh_orphan = folder / "999-recent.png"
    fresh_orphan.write_bytes(PNG)
    swept = await housekeep(db, settings, dt.datetime.now(dt.UTC), force=True)
    assert swept["files"] == 1 and not orphan.exists() and fresh_orphan.exists()
    assert len(list(folder.glob("*"))) == 3  # the answer's file, the draft's file, the recent one

    async with db.session() as s:
        person = await s.get(Person, 1)
        counts = await forget_person(s, org, person, actor="test", data_dir=settings.data_dir)
    assert counts["drafts"] == 1 and counts["files_deleted"] == 1  # the draft's file; the answer's stays
    async with db.session(commit=False) as s:
        assert (await s.exec(select(FormDraft))).all() == [] and (await s.exec(select(FormPass))).all() == []
        answer = (await s.exec(select(StatusReport))).one()
    assert (settings.data_dir / answer.evidence[0]["path"]).exists()
    assert (await c.get("/form/api/items", headers=auth)).status_code == 401  # the page's session is gone
    await c.aclose()
    await db.dispose()


def test_every_table_that_names_a_person_is_in_the_erasure_inventory():
    import storage.models  # noqa: F401  (the tables)

    naming = {
        t.name
        for t in SQLModel.metadata.sorted_tables
        if {c.name for c in t.columns} & {"person_id", "account_id", "external_id", "chat_id", "actor"}
    }
    assert naming - set(ERASURE) == set(), "a new table names a person: say what `person forget` does to it"
