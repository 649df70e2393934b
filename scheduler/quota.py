"""LINE's monthly message quota: how much is used, and which pushes to hold back when it runs low."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import LineUsage

BANGKOK = ZoneInfo("Asia/Bangkok")
ESSENTIAL_RUNGS = {"open", "d7", "d3", "d1", "due", "over2", "head3"}


def month_of(moment: dt.datetime) -> str:
    return moment.astimezone(BANGKOK).strftime("%Y-%m")


async def usage(session: AsyncSession, now: dt.datetime) -> LineUsage | None:
    return await session.get(LineUsage, month_of(now))


def used_percent(row: LineUsage | None) -> float | None:
    """Share of the quota used this month, by LINE's count or ours, whichever is higher; None: unknown or unlimited."""
    if row is None or not row.quota:
        return None
    return 100.0 * max(row.consumed or 0, row.pushed) / row.quota


def non_essential(kind: str, rung: str) -> bool:
    """Thank-yous and repeated overdue nudges: the first to go when the quota runs low."""
    return kind == "thanks" or (kind == "reminder" and rung not in ESSENTIAL_RUNGS)
