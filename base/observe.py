"""Logs and metrics for operators: secrets never logged, message texts not logged at INFO, optional JSON
lines; Prometheus counters for updates, sends, ticks and the outbox."""

from __future__ import annotations

import json
import logging
import re
from urllib.parse import unquote, urlsplit

from prometheus_client import CONTENT_TYPE_LATEST, Counter, Gauge, Histogram, generate_latest

from base.settings import Settings

UPDATES = Counter("tidtam_updates_total", "Platform events handled", ["platform", "outcome"])
SENDS = Counter("tidtam_sends_total", "Outbox sends", ["platform", "outcome"])
TICK_SECONDS = Histogram(
    "tidtam_tick_seconds", "Duration of the minute tick", buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)
)
OUTBOX_DEPTH = Gauge("tidtam_outbox_depth", "Outbox rows waiting to be sent")


def metrics_payload() -> tuple[bytes, str]:
    return generate_latest(), CONTENT_TYPE_LATEST


_secrets: re.Pattern[str] | None = None


def remember_secrets(values: list[str]) -> None:
    """The values ``redact`` hides: each configured secret, and a bot token's part after the colon too."""
    global _secrets
    parts = set()
    for value in values:
        if value and len(value) >= 6:
            parts.add(value)
            tail = value.split(":", 1)[-1]
            if len(tail) >= 16:
                parts.add(tail)
    _secrets = re.compile("|".join(re.escape(p) for p in sorted(parts, key=len, reverse=True))) if parts else None


def redact(text: str) -> str:
    """``text`` with every secret replaced by ***: for any line a log, a file or a terminal gets."""
    return _secrets.sub("***", text) if _secrets is not None and text else text


class Redacting(logging.Formatter):
    """Formats with ``inner``, then redacts the whole result: message, arguments, traceback and all."""

    def __init__(self, inner: logging.Formatter):
        super().__init__()
        self.inner = inner

    def format(self, record: logging.LogRecord) -> str:
        return redact(self.inner.format(record))


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        data = {
            "time": self.formatTime(record),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            data["error"] = self.formatException(record.exc_info)
        return json.dumps(data, ensure_ascii=False)


def secrets_of(settings: Settings) -> list[str]:

    password = ""
    if settings.database_url:
        try:  # the URL's own parsing (a database URL is one), not the database library's: base knows no SQL
            password = unquote(urlsplit(settings.database_url).password or "")
        except ValueError:
            password = ""
    return [
        settings.telegram_bot_token,
        settings.telegram_webhook_secret,
        settings.line_channel_secret,
        settings.line_channel_access_token,
        settings.line_login_channel_secret,
        settings.secrets_key,
        password,
    ]


def configure_logging(settings: Settings) -> None:
    """One root handler that redacts every secret from whatever it writes, tracebacks included; uvicorn's
    loggers and Python's warnings go through it too (uvicorn is started with ``log_config=None``). HTTP
    client request lines (which carry the bot token in their URL) only from WARNING up."""
    remember_secrets(secrets_of(settings))
    root = logging.getLogger()
    root.setLevel(getattr(logging, settings.log_level.upper(), logging.INFO))
    handler = logging.StreamHandler()
    handler.setFormatter(
        Redacting(
            JsonFormatter()
            if settings.log_format == "json"
            else logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
        )
    )
    root.handlers = [handler]
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logging.getLogger(name).handlers = []
        logging.getLogger(name).propagate = True
    logging.captureWarnings(True)
    for noisy in ("httpx", "httpcore", "telegram.ext.Updater", "apscheduler.executors.default"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
