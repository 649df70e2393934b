"""A push LINE answers 409 was accepted earlier under its retry key — delivered, and in LINE's count: ours
counts it too."""

from __future__ import annotations

from sqlmodel import select

from base.events import Message
from base.settings import Settings
from bot.adapters.line import LineAdapter
from storage.db import Database
from storage.models import LineUsage


async def test_a_409_push_is_counted(tmp_path, monkeypatch):
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'u.db'}")
    await db.upgrade()
    adapter = LineAdapter(
        Settings(
            data_dir=tmp_path,
            line_channel_secret="s",
            line_channel_access_token="t",
            line_api_base_url="http://127.0.0.1:9",
        ),
        db,
    )
    outcomes = iter([200, 409, 200])  # the second: accepted earlier under its retry key

    async def post(path, payload, headers=None):
        return next(outcomes), "", {}

    monkeypatch.setattr(adapter, "_post", post)
    for key in ("a", "b", "c"):
        await adapter.push("U" + "1" * 32, await adapter.render(Message("แจ้งเตือน"), to="U" + "1" * 32), key)
    await adapter.flush_counts()
    async with db.session(commit=False) as s:
        assert (await s.exec(select(LineUsage))).one().pushed == 3
    await adapter.close()
    await db.dispose()
