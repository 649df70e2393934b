"""The Thai fiscal year and its two reporting rounds, with the default dates every organisation may change.

FY N (BE) runs 1 October N-544 CE to 30 September N-543 CE.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache

BE_OFFSET = 543


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


class WorkCalendar:
    """Working days: not a weekend, not a Thai public holiday, not a day the organisation added."""

    def __init__(self, extra_days_off: set[dt.date] | frozenset[dt.date] = frozenset()):
        from holidays.countries.thailand import Thailand

        self._public = Thailand(language="th")  # type: ignore[no-untyped-call]
        self.extra = frozenset(extra_days_off)

    def holiday_name(self, day: dt.date) -> str | None:
        name = self._public.get(day)
        return str(name) if name is not None else None

    def is_working(self, day: dt.date) -> bool:
        return day.weekday() < 5 and day not in self._public and day not in self.extra

    def shift(self, day: dt.date, n: int) -> dt.date:
        """The n-th working day after ``day`` (n > 0) or before it (n < 0); ``day`` itself never counts."""
        step = 1 if n > 0 else -1
        count = 0
        while count < abs(n):
            day += dt.timedelta(days=step)
            count += self.is_working(day)
        return day

    def next_working(self, day: dt.date) -> dt.date:
        """``day`` if it is a working day, else the next one."""
        return day if self.is_working(day) else self.shift(day, 1)

    def between(self, start: dt.date, end: dt.date) -> int:
        """Working days after ``start`` up to and including ``end`` (0 when end ≤ start)."""
        n, day = 0, start
        while day < end:
            day += dt.timedelta(days=1)
            n += self.is_working(day)
        return n


@lru_cache(maxsize=256)
def calendar_for(days_off: frozenset[dt.date]) -> WorkCalendar:
    """One calendar per set of extra days off: the public holidays are worked out once, not per organisation."""
    return WorkCalendar(days_off)
