"""Which organisations have anything new for the tick, found set-wise for the whole deployment.

A provincial deployment holds thousands of organisations; planning each one every minute costs
a dozen queries each. Here a handful of queries (storage/open_rounds.py) cover them all: open rounds, the working
calendars, each unit's items owned and still awaiting, and the tick marks (what was planned
before). Only an organisation with a unit that awaits answers and has a due rung not yet
marked — or a thank-you, a digest or a quota notice not yet marked — is planned in full.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from functools import lru_cache

from base.values import BANGKOK
from domain.calendar import calendar_for
from domain.ladder import Rung, ladder
from domain.leave import BACK_WITHIN
from storage.db import AsyncSession
from storage.models import Round, id_of
from storage.open_rounds import days_off_by_org, leaves_ended, open_marks, open_rounds, unit_counts


@lru_cache(maxsize=4096)
def ladder_of(
    opens_on: dt.date, due_on: dt.date, submit_by: dt.date, days_off: frozenset[dt.date], rungs: frozenset[str]
) -> tuple[Rung, ...]:
    return tuple(ladder(opens_on, due_on, submit_by, calendar_for(days_off), rungs))


def back_mark(leave_id: int) -> str:
    """The organisation's mark that a person's first day back from this leave was planned."""
    return f"back:{leave_id}"


def digest_mark(local: dt.datetime) -> str:
    year, week, _day = local.isocalendar()
    return f"digest:{year}-W{week:02d}"


Counts = dict[tuple[int, int], tuple[int, int]]  # (round, unit) → (item answers owed, still awaiting)


async def rounds_and_counts(
    session: AsyncSession, policy, now: dt.datetime, quota_mark: Callable[[int], str | None] = lambda _org: None
) -> tuple[list[Round], Counts]:
    """The open rounds whose organisation is in working time and has something not yet marked (``quota_mark``: an
    organisation's LINE quota notice due now, if any), and the units' counts read to find them (which units own
    items: the planning needs them too)."""
    local = now.astimezone(BANGKOK)
    today = local.date()
    rounds = await open_rounds(session)
    if not rounds:
        return [], {}
    days_off = await days_off_by_org(session)
    working: list[Round] = []
    claimable: dict[int, frozenset[str]] = {}
    for r in rounds:
        off = frozenset(days_off.get(r.org_id, ()))
        if not policy.working_time(local, calendar_for(off)):
            continue
        working.append(r)
        claimable[id_of(r)] = frozenset(
            g.name for g in ladder_of(r.opens_on, r.due_on, r.submit_by, off, policy.rungs) if g.day <= today < g.until
        )
    if not working:
        return [], {}
    counts = await unit_counts(session)
    quota_marks = {r.org_id: m for r in working if (m := quota_mark(r.org_id))}
    back: dict[int, set[str]] = defaultdict(set)  # organisation → marks of people whose first day back is today
    for org_id, leave_id, ends_on in await leaves_ended(session, today - BACK_WITHIN, today - dt.timedelta(days=1)):
        if calendar_for(frozenset(days_off.get(org_id, ()))).next_working(ends_on + dt.timedelta(days=1)) == today:
            back[org_id].add(back_mark(leave_id))
    names = set().union(*claimable.values()) | {"thanks", digest_mark(local)} | set(quota_marks.values())
    names |= set().union(*back.values()) if back else set()
    marked = await open_marks(session, names)
    units_of: dict[int, list[int]] = defaultdict(list)
    for round_id, unit_id in counts:
        units_of[round_id].append(unit_id)
    moment = dt.datetime.combine(
        today - dt.timedelta(days=local.weekday() - policy.digest_weekday), policy.digest_time, tzinfo=BANGKOK
    )
    digest_due = local >= moment
    due = []
    for r in working:
        rid = id_of(r)
        org_marks = marked.get((rid, 0), set())
        notice = quota_marks.get(r.org_id)
        if (
            (digest_due and digest_mark(local) not in org_marks)
            or (notice and notice not in org_marks)
            or back.get(r.org_id, set()) - org_marks
        ):
            due.append(r)
            continue
        for unit_id in units_of.get(rid, ()):
            owed, waiting = counts[(rid, unit_id)]
            have = marked.get((rid, unit_id), set())
            if (waiting and claimable[rid] - have) or (
                not waiting and owed and "thanks" in policy.rungs and "thanks" not in have
            ):
                due.append(r)
                break
    return due, counts
