"""Settings from the environment and ``.env`` (pydantic-settings); every one is in .env.example."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    data_dir: Path = Field(Path("data"), description="where the SQLite file, uploads and exports live")
    database_url: str = Field("", description="SQLAlchemy URL; empty means SQLite in data_dir")
    tidtam_lang: str = Field("th", description="language of CLI output: th or en")
    tidtam_org: str = Field("", description="organisation the CLI acts on when the database holds several")

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return normalise_database_url(self.database_url)
        return f"sqlite+aiosqlite:///{(self.data_dir / 'tidtam.db').as_posix()}"


def normalise_database_url(url: str) -> str:
    """Accept the URLs people copy from their hosting (postgres://, sqlite:///) and pick async drivers."""
    for plain, driver in (("postgres://", "postgresql+asyncpg://"), ("postgresql://", "postgresql+asyncpg://"),
                          ("sqlite://", "sqlite+aiosqlite://")):
        if url.startswith(plain):
            return driver + url[len(plain):]
    return url


@cache
def get_settings() -> Settings:
    return Settings()
