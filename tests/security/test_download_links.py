"""One-time download links: a HEAD or a Range request does not spend one; of concurrent GETs exactly one
gets the file (on PostgreSQL too)."""

from __future__ import annotations

import asyncio

import pytest
from starlette.testclient import TestClient

from base.settings import Settings
from bot.web.app import create_app
from storage.db import Database
from storage.files import link_for, redeem
from support.chat import setup_org
from support.paths import EXAMPLE_PLAN

CONTENT = b"%PDF-1.4 the round's report " * 100


async def _link(db: Database, settings: Settings) -> str:
    await db.upgrade()
    org = await setup_org(db, EXAMPLE_PLAN)
    path = settings.data_dir / "exports" / "report.pdf"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(CONTENT)
    async with db.session() as s:
        url = await link_for(s, settings, path, "รายงาน.pdf", platform="line", external_id="", org_id=org)
    return url.rsplit("/", 1)[1]


def test_head_and_range_do_not_spend_a_link(tmp_path):
    settings = Settings(
        data_dir=tmp_path / "data", database_url=f"sqlite+aiosqlite:///{tmp_path / 'f.db'}", run_scheduler=False
    )
    db = Database(settings.effective_database_url)
    token = asyncio.run(_link(db, settings))
    asyncio.run(db.dispose())
    with TestClient(create_app(settings)) as client:
        head = client.head(f"/files/{token}")
        assert head.status_code == 200 and head.content == b""
        assert client.get(f"/files/{token}", headers={"Range": "bytes=0-10"}).status_code == 416
        full = client.get(f"/files/{token}")
        assert full.status_code == 200 and full.content == CONTENT
        assert full.headers["cache-control"] == "no-store"
        assert client.get(f"/files/{token}").status_code == 404
        assert client.head(f"/files/{token}").status_code == 404


@pytest.mark.parametrize("db_url", ["sqlite", "postgres"], indirect=True)
async def test_twenty_concurrent_redeems_deliver_once(db_url, tmp_path):
    settings = Settings(data_dir=tmp_path / "data")
    db = Database(db_url)
    token = await _link(db, settings)
    others = [Database(db_url) for _ in range(4)]  # as from several worker processes: engines of their own

    async def one(i: int):
        async with others[i % 4].session() as s:
            return await redeem(s, settings, token)

    results = await asyncio.gather(*(one(i) for i in range(20)))
    assert sum(r is not None for r in results) == 1
    for d in [db, *others]:
        await d.dispose()
