"""Leave as a rule: how long and how far ahead a period may be, the quick choices (today, to Friday), and who of a
list is away on a day — the same bounds in the chat, the CLI and any later form."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from locales.i18n import _

MAX_DAYS = 120  # the longest leave that is not a transfer (ลาศึกษาต่อ is a change of membership, not leave)
MAX_AHEAD = dt.timedelta(days=366)
MAX_BACK = dt.timedelta(days=31)
BACK_WITHIN = dt.timedelta(days=14)  # the longest run of days off (Songkran, New Year) before a first day back


@dataclass(frozen=True)
class Away:
    person_id: int
    starts_on: dt.date
    ends_on: dt.date
    leave_id: int = 0

    def covers(self, day: dt.date) -> bool:
        return self.starts_on <= day <= self.ends_on


def until_friday(today: dt.date) -> tuple[dt.date, dt.date]:
    """From today to this week's Friday (to next Friday when today is Saturday or Sunday)."""
    return today, today + dt.timedelta(days=(4 - today.weekday()) % 7)


def period_problem(starts_on: dt.date, ends_on: dt.date, today: dt.date) -> str | None:
    """What is wrong with a leave period, in one sentence; None when it may be recorded."""
    if ends_on < starts_on:
        return _("The last day comes before the first.")
    if (ends_on - starts_on).days + 1 > MAX_DAYS:
        return _(
            "A leave is at most {n} days; for a longer absence ask the administrator to change the unit's members."
        ).format(n=MAX_DAYS)
    if ends_on < today - MAX_BACK:
        return _("That leave ended over a month ago; there is nothing to record.")
    if starts_on > today + MAX_AHEAD:
        return _("A leave can be recorded at most a year ahead.")
    return None


def away_on(periods: Iterable[Away], day: dt.date) -> dict[int, dt.date]:
    """Who is away on ``day``, and the last day of their leave (overlapping periods joined)."""
    out: dict[int, dt.date] = {}
    for p in periods:
        if p.covers(day):
            out[p.person_id] = max(out.get(p.person_id, p.ends_on), p.ends_on)
    return out
