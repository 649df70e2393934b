"""The form's writes at the same moment, on SQLite and on PostgreSQL (where transactions really overlap): ten
first saves of one draft make one row and no error, twenty uploads at once are all kept (or refused, never
acknowledged then lost), and two sends of one item with no answer seen: one is saved, the other is asked."""

from __future__ import annotations

import asyncio
import re

import httpx
from sqlmodel import select

from base.settings import Settings
from bot.web.app import create_app
from storage.models import FormDraft, Role, StatusReport
from support.chat import Chat, invite_code, join, setup_org
from support.paths import EXAMPLE_PLAN

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 1024


async def opened(db, tmp_path, users=("klang",)):
    org = await setup_org(db, EXAMPLE_PLAN)
    settings = Settings(data_dir=tmp_path / "data", public_base_url="https://t.test")
    chat = Chat(db, settings)
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(settings, db)), base_url="https://t.test")
    auths = []
    for user in users:
        await join(chat, user, await invite_code(db, org, Role.MEMBER, "กองคลัง"), f"คน {user}")
        token = re.search(r"#t=(\S+)", (await chat.type(user, "/form")).text).group(1)
        session = (await client.post("/form/api/session", json={"link": token})).json()["session"]
        auths.append({"Authorization": f"Bearer {session}"})
    items = (await client.get("/form/api/items", headers=auths[0])).json()["items"]
    return client, auths, items


async def test_ten_first_draft_saves_at_once(db, tmp_path):
    client, (auth,), items = await opened(db, tmp_path)
    it = items[0]
    body = {"item": it["item"], "unit": it["unit"], "fields": {"status": "in_progress", "done": "พร้อมกัน"}}
    codes = await asyncio.gather(*(client.put("/form/api/draft", headers=auth, json=body) for _ in range(10)))
    assert [r.status_code for r in codes] == [200] * 10
    async with db.session(commit=False) as s:
        assert len((await s.exec(select(FormDraft))).all()) == 1
    await client.aclose()


async def test_twenty_uploads_at_once_none_acknowledged_then_lost(db, tmp_path):
    client, (auth,), items = await opened(db, tmp_path)
    it = items[0]
    headers = {**auth, "Content-Type": "image/png", "X-Tidtam-Item": str(it["item"]), "X-Tidtam-Unit": str(it["unit"])}
    done = await asyncio.gather(*(client.post("/form/api/evidence", content=PNG, headers=headers) for _ in range(20)))
    saved = [r for r in done if r.status_code == 200]
    assert len(saved) == 10 and all(r.status_code == 422 for r in done if r.status_code != 200)  # ten, then refused
    async with db.session(commit=False) as s:
        draft = (await s.exec(select(FormDraft))).one()
    assert len(draft.fields["evidence"]) == 10  # every "saved" is in the draft
    await client.aclose()


async def test_two_people_sending_one_item_with_no_answer_seen(db, tmp_path):
    client, auths, items = await opened(db, tmp_path, users=("klang", "klang2"))
    it = items[0]
    entry = {"item": it["item"], "unit": it["unit"], "base": None, "status": "not_started"}
    results = await asyncio.gather(
        *(client.post("/form/api/submit", headers=a, json={"answers": [entry]}) for a in auths)
    )
    assert sorted(r.status_code for r in results) == [200, 422]
    asked = next(r for r in results if r.status_code == 422).json()
    assert list(asked["newer"]) == [f"{it['item']}:{it['unit']}"]
    async with db.session(commit=False) as s:
        assert len((await s.exec(select(StatusReport))).all()) == 1
    await client.aclose()
