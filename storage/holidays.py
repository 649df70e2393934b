"""An organisation's working days, read from the database: Thailand's public holidays plus the days its admin
added (the calendar itself is domain.calendar)."""

from __future__ import annotations

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.calendar import WorkCalendar, calendar_for
from storage.models import Holiday


async def org_calendar(session: AsyncSession, org_id: int) -> WorkCalendar:
    """The organisation's working days: public holidays plus the days its admin added."""
    days = (await session.exec(select(Holiday.day).where(Holiday.org_id == org_id))).all()
    return calendar_for(frozenset(days))
