"""Small values every layer needs: the time now (UTC, aware; the simulator's clock where it runs), today in
Bangkok, text made safe for documents' XML and names made safe to show."""

from __future__ import annotations

import datetime as dt
import re
from contextvars import ContextVar
from zoneinfo import ZoneInfo

BANGKOK = ZoneInfo("Asia/Bangkok")
# control characters but tab and line breaks, and the bidi embeddings, overrides and isolates (U+202A–202E,
# U+2066–2069), which make text read in another order than it is stored: "gnp.exe" shown as "exe.png"
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u202a-\u202e\u2066-\u2069]")
# in a name (of a person, a unit, a file) nothing invisible at all: line breaks, zero-width characters, marks
INVISIBLE_IN_NAMES = re.compile(r"[\x00-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]")

# How far the simulator's clock is from the real one, for the request or job being served: zero everywhere but
# in the simulator, whose web app sets it per request (a context variable, so nothing else in the process —
# a test beside it — sees a shifted clock). Every "now" and "today" of the product reads it.
clock_offset: ContextVar[dt.timedelta] = ContextVar("clock_offset", default=dt.timedelta(0))


def without_control_characters(text: str) -> str:
    """Text a person or a file supplied, fit for documents' XML: every control character but tab and line
    breaks removed."""
    return CONTROL_CHARACTERS.sub("", text) if text else text


def clean_name(text: str) -> str:
    """A name as a person typed it, fit to show on one line anywhere: every control, bidi and zero-width
    character taken out (a line break becomes a space) and spaces collapsed."""
    return " ".join(INVISIBLE_IN_NAMES.sub(" ", text or "").split())


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC) + clock_offset.get()


def bangkok_today() -> dt.date:
    """Today's date where the organisations are (Asia/Bangkok), by the same clock as ``utcnow``."""
    return utcnow().astimezone(BANGKOK).date()
