"""Settings from the environment and ``.env`` (pydantic-settings); every one is in .env.example."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from urllib.parse import urlsplit

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

LOOPBACK = ("127.0.0.1", "localhost", "::1")  # a test Bot API server may call an http webhook here


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    data_dir: Path = Field(
        Path("data"), description="the SQLite file `tidtam.db`, evidence, exports, logs (`logs/tidtam-errors.log`)"
    )
    database_url: str = Field(
        "",
        description="empty: SQLite in DATA_DIR; `postgresql://user:pass@host/db` for PostgreSQL "
        "(asyncpg is picked for you)",
    )
    new_installation: bool = Field(
        False,
        description="allow creating a new SQLite file where DATA_DIR still holds an earlier database's evidence, "
        "exports, logs or backups (refused otherwise: the file was lost, restore it)",
    )
    tidtam_lang: str = Field("th", description="language of CLI output: th or en")
    tidtam_org: str = Field("", description="organisation the CLI acts on when the database holds several")
    log_level: str = Field("INFO", description="DEBUG, INFO, WARNING or ERROR")
    log_format: str = Field("text", description="text or json (one JSON object a line)")
    secrets_key: str = Field(
        "",
        description="Fernet key(s), comma-separated, newest first, sealing LINE channel secrets in the database; "
        "empty: a key made once in DATA_DIR/secrets.key (keep it with your backups, apart from them)",
    )
    evidence_max_mb: int = Field(20, ge=1, description="largest evidence file a person may send, in MB")
    evidence_person_mb_day: int = Field(200, ge=1, description="evidence one person may upload in 24 hours, in MB")
    evidence_org_mb: int = Field(5000, ge=1, description="an organisation's evidence folder at most, in MB")
    evidence_retention_days: int = Field(
        30, ge=1, description="days an uploaded file nothing refers to (an abandoned draft's) is kept before deletion"
    )
    disk_floor_mb: int = Field(
        500, ge=0, description="free disk below which uploads are refused and the admins warned (at twice it)"
    )
    import_memory_mb: int = Field(512, ge=16, description="address space of the child that reads a plan file")
    import_seconds: float = Field(30, gt=0, description="wall clock and CPU time of that child")

    work_hours: str = Field("08:30-16:30", description="when reminders may be sent, Asia/Bangkok, working days")
    digest_at: str = Field("mon 08:30", description="weekday and time of the managers' weekly digest")
    reminder_rungs: str = Field(
        "open,d7,d3,d1,due,overdue,head,thanks", description="reminder rungs that are on (reminders.md)"
    )
    reminder_repeat_hours: int = Field(
        20,
        ge=0,
        le=24 * 14,
        description="a unit's reminder is not pushed to the same chat again within this many hours (ladder and "
        "/remind alike; about a working day: this morning's is not repeated today, tomorrow's rung still goes)",
    )
    run_scheduler: bool = Field(True, description="run the minute tick and the outbox dispatcher in this process")

    report_org_name: str = Field("", description="organisation name on documents; empty: as registered")
    report_org_address: str = Field("", description="address and phone line under the name on documents")
    report_doc_prefix: str = Field("", description="document number prefix of the memo (ที่), e.g. ขก ๗๓๒๐๑")
    report_digits: str = Field("thai", description="digits in documents: thai or arabic")
    report_emblem: Path | None = Field(
        None, description="an emblem image (PNG/JPEG, e.g. the Garuda) at the top left of the memo; none is shipped"
    )
    report_carried_out: str = Field(
        "completed", description="what counts as carried out: `completed` or `completed,in_progress`"
    )

    telegram_bot_token: str = Field("", description="from @BotFather; empty: no Telegram")
    telegram_bot_username: str = Field("", description="for invite links; read from Telegram (getMe) when empty")
    telegram_webhook_url: str = Field("", description="public https URL of /telegram/webhook; empty: long polling")
    telegram_webhook_secret: str = Field("", description="checked against X-Telegram-Bot-Api-Secret-Token")
    telegram_poll_interval: float = Field(
        0.0, ge=0, description="seconds between Telegram long polls (without TELEGRAM_WEBHOOK_URL)"
    )
    telegram_api_base_url: str = Field(
        "",
        description="another Bot API server (tests, a local Bot API server), without `/bot`; checked at start; "
        "empty: Telegram's",
    )
    telegram_rate_limiter: bool = Field(True, description="throttle sends to Telegram's limits (AIORateLimiter)")

    line_channel_secret: str = Field("", description="LINE Messaging API channel secret; empty: LINE is off")
    line_channel_access_token: str = Field("", description="LINE channel access token (long-lived)")
    line_api_base_url: str = Field("", description="LINE API server, for test servers; empty: LINE's")
    line_quota_warn_percent: int = Field(80, description="tell admins when this share of the quota is used")
    line_quota_stop_percent: int = Field(95, description="stop non-essential pushes from this share on")
    line_liff_id: str = Field(
        "", description="LIFF app ID of the answer form (a LINE Login channel's LIFF tab; docs/form.md); empty: links"
    )
    line_login_channel_id: str = Field("", description="that LINE Login channel's ID: the audience of its ID tokens")
    line_login_channel_secret: str = Field(
        "", description="that LINE Login channel's secret: the overseers' page's sign-in with LINE; empty: none"
    )
    line_login_api_base_url: str = Field(
        "", description="LINE Login's API server (ID token verify), for test servers; empty: LINE's"
    )
    public_base_url: str = Field(
        "", description="https address of this web app: LINE download links, the form's Mini App and LIFF"
    )
    download_link_hours: int = Field(24, description="how long a download link works")

    web_host: str = Field("127.0.0.1", description="where the web app listens")
    web_port: int = Field(8000, description="port of the web app (webhooks, health)")
    web_workers: int = Field(
        1, ge=1, le=64, description="web worker processes (uvicorn); more than one needs PostgreSQL — see production.md"
    )

    def problems(self) -> list[str]:
        """What is wrong with these settings, each a sentence for the person who set them (checked at start)."""

        from locales.i18n import _

        found = []
        for name in (
            "telegram_api_base_url",
            "line_api_base_url",
            "line_login_api_base_url",
            "telegram_webhook_url",
            "public_base_url",
        ):
            value = getattr(self, name)
            parts = urlsplit(value) if value else None
            if parts is not None and (parts.scheme not in ("http", "https") or not parts.hostname):
                found.append(
                    _("{setting} must be an address such as https://example.go.th (got {value})").format(
                        setting=name.upper(), value=value[:80]
                    )
                )
        base = self.telegram_api_base_url.rstrip("/")
        if urlsplit(base).path.rsplit("/", 1)[-1].startswith("bot"):
            found.append(
                _(
                    "TELEGRAM_API_BASE_URL is the Bot API server's address without /bot: Tidtam adds "
                    "/bot and the token itself (got {value})"
                ).format(value=base[:80])
            )
        hook = urlsplit(self.telegram_webhook_url)
        if self.telegram_webhook_url and hook.scheme != "https" and hook.hostname not in LOOPBACK:
            found.append(_("TELEGRAM_WEBHOOK_URL must start with https:// (Telegram calls only https webhooks)"))
        if self.log_format not in ("text", "json"):
            found.append(_("LOG_FORMAT is text or json (got {value})").format(value=self.log_format[:20]))
        if self.line_liff_id and not self.line_login_channel_id:
            found.append(_("LINE_LIFF_ID needs LINE_LOGIN_CHANNEL_ID, to check the ID tokens LIFF gives the form"))
        if self.web_workers > 1 and not self.database_url:
            found.append(_("WEB_WORKERS above 1 needs PostgreSQL (DATABASE_URL): SQLite has one writer"))
        return found

    @property
    def web_base_url(self) -> str:
        """Where people reach this web app: PUBLIC_BASE_URL, else where it listens (development, the simulator)."""
        return self.public_base_url.rstrip("/") or f"http://{self.web_host}:{self.web_port}"

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return normalise_database_url(self.database_url)
        return f"sqlite+aiosqlite:///{(self.data_dir / 'tidtam.db').as_posix()}"


def normalise_database_url(url: str) -> str:
    """Accept the URLs people copy from their hosting (postgres://, sqlite:///) and pick async drivers."""
    for plain, driver in (
        ("postgres://", "postgresql+asyncpg://"),
        ("postgresql://", "postgresql+asyncpg://"),
        ("sqlite://", "sqlite+aiosqlite://"),
    ):
        if url.startswith(plain):
            return driver + url[len(plain) :]
    return url


@cache
def get_settings() -> Settings:
    return Settings()


def reference() -> str:
    """docs/configuration.md, made from the fields above: the one source of what each setting means."""
    lines = [
        "# Configuration",
        "",
        "<!-- generated from base/settings.py by `python -m base.settings > docs/configuration.md`; "
        "a test fails when it differs -->",
        "",
        "Settings come from the environment or a `.env` file (pydantic-settings); `.env.example` lists them all.",
        "",
        "| setting | default | meaning |",
        "|---|---|---|",
    ]
    for name, field in Settings.model_fields.items():
        default = field.default
        shown = (
            f"`{str(default).lower() if isinstance(default, bool) else default}`"
            if default not in ("", None)
            else "empty"
        )
        lines.append(f"| `{name.upper()}` | {shown} | {field.description} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(reference(), end="")
