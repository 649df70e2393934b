"""An organisation's read-mostly data — rounds, units, plan items and their owners — kept per process and
checked against a version stamp that every step reads anyway.

Each check-in step used to read the open round, the item, its owners and the unit names again: four to
six statements of a step's nine (bench/steps.py). ``organisation.plan_version`` is bumped by database
triggers on every insert, update and delete of those tables (migration 0012), by any writer — this process,
another worker, the CLI, raw SQL. The step's context query loads the organisation, so a step whose stamp
matches the kept snapshot reads none of it.

A snapshot is kept only when the stamp read after its data equals the one the step began with: no
change was committed meanwhile (PostgreSQL reads each statement afresh) and this transaction changed
nothing itself (its own change would have moved the stamp). Its objects are detached and shared: read
them, never change them.
"""

from __future__ import annotations

import weakref
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property

from sqlalchemy.engine import Engine
from sqlmodel import SQLModel, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.db import table_of
from storage.models import Organisation, PlanItem, PlanItemUnit, Round, RoundState, Unit

# organisations a process keeps: ~360 KB each with a 63-item round open, nothing but rounds and units without
# one; an organisation pushed out costs its next step the four statements of reading it again
KEPT = 64


@dataclass(frozen=True)
class PlanSnapshot:
    org_id: int
    version: int
    rounds: dict[int, Round]
    units: dict[int, Unit]
    items: dict[int, PlanItem]  # the plan of each year with an open round (what the check-in asks about)
    owners: dict[int, tuple[int, ...]]  # item id → owning unit ids, in order (none for items of all units)
    by_year: dict[int, list[PlanItem]] = field(default_factory=dict)  # fiscal year id → items in plan order

    def open_round(self) -> Round | None:
        open_ = [r for r in self.rounds.values() if r.state == RoundState.OPEN]
        return max(open_, key=lambda r: r.opens_on) if open_ else None

    @cached_property
    def active_ids(self) -> tuple[int, ...]:
        return tuple(sorted(i for i, u in self.units.items() if u.is_active))

    def owner_ids(self, item: PlanItem) -> tuple[int, ...]:
        """The units that answer for an item, by id in order (the active ones, for an item of all units)."""
        return self.active_ids if item.all_units else self.owners.get(item.id or 0, ())

    def pairs(self, fy_id: int, unit_ids: Sequence[int] | None) -> list[tuple[PlanItem, int]]:
        """(item, owning unit) of a fiscal year in plan order, optionally only some units'."""
        wanted = None if unit_ids is None else set(unit_ids)
        return [
            (item, unit_id)
            for item in self.by_year.get(fy_id, [])
            for unit_id in self.owner_ids(item)
            if wanted is None or unit_id in wanted
        ]


_kept: weakref.WeakKeyDictionary[Engine, OrderedDict[int, PlanSnapshot]] = weakref.WeakKeyDictionary()


async def snapshot_of(session: AsyncSession, org: Organisation) -> PlanSnapshot:
    """The organisation's snapshot at the stamp ``org`` was read with: kept, or read now (four statements)."""
    assert org.id is not None and session.bind is not None
    engine = session.bind.sync_engine if hasattr(session.bind, "sync_engine") else session.bind
    kept = _kept.setdefault(engine, OrderedDict())  # type: ignore[arg-type]
    snap = kept.get(org.id)
    if snap is not None and snap.version == org.plan_version:
        kept.move_to_end(org.id)
        return snap
    snap = await _read(session, org.id, org.plan_version)
    stamp = (await session.exec(select(Organisation.plan_version).where(Organisation.id == org.id))).one()
    if stamp == org.plan_version:
        kept[org.id] = snap
        kept.move_to_end(org.id)
        while len(kept) > KEPT:
            kept.popitem(last=False)
    return snap


async def _read(session: AsyncSession, org_id: int, version: int) -> PlanSnapshot:
    """Rows made into new objects that belong to no session (the session's own, perhaps changed, stay
    where they are)."""
    rounds = [Round(**r._asdict()) for r in await _rows(session, Round, table_of(Round).c.org_id == org_id)]
    units = [Unit(**r._asdict()) for r in await _rows(session, Unit, table_of(Unit).c.org_id == org_id)]
    years = sorted({r.fiscal_year_id for r in rounds if r.state == RoundState.OPEN})
    plan, owned = table_of(PlanItem), table_of(PlanItemUnit)
    in_years = (plan.c.org_id == org_id) & plan.c.fiscal_year_id.in_(years)
    items = [PlanItem(**r._asdict()) for r in await _rows(session, PlanItem, in_years)] if years else []
    owners: dict[int, list[int]] = {}
    if years:
        rows = await session.exec(
            select(owned.c.item_id, owned.c.unit_id).join(plan, plan.c.id == owned.c.item_id).where(in_years)
        )
        for item_id, unit_id in rows.all():
            owners.setdefault(item_id, []).append(unit_id)
    own_owners = {i.id for i in items if not i.all_units}
    by_year: dict[int, list[PlanItem]] = {year: [] for year in years}
    for item in sorted(items, key=lambda i: (i.position, i.id or 0)):
        by_year.setdefault(item.fiscal_year_id, []).append(item)
    return PlanSnapshot(
        org_id,
        version,
        {r.id: r for r in rounds if r.id is not None},
        {u.id: u for u in units if u.id is not None},
        {i.id: i for i in items if i.id is not None},
        {k: tuple(sorted(v)) for k, v in owners.items() if k in own_owners},
        by_year,
    )


async def _rows(session: AsyncSession, model: type[SQLModel], where) -> Sequence:
    return (await session.exec(select(*table_of(model).c).where(where))).all()  # type: ignore[call-overload]
