"""An organisation's working days, read from the database: Thailand's public holidays plus the days off its admin
added (and adds or removes here: /dayoff, tidtam holiday); the calendar itself is domain.calendar."""

from __future__ import annotations

import datetime as dt

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from base.values import bangkok_today
from domain.calendar import WorkCalendar, calendar_for
from locales.errors import UserError
from locales.i18n import _
from locales.thai import format_date
from storage.models import Holiday
from storage.repo import audit


async def org_calendar(session: AsyncSession, org_id: int) -> WorkCalendar:
    """The organisation's working days: public holidays plus the days its admin added."""
    days = (await session.exec(select(Holiday.day).where(Holiday.org_id == org_id))).all()
    return calendar_for(frozenset(days))


async def days_added(session: AsyncSession, org_id: int) -> dict[dt.date, str]:
    """The days off the organisation's admin added, with their names ("" when none was given)."""
    return {h.day: h.name for h in (await session.exec(select(Holiday).where(Holiday.org_id == org_id))).all()}


async def add_day_off(session: AsyncSession, org_id: int, day: dt.date, name: str, actor: str) -> Holiday:
    """A day off of the organisation's own (a local festival, a special holiday); the ladder skips it. Within a
    year back and two ahead: the years a round can fall in."""
    today = bangkok_today()
    if not today - dt.timedelta(days=366) <= day <= today + dt.timedelta(days=731):
        raise UserError(
            _("A day off can be added from a year back to two years ahead: {day} is outside.").format(
                day=format_date(day, thai_digits=False)
            )
        )
    if day in await days_added(session, org_id):
        raise UserError(_("{day} is already a day off").format(day=format_date(day, thai_digits=False)))
    row = Holiday(org_id=org_id, day=day, name=name.strip()[:200])
    session.add(row)
    await session.flush()
    await audit(session, org_id, actor, "create", "holiday", row.id, new={"day": day.isoformat(), "name": row.name})
    return row


async def remove_day_off(session: AsyncSession, org_id: int, day: dt.date, actor: str) -> bool:
    """The organisation works on ``day`` after all; False when it was not one of its added days off."""
    row = (await session.exec(select(Holiday).where(Holiday.org_id == org_id, Holiday.day == day))).first()
    if row is None:
        return False
    await session.delete(row)
    await audit(session, org_id, actor, "delete", "holiday", row.id, old={"day": day.isoformat(), "name": row.name})
    return True
