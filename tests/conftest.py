"""Shared fixtures: a fresh database per test on SQLite and on a real PostgreSQL on loopback.

PostgreSQL comes from TIDTAM_TEST_PG_URL (an existing server whose user may create
databases) or, failing that, a throwaway cluster this suite starts from the Debian
server binaries (`make test` installs them). A missing server fails the run: it is
never skipped.
"""

from __future__ import annotations

import os
import shutil

import pytest

from base.settings import get_settings
from locales.i18n import set_language
from storage.db import Database
from support.postgres import fresh_pg_database, pg_bin, throwaway_cluster

pytest_plugins = ["support.telegram", "support.line", "support.browser"]  # emulator, prism, browser


@pytest.fixture(scope="session")
def pg_server():
    """A PostgreSQL URL (asyncpg driver) whose user may create databases."""
    url = os.environ.get("TIDTAM_TEST_PG_URL")
    if url:
        yield url.replace("postgresql://", "postgresql+asyncpg://", 1)
        return
    if pg_bin() is None:
        pytest.fail(
            "PostgreSQL server binaries not found: run `make test` (it installs Debian's postgresql) "
            "or set TIDTAM_TEST_PG_URL"
        )
    with throwaway_cluster("fsync=off") as server:
        yield server


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


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory):
    """An empty SQLite database at the head revision, migrated once per test process."""
    import asyncio
    import concurrent.futures

    path = tmp_path_factory.mktemp("template") / "head.db"

    async def build() -> None:
        database = Database(f"sqlite+aiosqlite:///{path}", new_installation=True)
        await database.upgrade()
        await database.dispose()

    with concurrent.futures.ThreadPoolExecutor(1) as pool:  # a loop of its own: Playwright's may be running here
        pool.submit(asyncio.run, build()).result()
    return path


@pytest.fixture(autouse=True)
def migrate_by_copy(request, monkeypatch):
    """A new SQLite file starts as a copy of the migrated template (0.3 s of Alembic saved a database); the
    real upgrade still runs and finds nothing to do. Tests marked ``migrations`` migrate for real."""
    if request.node.get_closest_marker("migrations"):
        return
    template = request.getfixturevalue("migrated_template")
    upgrade = Database.upgrade

    async def from_template(self, revision: str = "head") -> None:
        if revision == "head" and self.file is not None and not self.file.exists() and self.file.parent.is_dir():
            self._refuse_silent_new_file()
            shutil.copyfile(template, self.file)
        await upgrade(self, revision)

    monkeypatch.setattr(Database, "upgrade", from_template)


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


SERVERS = {"pg_server": "postgres", "emulator": "peers", "prism": "peers", "browser": "browser"}


def pytest_collection_modifyitems(items):
    """Mark what a test needs, from the fixtures it asks for: `make test-fast` leaves those out."""
    for item in items:
        needs = {SERVERS[name] for name in getattr(item, "fixturenames", ()) if name in SERVERS}
        callspec = getattr(item, "callspec", None)
        if callspec is not None and callspec.params.get("db_url") == "postgres":
            needs.add("postgres")
        for marker in needs:
            item.add_marker(marker)
