"""Which pushes to hold back when LINE's monthly quota runs low (the count itself is storage/line_usage.py)."""

from __future__ import annotations

ESSENTIAL_RUNGS = {"open", "d7", "d3", "d1", "due", "over2", "head3"}


def non_essential(kind: str, rung: str) -> bool:
    """Thank-yous and repeated overdue nudges: the first to go when the quota runs low."""
    return kind == "thanks" or (kind == "reminder" and rung not in ESSENTIAL_RUNGS)
