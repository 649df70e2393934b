"""The Thai fiscal year and its two reporting rounds, with the default dates every organisation may change.

FY N (BE) runs 1 October N-544 CE to 30 September N-543 CE.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

BE_OFFSET = 543
ROUND_MONTHS = (6, 12)


@dataclass(frozen=True)
class RoundDates:
    months: int
    period_start: dt.date
    period_end: dt.date
    opens_on: dt.date
    due_on: dt.date
    submit_by: dt.date


def fiscal_year_bounds(year_be: int) -> tuple[dt.date, dt.date]:
    ce_end = year_be - BE_OFFSET
    return dt.date(ce_end - 1, 10, 1), dt.date(ce_end, 9, 30)


def fiscal_year_of(day: dt.date) -> int:
    """The BE fiscal year a day falls in (October starts the next one)."""
    return day.year + BE_OFFSET + (1 if day.month >= 10 else 0)


def default_rounds(year_be: int) -> list[RoundDates]:
    """6-month round: opens 15 Mar, units answer by 10 Apr, submit by 30 Apr.
    12-month round: opens 15 Sep, units by 10 Oct, submit by 31 Oct."""
    start, end = fiscal_year_bounds(year_be)
    y = end.year
    return [
        RoundDates(6, start, dt.date(y, 3, 31), dt.date(y, 3, 15), dt.date(y, 4, 10), dt.date(y, 4, 30)),
        RoundDates(12, start, end, dt.date(y, 9, 15), dt.date(y, 10, 10), dt.date(y, 10, 31)),
    ]
