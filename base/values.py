"""Small values every layer needs: the time now (UTC, aware; the simulator's clock where it runs), today in
Bangkok, and text made safe for documents' XML."""

from __future__ import annotations

import datetime as dt
import re
from contextvars import ContextVar
from zoneinfo import ZoneInfo

BANGKOK = ZoneInfo("Asia/Bangkok")
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

# How far the simulator's clock is from the real one, for the request or job being served: zero everywhere but
# in the simulator, whose web app sets it per request (a context variable, so nothing else in the process —
# a test beside it — sees a shifted clock). Every "now" and "today" of the product reads it.
clock_offset: ContextVar[dt.timedelta] = ContextVar("clock_offset", default=dt.timedelta(0))


def without_control_characters(text: str) -> str:
    """Text a person or a file supplied, fit for documents' XML: every control character but tab and line
    breaks removed."""
    return CONTROL_CHARACTERS.sub("", text) if text else text


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc) + clock_offset.get()


def bangkok_today() -> dt.date:
    """Today's date where the organisations are (Asia/Bangkok), by the same clock as ``utcnow``."""
    return utcnow().astimezone(BANGKOK).date()
