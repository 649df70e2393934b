"""Writing checked plan rows into one organisation's fiscal year: create, update by code, report.

The caller runs this in one transaction, so one bad row means nothing is written, and a
dry run is the same work rolled back.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from locales.errors import UserError
from locales.i18n import _
from locales.thai import format_amount
from storage.models import FiscalYear, PlanItem, PlanItemUnit, PlanSection, SectionLevel, Unit
from storage.plan_file import THAI_HEADER, PlanFileError, PlanRow, unit_slips
from storage.repo import Plan, Units, audit

SHOWN_FIELDS = {
    "number",
    "kind",
    "title",
    "kpi",
    "target_unit",
    "target_qty",
    "budget_plan",
    "budget_ordinance",
    "no_budget",
    "months",
    "all_units",
    "units",
    "dimension_id",
    "mission_id",
    "subitem_id",
}


@dataclass
class ImportResult:
    created: list[str] = field(default_factory=list)
    updated: dict[str, dict[str, tuple[Any, Any]]] = field(default_factory=dict)
    unchanged: int = 0
    units_created: list[str] = field(default_factory=list)
    units_known: int = 0  # units the organisation had before: new ones beside them are worth a second look
    sections_changed: list[str] = field(default_factory=list)
    not_in_file: list[str] = field(default_factory=list)
    total_items: int = 0
    total_budget_plan: Decimal = Decimal("0.00")
    total_budget_ordinance: Decimal = Decimal("0.00")

    @property
    def changed_anything(self) -> bool:
        return bool(self.created or self.updated or self.units_created or self.sections_changed)

    def lines(self, *, dry_run: bool) -> list[str]:
        """What the import did (or would do), for a person to read."""
        out = [_("Dry run: nothing was written.")] if dry_run else []
        out.append(
            _("{n} items in the file: {created} new, {updated} changed, {unchanged} unchanged").format(
                n=self.total_items, created=len(self.created), updated=len(self.updated), unchanged=self.unchanged
            )
        )
        out.append(
            _("Budget in the plan {plan} baht; in the ordinance {ordinance} baht").format(
                plan=format_amount(self.total_budget_plan), ordinance=format_amount(self.total_budget_ordinance)
            )
        )
        if self.units_created:
            out.append(_("New units: {names}").format(names=", ".join(self.units_created)))
            if self.units_known:
                out.append(_("Check that each new unit is really new, not another spelling of a unit you have."))
        for code, changes in self.updated.items():
            described = "; ".join(f"{name}: {_shown(old)} → {_shown(new)}" for name, (old, new) in changes.items())
            out.append(_("Changed {code}: {changes}").format(code=code, changes=described))
        if self.not_in_file:
            out.append(
                _("In the database but not in this file (kept): {codes}").format(codes=", ".join(self.not_in_file))
            )
        if not self.changed_anything and not dry_run:
            out.append(_("Nothing changed."))
        return out


def _shown(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(getattr(value, "value", value))


def _jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return format(value, "f")
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if hasattr(value, "value"):
        return value.value
    return value


async def import_plan(
    session: AsyncSession,
    org_id: int,
    fy: FiscalYear,
    rows: list[PlanRow],
    actor: str = "cli",
    *,
    new_units: bool = True,
) -> ImportResult:
    """``new_units`` False: a file that names a unit the organisation does not have, where it has units already,
    is refused (the CLI's default: a new name there is more often a slip than a new unit; ``--new-units``)."""
    result = ImportResult()
    sections = await _upsert_sections(session, org_id, fy, rows, result, actor)
    units = await _ensure_units(session, org_id, rows, result, actor, new_units)
    plan = Plan(session, org_id)
    existing = {it.code: it for it in await plan.items(fy)}
    owners = await plan.owners(fy)

    for position, r in enumerate(rows, start=1):
        values = {
            "number": r.number,
            "kind": r.kind,
            "title": r.title,
            "kpi": r.kpi,
            "target_unit": r.target_unit,
            "target_qty": r.target_qty,
            "budget_plan": r.budget_plan,
            "budget_ordinance": r.budget_ordinance,
            "no_budget": r.no_budget,
            "months": r.months,
            "month_from": r.month_range.start if r.month_range else None,
            "month_to": r.month_range.end if r.month_range else None,
            "all_units": r.all_units,
            "strategy_id": sections[("strategy", r.strategy)].id if r.strategy else None,
            "dimension_id": sections[("dimension", r.dimension)].id,
            "mission_id": sections[("mission", r.mission)].id,
            "subitem_id": sections[("subitem", r.subitem)].id if r.subitem else None,
            "position": position,
        }
        unit_ids = sorted(units[name].id for name in r.units)
        item = existing.pop(r.code, None)
        if item is None:
            item = PlanItem(org_id=org_id, fiscal_year_id=fy.id, code=r.code, **values)
            session.add(item)
            await session.flush()
            session.add_all(PlanItemUnit(item_id=item.id, unit_id=u) for u in unit_ids)
            result.created.append(r.code)
            await audit(
                session,
                org_id,
                actor,
                "create",
                "plan_item",
                item.id,
                new={k: _jsonable(v) for k, v in values.items()} | {"code": r.code, "units": r.units},
            )
        else:
            changes: dict[str, tuple[object, object]] = {
                k: (getattr(item, k), v) for k, v in values.items() if getattr(item, k) != v
            }
            old_units = sorted(owners.get(item.id, []))
            if old_units != unit_ids:
                changes["units"] = (old_units, unit_ids)
                await _relink(session, item.id, old_units, unit_ids)
            for k, (_old, new) in changes.items():
                if k != "units":
                    setattr(item, k, new)
            session.add(item)
            shown = {k: v for k, v in changes.items() if k in SHOWN_FIELDS}
            if shown:
                result.updated[r.code] = shown
                await audit(
                    session,
                    org_id,
                    actor,
                    "update",
                    "plan_item",
                    item.id,
                    old={k: _jsonable(o) for k, (o, _n) in shown.items()},
                    new={k: _jsonable(n) for k, (_o, n) in shown.items()},
                )
            else:
                result.unchanged += 1
        result.total_items += 1
        result.total_budget_plan += r.budget_plan or 0
        result.total_budget_ordinance += r.budget_ordinance or 0
    result.not_in_file = sorted(existing)
    await session.flush()
    return result


async def _relink(session: AsyncSession, item_id: int, old: list[int], new: list[int]) -> None:
    for unit_id in set(old) - set(new):
        link = await session.get(PlanItemUnit, (item_id, unit_id))
        if link is not None:
            await session.delete(link)
    session.add_all(PlanItemUnit(item_id=item_id, unit_id=u) for u in set(new) - set(old))
    await session.flush()


async def _upsert_sections(
    session: AsyncSession, org_id: int, fy: FiscalYear, rows: list[PlanRow], result: ImportResult, actor: str
) -> dict[tuple[str, str], PlanSection]:
    q = select(PlanSection).where(PlanSection.org_id == org_id, PlanSection.fiscal_year_id == fy.id)
    known = {(s.level.value, s.code): s for s in (await session.exec(q)).all()}
    for r in rows:
        chain = [
            ("strategy", r.strategy, r.strategy_title, None),
            ("dimension", r.dimension, r.dimension_title, ("strategy", r.strategy)),
            ("mission", r.mission, r.mission_title, ("dimension", r.dimension)),
            ("subitem", r.subitem, r.subitem_title, ("mission", r.mission)),
        ]
        for level, code, title, parent_key in chain:
            if not code:
                continue
            parent = known.get(parent_key) if parent_key and parent_key[1] else None
            section = known.get((level, code))
            if section is None:
                section = PlanSection(
                    org_id=org_id,
                    fiscal_year_id=fy.id,
                    level=SectionLevel(level),
                    code=code,
                    title=title,
                    parent_id=parent.id if parent else None,
                )
                session.add(section)
                await session.flush()
                known[(level, code)] = section
                result.sections_changed.append(code)
            elif title and section.title != title:
                await audit(
                    session,
                    org_id,
                    actor,
                    "update",
                    "plan_section",
                    section.id,
                    old={"title": section.title},
                    new={"title": title},
                )
                section.title = title
                session.add(section)
                result.sections_changed.append(code)
    await session.flush()
    return known


async def _ensure_units(
    session: AsyncSession, org_id: int, rows: list[PlanRow], result: ImportResult, actor: str, new_units: bool
) -> dict[str, Unit]:
    repo = Units(session, org_id)
    units = {u.name: u for u in await repo.all()}
    result.units_known = len(units)
    _refuse_near_misses(rows, set(units))
    unknown = sorted({name for r in rows for name in r.units if name not in units})
    if unknown and units and not new_units:
        raise UserError(
            _(
                "The file names units the organisation does not have yet: {names}. If they are new units, import "
                "again with --new-units; if a name is misspelt, correct the file. Nothing was imported."
            ).format(names=", ".join(unknown))
        )
    for r in rows:
        for name in r.units:
            if name not in units:
                units[name] = await repo.add(name, actor=actor)
                result.units_created.append(name)
    return units


def _refuse_near_misses(rows: list[PlanRow], known: set[str]) -> None:
    errors = unit_slips(rows, known, THAI_HEADER["units"])
    if errors:
        raise PlanFileError(errors)
