"""LINE's monthly message count per channel: what we pushed, what LINE says was used, and the quota."""

from __future__ import annotations

import datetime as dt

from sqlmodel import func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from base.values import BANGKOK, utcnow
from storage.db import Database
from storage.models import LineChannel, LineUsage


def month_of(moment: dt.datetime) -> str:
    """LINE counts by the calendar month in Thailand."""
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


async def _row(session: AsyncSession, month: str, channel: str) -> LineUsage:
    return await session.get(LineUsage, (month, channel)) or LineUsage(month=month, channel=channel)


async def add_pushes(db: Database, channel: str, counted: dict[str, int]) -> None:
    """Add the pushes counted per month (one transaction per dispatcher batch, not per push)."""
    await add_pushes_of(db, {channel: counted})


async def add_pushes_of(db: Database, counted: dict[str, dict[str, int]]) -> None:
    """``add_pushes`` for many channels in one transaction: a batch of pushes to organisations on channels of their
    own touches hundreds of channels."""
    if not any(counted.values()):
        return
    async with db.session() as s:
        for channel, months in counted.items():
            for month, n in months.items():
                row = await _row(s, month, channel)
                row.pushed += n
                s.add(row)


async def quota_spent(db: Database, channel: str) -> None:
    """LINE refused a push for the quota: record it spent, so pushes are held back and admins told."""
    async with db.session() as s:
        row = await _row(s, month_of(utcnow()), channel)
        row.quota = row.quota or max(row.pushed, 1)
        row.consumed = max(row.consumed or 0, row.quota)
        s.add(row)


async def record_quota(db: Database, channel: str, quota: int | None, consumed: int) -> LineUsage:
    """LINE's own figures for this month, as read from its API (daily)."""
    async with db.session() as s:
        row = await _row(s, month_of(utcnow()), channel)
        row.quota, row.consumed, row.checked_at = quota, consumed, utcnow()
        s.add(row)
    return row
