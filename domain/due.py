"""What an open round asks of each unit today — the reminders and thank-yous due and the marks that record them —
decided from a typed state of the round, with no database (the tick reads the state, then addresses and writes)."""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from domain.ladder import Fate, Rung, Track, fate


class SendKind(enum.StrEnum):
    """What a queued message is (the outbox's ``kind``)."""

    REMINDER = "reminder"
    THANKS = "thanks"
    DIGEST = "digest"
    NOTICE = "notice"


@dataclass(frozen=True)
class UnitInRound:
    """One unit's standing in an open round, as the tick read it."""

    unit_id: int
    awaiting: int  # items it owns that have no answer yet
    answered_here: bool  # it answered in this round, not only carried its 6-month answers forward
    thanked: bool  # the thank-you was said already (by the chat's reply)


@dataclass(frozen=True)
class Owed:
    """What a unit's reminder says it owes: how many items, and the first few in plan order as (code, title) —
    all a reminder shows, so the tick reads no more of a plan than that."""

    n: int
    first: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Due:
    """A message the ladder asks for: to a unit (or its head), on a rung; ``late``: recorded, never sent."""

    unit_id: int
    kind: SendKind
    rung: str  # the rung's name, or "thanks"
    to_head: bool = False
    late: bool = False
    catching_up: bool = False  # the rung's day has passed (the bot was down, or its recipients changed since)


@dataclass
class Decided:
    sends: list[Due] = field(default_factory=list)
    marks: list[tuple[int, str]] = field(default_factory=list)  # (unit id, rung or "thanks"): seen, see TickMark


def due_sends(
    units: Iterable[UnitInRound],
    rungs: Sequence[Rung],
    today: dt.date,
    working: bool,
    *,
    thanks: bool,
    projection: bool = False,
) -> Decided:
    """The ladder applied to each unit: a unit with items awaiting gets each rung whose day has come (in working
    time; a rung found after the next one of its track is due is recorded as late); a unit with none awaiting is
    thanked once in working time, if it answered in this round (``projection``: a preview, which thanks nobody)."""
    out = Decided()
    for u in sorted(units, key=lambda u: u.unit_id):
        if not u.awaiting:
            if thanks and working and not projection:
                out.marks.append((u.unit_id, "thanks"))
                if u.answered_here and not u.thanked:
                    out.sends.append(Due(u.unit_id, SendKind.THANKS, "thanks"))
            continue
        for rung in rungs:
            what = fate(rung, today, working)
            if what == Fate.LATER:
                break
            if what == Fate.WAIT:
                continue
            out.marks.append((u.unit_id, rung.name))
            out.sends.append(
                Due(
                    u.unit_id,
                    SendKind.REMINDER,
                    rung.name,
                    rung.track == Track.HEAD,
                    late=what == Fate.DROP,
                    catching_up=rung.day < today,
                )
            )
    return out
