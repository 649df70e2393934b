"""Two small values every layer needs: the time now (UTC, aware) and text made safe for documents' XML."""

from __future__ import annotations

import datetime as dt
import re

CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def without_control_characters(text: str) -> str:
    """Text a person or a file supplied, fit for documents' XML: every control character but tab and line
    breaks removed."""
    return CONTROL_CHARACTERS.sub("", text) if text else text


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)
