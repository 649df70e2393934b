"""LINE channel secrets at rest: sealed with a key that is not in the database (SECRETS_KEY, else a 0600 key
file in DATA_DIR made once), the clear values of an earlier version sealed at the next start, and a wrong key
refused in Thai rather than sending with garbage."""

from __future__ import annotations

import asyncio
import stat

import pytest
from cryptography.fernet import Fernet
from sqlmodel import select
from starlette.testclient import TestClient

from base.settings import Settings
from bot.web.app import create_app
from locales.errors import UserError
from storage.db import Database
from storage.models import LineChannel, OrgKind
from storage.repo import create_organisation
from storage.sealed import Sealer, is_sealed, sealer

SECRET, TOKEN = "5e" * 16, "T" * 60


def test_a_key_file_is_made_once_private_and_seals(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRETS_KEY", raising=False)
    settings = Settings(data_dir=tmp_path / "data")
    sealed = sealer(settings).seal(SECRET)
    key = tmp_path / "data" / "secrets.key"
    assert is_sealed(sealed) and SECRET not in sealed and stat.S_IMODE(key.stat().st_mode) == 0o600
    assert Sealer([key.read_bytes()]).unseal(sealed) == SECRET  # the file's key is the one that sealed
    with pytest.raises(UserError, match="SECRETS_KEY"):
        Sealer([Fernet.generate_key()]).unseal(sealed)  # another key: refused in words
    rotated = Sealer([Fernet.generate_key(), key.read_bytes()])  # a new key first, the old one after it
    assert rotated.unseal(sealed) == SECRET


def test_channels_stored_in_the_clear_are_sealed_at_the_next_start(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRETS_KEY", raising=False)
    url = f"sqlite+aiosqlite:///{tmp_path / 'c.db'}"

    async def earlier_version() -> None:
        db = Database(url)
        await db.upgrade()
        async with db.session() as s:
            org = await create_organisation(s, name="o", kind=OrgKind.SAO, province="p", district="d", fiscal_year=2569)
            s.add(LineChannel(org_id=org.id, name="nueng", secret=SECRET, access_token=TOKEN))
        await db.dispose()

    asyncio.run(earlier_version())
    settings = Settings(data_dir=tmp_path / "data", database_url=url, run_scheduler=False)
    with TestClient(create_app(settings)) as client:
        assert client.get("/healthz").status_code == 200

    async def stored() -> LineChannel:
        db = Database(url)
        async with db.session(commit=False) as s:
            row = (await s.exec(select(LineChannel))).one()
        await db.dispose()
        return row

    row = asyncio.run(stored())
    assert is_sealed(row.secret) and is_sealed(row.access_token)
    assert sealer(settings).unseal(row.secret) == SECRET and sealer(settings).unseal(row.access_token) == TOKEN
    assert SECRET.encode() not in b"".join(f.read_bytes() for f in tmp_path.glob("c.db*"))
