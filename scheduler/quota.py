"""LINE's monthly message quota: how much is used, and which pushes to hold back when it runs low."""

from __future__ import annotations

import datetime as dt

from sqlmodel import func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from base.values import BANGKOK
from storage.models import LineChannel, LineUsage

ESSENTIAL_RUNGS = {"open", "d7", "d3", "d1", "due", "over2", "head3"}


def month_of(moment: dt.datetime) -> str:
    return moment.astimezone(BANGKOK).strftime("%Y-%m")


async def usage(session: AsyncSession, now: dt.datetime, org_id: int | None = None) -> LineUsage | None:
    """This month's count of the channel the organisation sends on: its own, else the deployment's
    (``org_id`` None: the deployment's) — one statement, as the tick asks it for every organisation it plans."""
    own = select(LineChannel.name).where(LineChannel.org_id == org_id).scalar_subquery()
    q = select(LineUsage).where(LineUsage.month == month_of(now), LineUsage.channel == func.coalesce(own, ""))
    return (await session.exec(q)).first()


async def channel_of(session: AsyncSession, org_id: int | None) -> str:
    """The name of the organisation's own LINE channel; "" for the deployment's."""
    if org_id is None:
        return ""
    return (await session.exec(select(LineChannel.name).where(LineChannel.org_id == org_id))).first() or ""


async def percents(session: AsyncSession, now: dt.datetime) -> tuple[dict[str, float], dict[int, str]]:
    """Each channel's share of its quota used this month (channels with a known quota only), and which
    organisations send on a channel of their own."""
    shares = {
        row.channel: share
        for row in (await session.exec(select(LineUsage).where(LineUsage.month == month_of(now)))).all()
        if (share := used_percent(row)) is not None
    }
    own = {org_id: name for org_id, name in (await session.exec(select(LineChannel.org_id, LineChannel.name))).all()}
    return shares, own


def used_percent(row: LineUsage | None) -> float | None:
    """Share of the quota used this month, by LINE's count or ours, whichever is higher; None: unknown or unlimited."""
    if row is None or not row.quota:
        return None
    return 100.0 * max(row.consumed or 0, row.pushed) / row.quota


def non_essential(kind: str, rung: str) -> bool:
    """Thank-yous and repeated overdue nudges: the first to go when the quota runs low."""
    return kind == "thanks" or (kind == "reminder" and rung not in ESSENTIAL_RUNGS)
