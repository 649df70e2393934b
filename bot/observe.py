"""Logs and metrics for operators: secrets never logged, message texts not logged at INFO, optional JSON
lines; Prometheus counters for updates, sends, ticks and the outbox."""

from __future__ import annotations

import json
import logging
import re

from prometheus_client import CONTENT_TYPE_LATEST, Counter, Gauge, Histogram, generate_latest

from bot.settings import Settings

UPDATES = Counter("tidtam_updates_total", "Platform events handled", ["platform", "outcome"])
SENDS = Counter("tidtam_sends_total", "Outbox sends", ["platform", "outcome"])
TICK_SECONDS = Histogram("tidtam_tick_seconds", "Duration of the minute tick",
                         buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30))
OUTBOX_DEPTH = Gauge("tidtam_outbox_depth", "Outbox rows waiting to be sent")


def metrics_payload() -> tuple[bytes, str]:
    return generate_latest(), CONTENT_TYPE_LATEST


class Redact(logging.Filter):
    """Replace every configured secret (tokens, channel secret, DB password) wherever it shows up."""

    def __init__(self, secrets: list[str]):
        super().__init__()
        self.pattern = re.compile("|".join(re.escape(s) for s in secrets if s and len(s) >= 6)) if any(
            s and len(s) >= 6 for s in secrets) else None

    def filter(self, record: logging.LogRecord) -> bool:
        if self.pattern is not None:
            message = record.getMessage()
            redacted = self.pattern.sub("***", message)
            if redacted != message:
                record.msg, record.args = redacted, ()
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        data = {"time": self.formatTime(record), "level": record.levelname, "logger": record.name,
                "message": record.getMessage()}
        if record.exc_info:
            data["error"] = self.formatException(record.exc_info)
        return json.dumps(data, ensure_ascii=False)


def secrets_of(settings: Settings) -> list[str]:
    from sqlalchemy.engine import make_url

    password = ""
    if settings.database_url:
        try:
            password = make_url(settings.database_url).password or ""
        except Exception:
            password = ""
    return [settings.telegram_bot_token, settings.telegram_webhook_secret, settings.line_channel_secret,
            settings.line_channel_access_token, password]


def configure_logging(settings: Settings) -> None:
    """Root handler with the secrets filter; HTTP client request lines (which carry the bot token in their
    URL) only from WARNING up."""
    root = logging.getLogger()
    root.setLevel(getattr(logging, settings.log_level.upper(), logging.INFO))
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter() if settings.log_format == "json" else
                         logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(Redact(secrets_of(settings)))
    root.handlers = [handler]
    for noisy in ("httpx", "httpcore", "telegram.ext.Updater", "apscheduler.executors.default"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
