"""For operators: secrets never reach the logs, JSON logs, readiness, metrics, and a shutdown that drains."""

from __future__ import annotations

import json
import logging

from base.observe import JsonFormatter, Redacting, remember_secrets, secrets_of
from base.settings import Settings


def test_tokens_are_redacted_from_any_log_line(caplog):
    settings = Settings(
        telegram_bot_token="123456:SECRET-TOKEN-abc",
        line_channel_access_token="line-token-xyz",
        database_url="postgresql://tidtam:pg-password-1@db/tidtam",
    )
    record = logging.LogRecord(
        "httpx",
        logging.INFO,
        __file__,
        1,
        "POST https://api.telegram.org/bot%s/getUpdates with %s and %s",
        (settings.telegram_bot_token, "line-token-xyz", "pg-password-1"),
        None,
    )
    remember_secrets(secrets_of(settings))
    text = Redacting(logging.Formatter("%(message)s")).format(record)
    assert "SECRET-TOKEN" not in text and "line-token" not in text and "pg-password" not in text
    assert text.count("***") == 3


def test_json_log_lines():
    record = logging.LogRecord("tidtam", logging.WARNING, __file__, 1, "outbox %s failed", (7,), None)
    data = json.loads(JsonFormatter().format(record))
    assert data["level"] == "WARNING" and data["message"] == "outbox 7 failed" and data["logger"] == "tidtam"


def test_cli_logs_never_show_the_token(cli_env, monkeypatch, capfd):
    from base.settings import get_settings
    from bot.cli import main

    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "999999:NEVER-IN-LOGS-123")
    monkeypatch.setenv("LOG_FORMAT", "json")
    get_settings.cache_clear()
    main(["unit", "list"])
    logging.getLogger("httpx").warning("GET https://api.telegram.org/bot999999:NEVER-IN-LOGS-123/getMe")
    out, err = capfd.readouterr()
    assert "NEVER-IN-LOGS" not in out + err
    get_settings.cache_clear()
