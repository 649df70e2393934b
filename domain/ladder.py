"""The reminder ladder of one round: which rung falls on which working day, and until when it still makes sense.

Rungs for a unit with items awaiting an answer: when collection opens; 7, 3 and 1 working
days before the due date; on the due day; then every 2 working days after it (to the unit)
and, from the 3rd working day after it, every 2 working days to the unit head as well —
until the submit-by date. A rung missed (the bot was down) still goes out later only until
the next rung of the same track is due; after that it is dropped and logged, not sent late.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass

from domain.calendar import WorkCalendar

ALL_RUNGS = ("open", "d7", "d3", "d1", "due", "overdue", "head", "thanks")


class Track(enum.StrEnum):
    """Who a rung reminds; a rung is superseded by the next one of its own track."""

    UNIT = "unit"
    HEAD = "head"


@dataclass(frozen=True)
class Rung:
    name: str  # open, d7, d3, d1, due, over2, over4 …, head3, head5 …
    day: dt.date
    track: Track
    until: dt.date  # last day it still makes sense (exclusive bound: the next rung's day)


def ladder(
    opens_on: dt.date,
    due_on: dt.date,
    submit_by: dt.date,
    cal: WorkCalendar,
    enabled: frozenset[str] = frozenset(ALL_RUNGS),
) -> list[Rung]:
    unit: list[tuple[str, dt.date]] = []
    first = cal.next_working(opens_on)
    if "open" in enabled:
        unit.append(("open", first))
    for n in (7, 3, 1):
        day = cal.shift(due_on, -n)
        if f"d{n}" in enabled and day > first:
            unit.append((f"d{n}", day))
    if "due" in enabled and cal.is_working(due_on) and due_on > first:
        unit.append(("due", due_on))
    head: list[tuple[str, dt.date]] = []
    k, day = 0, due_on
    while True:
        day = cal.shift(day, 1)
        k += 1
        if day > submit_by:
            break
        if "overdue" in enabled and k % 2 == 0:
            unit.append((f"over{k}", day))
        if "head" in enabled and k >= 3 and k % 2 == 1:
            head.append((f"head{k}", day))
    end = submit_by + dt.timedelta(days=1)
    rungs = []
    for track, items in ((Track.UNIT, unit), (Track.HEAD, head)):
        items.sort(key=lambda r: r[1])
        for i, (name, day) in enumerate(items):
            until = items[i + 1][1] if i + 1 < len(items) else end
            rungs.append(Rung(name, day, track, until))
    return sorted(rungs, key=lambda r: (r.day, r.track))


class Fate(enum.Enum):
    """What becomes of a rung on a given day for a unit that still has items awaiting an answer."""

    LATER = "later"  # its day has not come
    WAIT = "wait"  # due, but outside working time: sent when working time comes, if still in time
    SEND = "send"  # due, in working time, still in time
    DROP = "drop"  # found after the next rung was due: recorded, never sent late


def fate(rung: Rung, today: dt.date, working: bool) -> Fate:
    if rung.day > today:
        return Fate.LATER
    if today >= rung.until:
        return Fate.DROP
    return Fate.SEND if working else Fate.WAIT
