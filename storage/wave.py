"""What the tick reads for many open rounds at once — each unit's standing and what its reminder says it owes,
the units' names, the address books, the send ledgers and the days off — in a dozen statements however many
organisations there are: the minute a reminder rung falls due for every unit of a nation is planned from these,
not from a dozen statements per organisation."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import and_, exists, func, literal, union_all
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.calendar import WorkCalendar, calendar_for
from domain.due import Owed, UnitInRound
from storage.addresses import OrgAddresses
from storage.models import (
    Holiday,
    Organisation,
    PlanItem,
    PlanItemUnit,
    Round,
    RoundState,
    StatusReport,
    TickMark,
    Unit,
)
from storage.open_rounds import unit_counts
from storage.outbox import ledgers_of


@dataclass
class RoundRead:
    """One organisation's open round as the tick plans it."""

    calendar: WorkCalendar
    units: dict[int, str]  # unit id → name
    owed: dict[int, Owed]  # unit id → what its reminder says (units that owe nothing are absent)
    standing: list[UnitInRound]
    book: OrgAddresses
    claimed: set[str]  # every key the organisation's sends were claimed under
    recent: set[tuple[str, str, str]]  # (scope, platform, chat) reminded since the repeat interval began


async def read_rounds(
    session: AsyncSession,
    rounds: Sequence[Round],
    on: dt.date,
    since: dt.datetime,
    first: int,
    counts: dict[tuple[int, int], tuple[int, int]] | None = None,
) -> dict[int, RoundRead]:
    """Round id → its read; ``first``: how many awaiting items a reminder names; ``since``: the repeat
    interval's start; ``counts``: storage.open_rounds.unit_counts of these rounds, read already in this
    minute. One organisation has one open round, so the organisations' reads are the rounds'."""
    round_ids = [r.id for r in rounds if r.id is not None]
    org_ids = sorted({r.org_id for r in rounds})
    if counts is None:
        counts = await unit_counts(session, round_ids)
    wanted = set(round_ids)
    owed = await _owed(session, round_ids, first)  # read now, in the planning's transaction
    answered_here = await _pairs(
        session,
        select(StatusReport.round_id, StatusReport.unit_id)
        .where(col(StatusReport.round_id).in_(round_ids), col(StatusReport.carried_from_id).is_(None))
        .distinct(),
    )
    thanked = await _pairs(
        session,
        select(TickMark.round_id, TickMark.unit_id).where(
            col(TickMark.round_id).in_(round_ids), TickMark.mark == "thanks"
        ),
    )
    days_off: dict[int, set[dt.date]] = {}
    for org_id, day in (
        await session.exec(select(Holiday.org_id, Holiday.day).where(col(Holiday.org_id).in_(org_ids)))
    ).all():
        days_off.setdefault(org_id, set()).add(day)
    names: dict[int, dict[int, str]] = {}
    for unit_id, org_id, name in (
        await session.exec(select(Unit.id, Unit.org_id, Unit.name).where(col(Unit.org_id).in_(org_ids)))
    ).all():
        names.setdefault(org_id, {})[unit_id] = name
    books = await OrgAddresses.load_many(session, org_ids, on)
    ledgers = await ledgers_of(session, org_ids, since)
    owners: dict[int, list[int]] = {}  # the units that own items (their counts may be a moment old: not used)
    for round_id, unit_id in counts:
        if round_id in wanted:
            owners.setdefault(round_id, []).append(unit_id)
    out = {}
    for rnd in rounds:
        rid = rnd.id or 0
        units = sorted(owners.get(rid, []))
        claimed, recent = ledgers.get(rnd.org_id, (set(), set()))
        owing = {u: o for u in units if (o := owed.get((rid, u))) is not None}
        out[rid] = RoundRead(
            calendar_for(frozenset(days_off.get(rnd.org_id, ()))),
            names.get(rnd.org_id, {}),
            owing,
            [
                UnitInRound(u, owing[u].n if u in owing else 0, (rid, u) in answered_here, (rid, u) in thanked)
                for u in units
            ],
            books[rnd.org_id],
            claimed,
            recent,
        )
    return out


async def open_rounds_with_orgs(
    session: AsyncSession, round_ids: Sequence[int]
) -> tuple[list[Round], dict[int, Organisation]]:
    """These rounds, those still open (a round closed since it was found due is passed by), and their
    organisations."""
    rounds = list(
        (
            await session.exec(
                select(Round)
                .where(col(Round.id).in_(list(round_ids)), Round.state == RoundState.OPEN)
                .order_by(col(Round.id))
            )
        ).all()
    )
    orgs = (await session.exec(select(Organisation).where(col(Organisation.id).in_({r.org_id for r in rounds})))).all()
    return rounds, {o.id or 0: o for o in orgs}


async def _pairs(session: AsyncSession, q) -> set[tuple[int, int]]:
    """A query's (round, unit) rows as a set of plain tuples: a set of result rows compares them slowly (a nation's
    wave looks 60,000 up)."""
    return {(a, b) for a, b in (await session.exec(q)).all()}


async def _owed(session: AsyncSession, round_ids: list[int], first: int) -> dict[tuple[int, int], Owed]:
    """(round, unit) → how many items it owns without an answer now, and the first ``first`` of them in plan
    order (a unit that owes nothing is absent)."""

    def unanswered(unit_id):
        return ~exists().where(
            StatusReport.round_id == Round.id, StatusReport.item_id == PlanItem.id, StatusReport.unit_id == unit_id
        )

    wanted = col(Round.id).in_(round_ids)
    cols = (PlanItem.position, PlanItem.id, PlanItem.code, PlanItem.title)
    explicit = (
        select(col(Round.id).label("round_id"), col(PlanItemUnit.unit_id).label("unit_id"), *cols)
        .join(PlanItem, and_(col(PlanItem.fiscal_year_id) == Round.fiscal_year_id, col(PlanItem.all_units).is_(False)))
        .join(PlanItemUnit, col(PlanItemUnit.item_id) == PlanItem.id)
        .where(wanted, unanswered(PlanItemUnit.unit_id))
    )
    every_unit = (
        select(col(Round.id).label("round_id"), col(Unit.id).label("unit_id"), *cols)
        .join(PlanItem, and_(col(PlanItem.fiscal_year_id) == Round.fiscal_year_id, col(PlanItem.all_units)))
        .join(Unit, and_(col(Unit.org_id) == Round.org_id, col(Unit.is_active)))
        .where(wanted, unanswered(Unit.id))
    )
    both = union_all(explicit, every_unit).subquery()
    place = (
        func.row_number()
        .over(partition_by=(both.c.round_id, both.c.unit_id), order_by=(both.c.position, both.c.id))
        .label("place")
    )
    waiting = func.count().over(partition_by=(both.c.round_id, both.c.unit_id)).label("waiting")
    ranked = select(both.c.round_id, both.c.unit_id, both.c.code, both.c.title, place, waiting).subquery()
    q = select(ranked.c.round_id, ranked.c.unit_id, ranked.c.code, ranked.c.title, ranked.c.waiting).where(
        ranked.c.place <= literal(first)
    )
    out: dict[tuple[int, int], list[tuple[str, str]]] = {}
    counted: dict[tuple[int, int], int] = {}
    for round_id, unit_id, code, title, n in (
        await session.exec(q.order_by(ranked.c.round_id, ranked.c.unit_id, ranked.c.place))
    ).all():
        out.setdefault((round_id, unit_id), []).append((code, title))
        counted[(round_id, unit_id)] = n
    return {k: Owed(counted[k], tuple(v)) for k, v in out.items()}
