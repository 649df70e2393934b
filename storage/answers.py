"""Answers (StatusReports) in a round: who owns what, what is still awaited, the latest word on each pair.

An item owned by several units, or by all units, is answered once by each of them;
the pair (item, unit) is the unit of work.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Sequence

from sqlmodel import col, func, select

from storage.models import FiscalYear, PlanItem, PlanItemUnit, Round, RoundState, StatusReport, Unit
from storage.repo import Plan, Scoped, Units, audit
from storage.types import without_control_characters


@dataclass(frozen=True)
class Pair:
    item: PlanItem
    unit_id: int


class Answers(Scoped):
    async def open_round(self) -> Round | None:
        q = (select(Round).where(Round.org_id == self.org_id, Round.state == RoundState.OPEN)
             .order_by(col(Round.opens_on).desc()))
        return (await self.session.exec(q)).first()

    async def current_round(self) -> Round | None:
        """The open round; else the latest one that has been opened; else the next one planned."""
        rnd = await self.open_round()
        if rnd:
            return rnd
        rounds = (await self.session.exec(select(Round).where(Round.org_id == self.org_id)
                                          .order_by(col(Round.opens_on).desc()))).all()
        closed = [r for r in rounds if r.state == RoundState.CLOSED]
        if closed:
            return closed[0]
        return rounds[-1] if rounds else None

    async def round_by_id(self, round_id: int) -> Round | None:
        rnd = await self.session.get(Round, round_id)
        return rnd if rnd and rnd.org_id == self.org_id else None

    async def pairs(self, fy_id: int, unit_ids: Sequence[int] | None = None) -> list[Pair]:
        """Every (item, owning unit) of the fiscal year, optionally limited to some units."""
        if unit_ids is not None:
            return await self._pairs_of(fy_id, unit_ids)
        fy = await self.session.get(FiscalYear, fy_id)
        plan = Plan(self.session, self.org_id)
        owners = await plan.owners(fy)
        active = [u.id for u in await Units(self.session, self.org_id).all() if u.is_active]
        out = []
        for item in await plan.items(fy):
            for unit_id in (active if item.all_units else sorted(owners.get(item.id, []))):
                if unit_ids is None or unit_id in unit_ids:
                    out.append(Pair(item, unit_id))
        return out

    async def _pairs_of(self, fy_id: int, unit_ids: Sequence[int]) -> list[Pair]:
        """A few units' pairs, read without loading the whole plan (this runs on every list a person opens)."""
        in_year = (PlanItem.org_id == self.org_id, PlanItem.fiscal_year_id == fy_id)
        active = set((await self.session.exec(select(Unit.id).where(
            Unit.org_id == self.org_id, col(Unit.id).in_(list(unit_ids)), col(Unit.is_active)))).all())
        found = [(item, unit_id) for item, unit_id in (await self.session.exec(
            select(PlanItem, PlanItemUnit.unit_id).join(PlanItemUnit, col(PlanItemUnit.item_id) == PlanItem.id)
            .where(*in_year, col(PlanItemUnit.unit_id).in_(list(unit_ids)), col(PlanItem.all_units).is_(False)))).all()]
        if active:
            found += [(item, unit_id) for item in (await self.session.exec(
                select(PlanItem).where(*in_year, col(PlanItem.all_units)))).all() for unit_id in active]
        found.sort(key=lambda p: (p[0].position, p[0].id, p[1]))
        return [Pair(item, unit_id) for item, unit_id in found]

    async def latest(self, rnd: Round, unit_ids: Sequence[int] | None = None,
                     as_of: dt.datetime | None = None) -> dict[tuple[int, int], StatusReport]:
        """(item id, unit id) → the newest answer in the round (answers are append-only), optionally as it
        stood at ``as_of``."""
        newest = select(func.max(StatusReport.id)).where(StatusReport.org_id == self.org_id,
                                                          StatusReport.round_id == rnd.id)
        if unit_ids is not None:
            newest = newest.where(col(StatusReport.unit_id).in_(list(unit_ids)))
        if as_of is not None:
            newest = newest.where(StatusReport.created_at <= as_of)
        newest = newest.group_by(StatusReport.item_id, StatusReport.unit_id)
        q = select(StatusReport).where(col(StatusReport.id).in_(newest))  # not every earlier version too
        return {(r.item_id, r.unit_id): r for r in (await self.session.exec(q)).all()}

    async def awaiting(self, rnd: Round, unit_ids: Sequence[int]) -> list[Pair]:
        answered = await self.latest(rnd, unit_ids)
        return [p for p in await self.pairs(rnd.fiscal_year_id, unit_ids)
                if (p.item.id, p.unit_id) not in answered]

    async def owns(self, item: PlanItem, unit_id: int) -> bool:
        if item.org_id != self.org_id:
            return False
        if item.all_units:
            unit = await self.unit(unit_id)
            return unit is not None and unit.is_active
        q = select(PlanItemUnit.item_id).where(PlanItemUnit.item_id == item.id, PlanItemUnit.unit_id == unit_id)
        return (await self.session.exec(q)).first() is not None

    async def item(self, item_id: int) -> PlanItem | None:
        item = await self.session.get(PlanItem, item_id)
        return item if item and item.org_id == self.org_id else None

    async def item_by_code(self, fy_id: int, code: str) -> PlanItem | None:
        q = select(PlanItem).where(PlanItem.org_id == self.org_id, PlanItem.fiscal_year_id == fy_id,
                                   PlanItem.code == code.strip())
        return (await self.session.exec(q)).first()

    async def unit(self, unit_id: int) -> Unit | None:
        unit = await self.session.get(Unit, unit_id)
        return unit if unit and unit.org_id == self.org_id else None

    async def history(self, item_id: int, unit_ids: Sequence[int] | None = None) -> list[StatusReport]:
        q = select(StatusReport).where(StatusReport.org_id == self.org_id, StatusReport.item_id == item_id)
        if unit_ids is not None:
            q = q.where(col(StatusReport.unit_id).in_(list(unit_ids)))
        return list((await self.session.exec(q.order_by(StatusReport.id))).all())

    async def save(self, report: StatusReport, actor: str) -> StatusReport:
        """Append an answer and its audit line; the previous answer stays as history."""
        report.org_id = self.org_id
        for name in ("done_text", "months", "problems", "reason"):  # they go into documents' XML
            setattr(report, name, without_control_characters(getattr(report, name) or ""))
        previous = (await self.session.exec(
            select(StatusReport).where(StatusReport.org_id == self.org_id, StatusReport.round_id == report.round_id,
                                       StatusReport.item_id == report.item_id, StatusReport.unit_id == report.unit_id)
            .order_by(col(StatusReport.id).desc()).limit(1))).first()
        self.session.add(report)
        await self.session.flush()
        await audit(self.session, self.org_id, actor, "answer", "status_report", report.id,
                    old=_summary(previous) if previous else None, new=_summary(report),
                    person_id=report.person_id)
        return report


def _summary(r: StatusReport) -> dict:
    return {"item": r.item_id, "unit": r.unit_id, "round": r.round_id, "status": r.status.value,
            "disbursed": None if r.disbursed is None else format(r.disbursed, "f"),
            "qty": None if r.qty_achieved is None else format(r.qty_achieved, "f")}
