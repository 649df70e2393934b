"""What the tick reads set-wise for the whole deployment: the open rounds, what each unit still owes in them, the
marks already made, the days off, and the leave just ended (whose first day back may be today)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Collection

from sqlalchemy import and_, case, exists, func, literal
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.models import Holiday, Leave, PlanItem, PlanItemUnit, Round, RoundState, StatusReport, TickMark, Unit


async def open_rounds(session: AsyncSession) -> list[Round]:
    return list((await session.exec(select(Round).where(Round.state == RoundState.OPEN))).all())


async def days_off_by_org(session: AsyncSession) -> dict[int, set[dt.date]]:
    """Every organisation's own days off (the public holidays are the calendar's)."""
    days_off: dict[int, set[dt.date]] = defaultdict(set)
    for org_id, day in (await session.exec(select(Holiday.org_id, Holiday.day))).all():
        days_off[org_id].add(day)
    return days_off


async def leaves_ended(session: AsyncSession, first: dt.date, last: dt.date) -> list[tuple[int, int, dt.date]]:
    """(organisation, leave, last day) of every leave whose last day falls from ``first`` to ``last``."""
    q = select(Leave.org_id, Leave.id, Leave.ends_on).where(Leave.ends_on >= first, Leave.ends_on <= last)
    return [(o, i, e) for o, i, e in (await session.exec(q)).all() if i is not None]


async def open_marks(session: AsyncSession, names: set[str]) -> dict[tuple[int, int], set[str]]:
    """(round id, unit id; 0 for the organisation) → which of these tick marks it already has, in open rounds."""
    marked: dict[tuple[int, int], set[str]] = defaultdict(set)
    q = (
        select(TickMark.round_id, TickMark.unit_id, TickMark.mark)
        .join(Round, col(Round.id) == TickMark.round_id)
        .where(Round.state == RoundState.OPEN, col(TickMark.mark).in_(names))
    )
    for round_id, unit_id, mark in (await session.exec(q)).all():
        marked[(round_id, unit_id)].add(mark)
    return marked


async def unit_counts(
    session: AsyncSession, round_ids: Collection[int] | None = None
) -> dict[tuple[int, int], tuple[int, int]]:
    """(round id, unit id) → (item answers owed, still awaiting) for every open round (or these rounds), in two
    queries."""

    def answered(unit_id):
        return exists().where(
            StatusReport.round_id == Round.id, StatusReport.item_id == PlanItem.id, StatusReport.unit_id == unit_id
        )

    open_ = Round.state == RoundState.OPEN if round_ids is None else col(Round.id).in_(list(round_ids))
    explicit = (
        select(
            Round.id,
            PlanItemUnit.unit_id,
            func.count(),
            func.sum(case((answered(PlanItemUnit.unit_id), literal(0)), else_=literal(1))),
        )
        .join(PlanItem, and_(col(PlanItem.fiscal_year_id) == Round.fiscal_year_id, col(PlanItem.all_units).is_(False)))
        .join(PlanItemUnit, col(PlanItemUnit.item_id) == PlanItem.id)
        .where(open_)
        .group_by(Round.id, PlanItemUnit.unit_id)
    )
    every_unit = (
        select(Round.id, Unit.id, func.count(), func.sum(case((answered(Unit.id), literal(0)), else_=literal(1))))
        .join(PlanItem, and_(col(PlanItem.fiscal_year_id) == Round.fiscal_year_id, col(PlanItem.all_units)))
        .join(Unit, and_(col(Unit.org_id) == Round.org_id, col(Unit.is_active)))
        .where(open_)
        .group_by(Round.id, Unit.id)
    )
    out: dict[tuple[int, int], tuple[int, int]] = {}
    for q in (explicit, every_unit):
        for round_id, unit_id, owed, waiting in (await session.exec(q)).all():
            before = out.get((round_id, unit_id), (0, 0))
            out[(round_id, unit_id)] = (before[0] + owed, before[1] + int(waiting or 0))
    return out


async def rounds_to_open(session: AsyncSession, today: dt.date) -> list[int]:
    """Organisations with a planned round whose collection starts today (or started, and it was missed)."""
    q = (
        select(Round.org_id)
        .where(Round.state == RoundState.PLANNED, Round.opens_on <= today, Round.submit_by >= today)
        .distinct()
    )
    return list((await session.exec(q)).all())
