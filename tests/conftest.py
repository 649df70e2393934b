"""Shared fixtures: a fresh database per test on SQLite and on a real PostgreSQL on loopback.

PostgreSQL comes from TIDTAM_TEST_PG_URL (an existing server whose user may create
databases) or, failing that, a throwaway cluster this suite starts from the Debian
server binaries (`make test` installs them). A missing server fails the run: it is
never skipped.
"""

from __future__ import annotations

import asyncio
import glob
import itertools
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import pytest

from bot.settings import get_settings
from locales.i18n import set_language
from storage.db import Database

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE_PLAN = ROOT / "examples" / "plan-example.csv"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _pg_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


@pytest.fixture(scope="session")
def pg_server():
    """A PostgreSQL URL (asyncpg driver) whose user may create databases."""
    url = os.environ.get("TIDTAM_TEST_PG_URL")
    if url:
        yield url.replace("postgresql://", "postgresql+asyncpg://", 1)
        return
    bindir = _pg_bin()
    if bindir is None:
        pytest.fail("PostgreSQL server binaries not found: run `make test` (it installs Debian's postgresql) "
                    "or set TIDTAM_TEST_PG_URL")
    workdir = Path(tempfile.mkdtemp(prefix="tidtam-pg-"))
    datadir = workdir / "data"
    as_user: list[str] = []
    if os.geteuid() == 0:  # initdb refuses to run as root
        shutil.chown(workdir, "postgres", "postgres")
        as_user = ["runuser", "-u", "postgres", "--"]
    port = _free_port()
    subprocess.run([*as_user, str(bindir / "initdb"), "-D", str(datadir), "-U", "tidtam", "--auth=trust",
                    "-E", "UTF8", "--locale=C.UTF-8"], check=True, capture_output=True)
    log = workdir / "server.log"
    subprocess.run([*as_user, str(bindir / "pg_ctl"), "-D", str(datadir), "-l", str(log), "-w", "-o",
                    f"-p {port} -k {workdir} -c listen_addresses=127.0.0.1 -c fsync=off", "start"],
                   check=True, capture_output=True)
    try:
        yield f"postgresql+asyncpg://tidtam@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run([*as_user, str(bindir / "pg_ctl"), "-D", str(datadir), "-m", "immediate", "stop"],
                       capture_output=True)
        shutil.rmtree(workdir, ignore_errors=True)


_counter = itertools.count()


def fresh_pg_database(server_url: str) -> str:
    """Create an empty database on the test server and return its URL."""
    import asyncpg

    name = f"tidtam_test_{os.getpid()}_{next(_counter)}"
    plain = server_url.replace("postgresql+asyncpg://", "postgresql://", 1)

    async def create() -> None:
        conn = await asyncpg.connect(plain)
        try:
            await conn.execute(f'CREATE DATABASE "{name}"')
        finally:
            await conn.close()

    asyncio.run(create())
    return server_url.rsplit("/", 1)[0] + "/" + name


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request, tmp_path) -> str:
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'tidtam.db'}"
    return fresh_pg_database(request.getfixturevalue("pg_server"))


@pytest.fixture
async def db(db_url):
    database = Database(db_url)
    await database.upgrade()
    yield database
    await database.dispose()


@pytest.fixture(autouse=True)
def thai_by_default():
    set_language("th")
    yield


@pytest.fixture
def cli_env(tmp_path, monkeypatch):
    """Run the CLI in-process against a fresh SQLite file in tmp_path."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("TIDTAM_ORG", raising=False)
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("TIDTAM_LANG", "th")
    get_settings.cache_clear()
    yield tmp_path
    get_settings.cache_clear()
