"""People's leave: recorded, read and cancelled, scoped to one organisation (the rule is domain/leave.py)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.leave import BACK_WITHIN, Away, period_problem
from domain.vocabulary import LeaveKind
from locales.errors import UserError
from locales.i18n import _
from storage.models import Acting, Leave, Person, id_of
from storage.repo import audit, replan

MAX_OPEN = 12  # leaves not yet ended, per person: a year's planned absences, not a flood of rows


async def record_leave(
    session: AsyncSession,
    org_id: int,
    person: Person,
    period: tuple[dt.date, dt.date],
    kind: LeaveKind,
    actor: str,
    today: dt.date,
) -> Leave:
    """Record that ``person`` is away over ``period`` (inclusive), after the rule's bounds."""
    starts_on, ends_on = period
    assert person.org_id == org_id, "a person is always found within the organisation"
    if problem := period_problem(starts_on, ends_on, today):
        raise UserError(problem)
    current = await leaves_of(session, org_id, id_of(person), today)
    for row in current:
        if row.starts_on <= starts_on and ends_on <= row.ends_on:  # already recorded (a button pressed twice)
            return row
    if len(current) >= MAX_OPEN:
        raise UserError(
            _("{name} already has {n} leaves recorded ahead; cancel them with /leave ยกเลิก and record one.").format(
                name=person.display_name, n=len(current)
            )
        )
    row = Leave(
        org_id=org_id, person_id=id_of(person), starts_on=starts_on, ends_on=ends_on, kind=kind, recorded_by=actor
    )
    session.add(row)
    await session.flush()
    await replan(session, org_id)  # whoever is reached instead gets the rung due now
    new = {"starts_on": starts_on.isoformat(), "ends_on": ends_on.isoformat(), "kind": kind.value}
    await audit(session, org_id, actor, "create", "leave", row.id, new=new, person_id=id_of(person))
    return row


async def leaves_of(session: AsyncSession, org_id: int, person_id: int, today: dt.date) -> list[Leave]:
    """The person's leave that has not ended, the soonest first."""
    q = (
        select(Leave)
        .where(Leave.org_id == org_id, Leave.person_id == person_id, Leave.ends_on >= today)
        .order_by(col(Leave.starts_on))
    )
    return list((await session.exec(q)).all())


async def cancel_leave(session: AsyncSession, org_id: int, person_id: int, today: dt.date, actor: str) -> int:
    """The person is back (or will not go): their leave not yet ended is removed, a current one ends yesterday."""
    return await end_from(session, org_id, await leaves_of(session, org_id, person_id, today), today, actor)


async def end_from(
    session: AsyncSession, org_id: int, rows: Sequence[Leave | Acting], today: dt.date, actor: str
) -> int:
    """End periods (leave, acting) from ``today``: one under way ends yesterday, one not begun goes; audited, and
    the organisation replanned so that whoever is reached now gets the rung due. How many."""
    for row in rows:
        old = {"starts_on": row.starts_on.isoformat(), "ends_on": row.ends_on.isoformat()}
        if row.starts_on < today:
            row.ends_on = today - dt.timedelta(days=1)
            session.add(row)
        else:
            await session.delete(row)
        entity = "leave" if isinstance(row, Leave) else "acting"
        await audit(session, org_id, actor, "cancel", entity, row.id, old=old, person_id=row.person_id)
    if rows:
        await replan(session, org_id)
    return len(rows)


async def person_named_first(session: AsyncSession, org_id: int, text: str) -> tuple[Person, str] | None:
    """The organisation's person whose name ``text`` begins with (the longest such name), and the rest of it:
    "/leave สมศรี ใจดี 10–20 ธ.ค." names สมศรี ใจดี."""
    folded = " ".join(text.split())
    best: Person | None = None
    for person in (await session.exec(select(Person).where(Person.org_id == org_id))).all():
        name = " ".join((person.display_name or "").split())
        if len(name) >= 2 and folded.startswith(name) and (best is None or len(name) > len(best.display_name)):
            best = person
    if best is None:
        return None
    return best, folded[len(" ".join(best.display_name.split())) :].strip()


async def away_periods(session: AsyncSession, org_id: int, day: dt.date) -> list[Away]:
    """Every leave of the organisation that covers ``day``, or ended within BACK_WITHIN before it (one read
    for who is away and who is back)."""
    return (await away_periods_of(session, [org_id], day)).get(org_id, [])


async def away_periods_of(session: AsyncSession, org_ids: Collection[int], day: dt.date) -> dict[int, list[Away]]:
    """``away_periods`` of many organisations in one statement (the tick's wave)."""
    q = select(Leave).where(
        col(Leave.org_id).in_(list(org_ids)), Leave.starts_on <= day, Leave.ends_on >= day - BACK_WITHIN
    )
    out: dict[int, list[Away]] = {}
    for r in (await session.exec(q.order_by(col(Leave.id)))).all():
        out.setdefault(r.org_id, []).append(Away(r.person_id, r.starts_on, r.ends_on, id_of(r)))
    return out


async def leave_table(session: AsyncSession, org_id: int, today: dt.date) -> list[tuple[Leave, str]]:
    """The organisation's leave not yet ended, with each person's name, the soonest first."""
    q = (
        select(Leave, Person.display_name)
        .join(Person, col(Person.id) == Leave.person_id)
        .where(Leave.org_id == org_id, Leave.ends_on >= today)
        .order_by(col(Leave.starts_on), col(Person.display_name))
    )
    return [(leave, name or "-") for leave, name in (await session.exec(q)).all()]
