"""Acting officers (รักษาราชการแทน): who acts for a unit's head or for the ปลัด over a period, scoped to one
organisation; the address book and a person's roles read them for the day."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.leave import period_problem
from locales.errors import UserError
from storage.leave import end_from
from storage.models import Acting, Person, id_of
from storage.repo import audit, replan


async def record_acting(
    session: AsyncSession,
    org_id: int,
    person: Person,
    unit_id: int | None,
    period: tuple[dt.date, dt.date],
    actor: str,
    today: dt.date,
) -> Acting:
    """``person`` acts for the head of ``unit_id`` (None: the ปลัด) over ``period``, within the leave's bounds."""
    starts_on, ends_on = period
    assert person.org_id == org_id, "a person is always found within the organisation"
    if problem := period_problem(starts_on, ends_on, today):
        raise UserError(problem)
    for row in await acting_now(session, org_id, starts_on):
        if row.person_id == person.id and row.unit_id == unit_id and ends_on <= row.ends_on:
            return row  # already recorded
    row = Acting(
        org_id=org_id, person_id=id_of(person), unit_id=unit_id, starts_on=starts_on, ends_on=ends_on, recorded_by=actor
    )
    session.add(row)
    await session.flush()
    await replan(session, org_id)  # the acting officer gets the rung due now
    new = {"unit_id": unit_id, "starts_on": starts_on.isoformat(), "ends_on": ends_on.isoformat()}
    await audit(session, org_id, actor, "create", "acting", row.id, new=new, person_id=id_of(person))
    return row


async def acting_now(session: AsyncSession, org_id: int, day: dt.date) -> list[Acting]:
    """Every acting officer of the organisation on ``day``."""
    return (await acting_on(session, [org_id], day)).get(org_id, [])


async def acting_on(session: AsyncSession, org_ids: Collection[int], day: dt.date) -> dict[int, list[Acting]]:
    """``acting_now`` of many organisations in one statement (the tick's wave)."""
    q = select(Acting).where(col(Acting.org_id).in_(list(org_ids)), Acting.starts_on <= day, Acting.ends_on >= day)
    out: dict[int, list[Acting]] = {}
    for a in (await session.exec(q.order_by(col(Acting.id)))).all():
        out.setdefault(a.org_id, []).append(a)
    return out


async def acting_of(session: AsyncSession, person_id: int, day: dt.date) -> list[Acting]:
    """What ``person_id`` acts for on ``day`` (their roles widen for it)."""
    q = select(Acting).where(Acting.person_id == person_id, Acting.starts_on <= day, Acting.ends_on >= day)
    return list((await session.exec(q)).all())


async def acting_table(session: AsyncSession, org_id: int, today: dt.date) -> list[tuple[Acting, str]]:
    """The organisation's acting officers not yet ended, with each one's name."""
    q = (
        select(Acting, Person.display_name)
        .join(Person, col(Person.id) == Acting.person_id)
        .where(Acting.org_id == org_id, Acting.ends_on >= today)
        .order_by(col(Acting.starts_on))
    )
    return [(a, name or "-") for a, name in (await session.exec(q)).all()]


async def end_acting(session: AsyncSession, org_id: int, unit_id: int | None, today: dt.date, actor: str) -> int:
    """Nobody acts for that office any more from today: periods not yet begun go, a current one ends yesterday."""
    q = select(Acting).where(Acting.org_id == org_id, Acting.ends_on >= today)
    q = q.where(col(Acting.unit_id).is_(None)) if unit_id is None else q.where(Acting.unit_id == unit_id)
    return await end_from(session, org_id, list((await session.exec(q)).all()), today, actor)
