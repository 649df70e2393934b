"""The next fiscal year from this one: the same plan (hierarchy, items, owners, budgets) under a new year.

The old year keeps its items, answers and documents untouched; the new year gets its own
copies, so editing next year's plan never rewrites what was reported for this one.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import col, func, select

from locales.errors import UserError
from locales.i18n import _
from locales.thai import MonthRange
from storage.models import FiscalYear, PlanItem, PlanItemUnit, PlanSection
from storage.repo import Rounds, Scoped, audit

SECTION_LINKS = ("strategy_id", "dimension_id", "mission_id", "subitem_id")


@dataclass
class YearStarted:
    year: FiscalYear
    from_year: int | None
    sections: int
    items: int


def _shifted(item: PlanItem, years: int) -> dict:
    """The months an item runs, moved into the new year (ต.ค.68-ก.ย.69 → ต.ค.69-ก.ย.70)."""
    if item.month_from is None or item.month_to is None:
        return {"months": "", "month_from": None, "month_to": None}
    start = item.month_from.replace(year=item.month_from.year + years)
    end = item.month_to.replace(year=item.month_to.year + years)
    return {"months": MonthRange(start, end).format(thai_digits=False), "month_from": start, "month_to": end}


class Years(Scoped):
    async def all(self) -> list[FiscalYear]:
        """The organisation's fiscal years, oldest first."""
        q = select(FiscalYear).where(FiscalYear.org_id == self.org_id).order_by(col(FiscalYear.year_be))
        return list((await self.session.exec(q)).all())

    async def start(self, year_be: int, from_year: int | None = None, actor: str = "cli") -> YearStarted:
        """Create ``year_be`` with its two rounds at the default dates and copy ``from_year``'s plan into it
        (default: the latest earlier year with a plan)."""
        rounds = Rounds(self.session, self.org_id)
        existing = (
            await self.session.exec(
                select(FiscalYear).where(FiscalYear.org_id == self.org_id, FiscalYear.year_be == year_be)
            )
        ).first()
        if existing is not None and await self._item_count(existing.id):
            raise UserError(
                _(
                    "Fiscal year {year} already has a plan; change it with `tidtam plan import --fiscal-year {year}`"
                ).format(year=year_be)
            )
        source = await self._source(year_be, from_year)
        new = await rounds.ensure_fiscal_year(year_be)
        sections = items = 0
        if source is not None:
            sections, items = await self._copy_plan(source, new)
        await audit(
            self.session,
            self.org_id,
            actor,
            "start",
            "fiscal_year",
            new.id,
            new={"year": year_be, "from": source.year_be if source else None, "items": items},
        )
        return YearStarted(new, source.year_be if source else None, sections, items)

    async def _item_count(self, fy_id: int) -> int:
        q = (
            select(func.count())
            .select_from(PlanItem)
            .where(PlanItem.org_id == self.org_id, PlanItem.fiscal_year_id == fy_id)
        )
        return (await self.session.exec(q)).one()

    async def _source(self, year_be: int, from_year: int | None) -> FiscalYear | None:
        if from_year is not None:
            if from_year == year_be:
                raise UserError(_("A year cannot start from itself"))
            return await Rounds(self.session, self.org_id).fiscal_year(from_year)
        earlier = (
            await self.session.exec(
                select(FiscalYear)
                .where(FiscalYear.org_id == self.org_id, col(FiscalYear.year_be) < year_be)
                .order_by(col(FiscalYear.year_be).desc())
            )
        ).all()
        for fy in earlier:
            if await self._item_count(fy.id):
                return fy
        return None

    async def _copy_plan(self, source: FiscalYear, target: FiscalYear) -> tuple[int, int]:
        old_sections = (
            await self.session.exec(
                select(PlanSection)
                .where(PlanSection.org_id == self.org_id, PlanSection.fiscal_year_id == source.id)
                .order_by(PlanSection.id)
            )
        ).all()
        new_id: dict[int, int] = {}
        pending = list(old_sections)
        while pending:  # parents first, whatever order the rows were written in
            ready = [s for s in pending if s.parent_id is None or s.parent_id in new_id]
            if not ready:
                raise UserError(_("The plan's headings refer to each other in a loop; it cannot be copied"))
            for s in ready:
                heading = PlanSection(
                    org_id=self.org_id,
                    fiscal_year_id=target.id,
                    level=s.level,
                    code=s.code,
                    title=s.title,
                    parent_id=new_id.get(s.parent_id) if s.parent_id else None,
                )
                self.session.add(heading)
                await self.session.flush()
                new_id[s.id] = heading.id  # type: ignore[assignment]  # flushed: it has one
            pending = [s for s in pending if s.id not in new_id]
        items = (
            await self.session.exec(
                select(PlanItem)
                .where(PlanItem.org_id == self.org_id, PlanItem.fiscal_year_id == source.id)
                .order_by(PlanItem.position, PlanItem.id)
            )
        ).all()
        owners: dict[int, list[int]] = {}
        for item_id, unit_id in (
            await self.session.exec(
                select(PlanItemUnit.item_id, PlanItemUnit.unit_id).where(
                    col(PlanItemUnit.item_id).in_([i.id for i in items])
                )
            )
        ).all():
            owners.setdefault(item_id, []).append(unit_id)
        for it in items:
            fields = it.model_dump(exclude={"id", "fiscal_year_id", "months", "month_from", "month_to", *SECTION_LINKS})
            links = {name: new_id[getattr(it, name)] if getattr(it, name) else None for name in SECTION_LINKS}
            copy = PlanItem(
                **fields, **links, fiscal_year_id=target.id, **_shifted(it, target.year_be - source.year_be)
            )
            self.session.add(copy)
            await self.session.flush()
            for unit_id in owners.get(it.id, []):
                self.session.add(PlanItemUnit(item_id=copy.id, unit_id=unit_id))
        await self.session.flush()
        return len(old_sections), len(items)
