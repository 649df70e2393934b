"""Repositories. Each one is bound to one organisation, so no query can reach another's rows."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from base.values import bangkok_today, clean_name
from domain.calendar import default_rounds, fiscal_year_of
from locales.errors import UserError
from locales.i18n import _
from storage.chain import seal
from storage.models import (
    AuditLog,
    FiscalYear,
    Organisation,
    OrgKind,
    PlanItem,
    PlanItemUnit,
    PlanSection,
    Round,
    RoundNarrative,
    TickMark,
    Unit,
)

ALL_UNITS_LABEL = "ทุกสำนัก/กอง"


def this_fiscal_year(today: dt.date | None = None) -> int:
    """The BE fiscal year that contains today in Bangkok (October starts the next one)."""

    return fiscal_year_of(today or bangkok_today())


async def replan(session: AsyncSession, org_id: int) -> None:
    """Someone new can be reached (joined, linked an app, chose an app, bound a group): forget the tick's
    marks for the organisation, so the next minute plans it again. The outbox keys still keep anyone from
    getting a reminder twice; the newcomer gets the rung that is due now, as everyone did."""

    await session.exec(delete(TickMark).where(TickMark.org_id == org_id))


async def audit(
    session: AsyncSession,
    org_id: int,
    actor: str,
    action: str,
    entity: str,
    entity_id: int | None,
    old: dict[str, Any] | None = None,
    new: dict[str, Any] | None = None,
    person_id: int | None = None,
) -> None:
    """Record who changed what (old → new), linked to the organisation's chain (storage/chain.py); values must
    be JSON-ready."""
    line = AuditLog(
        org_id=org_id,
        person_id=person_id,
        actor=actor,
        action=action,
        entity=entity,
        entity_id=entity_id,
        old=old,
        new=new,
    )
    await seal(session, line)
    session.add(line)


# ---------------------------------------------------------------- organisations


async def list_organisations(session: AsyncSession) -> Sequence[Organisation]:
    return (await session.exec(select(Organisation).order_by(Organisation.id))).all()


async def find_organisation(session: AsyncSession, wanted: str = "") -> Organisation:
    """The organisation a command acts on: by id or name, or the only one there is."""
    orgs = await list_organisations(session)
    if not orgs:
        raise UserError(_("No organisation yet: run `tidtam init` first"))
    if wanted:
        for org in orgs:
            if org.name == wanted or str(org.id) == wanted:
                return org
        raise UserError(_('No organisation named "{name}"').format(name=wanted))
    real = [o for o in orgs if not o.is_demo] or orgs  # a demo left beside the one real organisation is not a choice
    if len(real) > 1:
        raise UserError(_("This database holds several organisations: choose one with --org or TIDTAM_ORG"))
    return real[0]


async def create_organisation(
    session: AsyncSession,
    *,
    name: str,
    kind: OrgKind,
    province: str,
    district: str,
    fiscal_year: int,
    actor: str = "cli",
    is_demo: bool = False,
) -> Organisation:
    if (await session.exec(select(Organisation).where(Organisation.name == name))).first():
        raise UserError(_('An organisation named "{name}" already exists').format(name=name))
    org = Organisation(name=name, kind=kind, province=province, district=district, is_demo=is_demo)
    session.add(org)
    await session.flush()
    await Rounds(session, org.id).ensure_fiscal_year(fiscal_year)
    await audit(
        session,
        org.id,
        actor,
        "create",
        "organisation",
        org.id,
        new={"name": name, "kind": kind.value, "province": province, "district": district},
    )
    return org


@dataclass
class Scoped:
    """A session and the one organisation every query of this repository is limited to."""

    session: AsyncSession
    org_id: int


# ---------------------------------------------------------------- units


class Units(Scoped):
    async def all(self) -> Sequence[Unit]:
        q = select(Unit).where(Unit.org_id == self.org_id).order_by(Unit.id)
        return (await self.session.exec(q)).all()

    async def by_name(self, name: str) -> Unit | None:
        q = select(Unit).where(Unit.org_id == self.org_id, Unit.name == name.strip())
        return (await self.session.exec(q)).first()

    async def add(self, name: str, parent: str | None = None, actor: str = "cli") -> Unit:
        name = clean_name(name)
        if not name:
            raise UserError(_("A unit needs a name"))
        if name == ALL_UNITS_LABEL:
            raise UserError(_('"{name}" means every unit and cannot be a unit\'s name').format(name=name))
        if await self.by_name(name):
            raise UserError(_('The unit "{name}" already exists').format(name=name))
        parent_id = None
        if parent:
            parent_unit = await self.by_name(parent)
            if parent_unit is None:
                raise UserError(_('There is no unit named "{name}"; see `tidtam unit list`').format(name=parent))
            parent_id = parent_unit.id
        unit = Unit(org_id=self.org_id, name=name, parent_id=parent_id)
        self.session.add(unit)
        await self.session.flush()
        await audit(self.session, self.org_id, actor, "create", "unit", unit.id, new={"name": name, "parent": parent})
        return unit

    async def tree(self) -> list[tuple[int, Unit]]:
        """Units in tree order with their depth."""
        units = await self.all()
        children: dict[int | None, list[Unit]] = {}
        for u in units:
            children.setdefault(u.parent_id, []).append(u)
        out: list[tuple[int, Unit]] = []

        def walk(parent: int | None, depth: int) -> None:
            for u in children.get(parent, []):
                out.append((depth, u))
                walk(u.id, depth + 1)

        walk(None, 0)
        return out


# ---------------------------------------------------------------- fiscal years and rounds


class Rounds(Scoped):
    async def fiscal_year(self, year_be: int | None = None) -> FiscalYear:
        """The given fiscal year; by default the one that contains today, or (not set up yet) the latest one."""
        q = select(FiscalYear).where(FiscalYear.org_id == self.org_id)
        if not year_be:
            current = (await self.session.exec(q.where(FiscalYear.year_be == this_fiscal_year()))).first()
            if current is not None:
                return current
        q = q.where(FiscalYear.year_be == year_be) if year_be else q.order_by(col(FiscalYear.year_be).desc())
        fy = (await self.session.exec(q)).first()
        if fy is None:
            if year_be:
                raise UserError(
                    _("Fiscal year {year} is not set up; run `tidtam init --fiscal-year {year}`").format(year=year_be)
                )
            raise UserError(_("No fiscal year yet: run `tidtam init` first"))
        return fy

    async def ensure_fiscal_year(self, year_be: int) -> FiscalYear:
        if not 2500 <= year_be <= 2700:
            raise UserError(_("A fiscal year is written in the Buddhist era, for example 2569"))
        q = select(FiscalYear).where(FiscalYear.org_id == self.org_id, FiscalYear.year_be == year_be)
        fy = (await self.session.exec(q)).first()
        if fy is None:
            fy = FiscalYear(org_id=self.org_id, year_be=year_be)
            self.session.add(fy)
            await self.session.flush()
            for d in default_rounds(year_be):
                self.session.add(
                    Round(
                        org_id=self.org_id,
                        fiscal_year_id=fy.id,
                        months=d.months,
                        period_start=d.period_start,
                        period_end=d.period_end,
                        opens_on=d.opens_on,
                        due_on=d.due_on,
                        submit_by=d.submit_by,
                    )
                )
            await self.session.flush()
        return fy

    async def of_year(self, fy: FiscalYear) -> Sequence[Round]:
        q = select(Round).where(Round.org_id == self.org_id, Round.fiscal_year_id == fy.id).order_by(Round.months)
        return (await self.session.exec(q)).all()

    async def get(self, fy: FiscalYear, months: int) -> Round:
        q = select(Round).where(Round.org_id == self.org_id, Round.fiscal_year_id == fy.id, Round.months == months)
        rnd = (await self.session.exec(q)).first()
        if rnd is None:
            raise UserError(_("A round is 6 or 12 (months)"))
        return rnd

    async def by_months(self, months: int, year_be: int | None = None) -> tuple[Round, FiscalYear] | None:
        """The round of ``months`` in fiscal year ``year_be``, or in the latest year that has one."""
        q = (
            select(Round, FiscalYear)
            .join(FiscalYear, col(FiscalYear.id) == Round.fiscal_year_id)
            .where(Round.org_id == self.org_id, Round.months == months)
            .order_by(col(FiscalYear.year_be).desc())
        )
        if year_be:
            q = q.where(FiscalYear.year_be == year_be)
        return (await self.session.exec(q)).first()

    async def set_dates(
        self, rnd: Round, *, opens: dt.date | None, due: dt.date | None, submit_by: dt.date | None, actor: str = "cli"
    ) -> Round:
        old = {
            "opens_on": rnd.opens_on.isoformat(),
            "due_on": rnd.due_on.isoformat(),
            "submit_by": rnd.submit_by.isoformat(),
        }
        opens, due, submit_by = opens or rnd.opens_on, due or rnd.due_on, submit_by or rnd.submit_by
        if not opens <= due <= submit_by:
            raise UserError(_("The dates must follow each other: opens ≤ units answer by ≤ submit by"))
        if opens < rnd.period_start:
            raise UserError(_("Collection cannot open before the period the round covers begins"))
        rnd.opens_on, rnd.due_on, rnd.submit_by = opens, due, submit_by
        self.session.add(rnd)
        await audit(
            self.session,
            self.org_id,
            actor,
            "update",
            "round",
            rnd.id,
            old=old,
            new={"opens_on": opens.isoformat(), "due_on": due.isoformat(), "submit_by": submit_by.isoformat()},
        )
        return rnd


# ---------------------------------------------------------------- plan


@dataclass
class ItemView:
    """An item with its headings and owning unit names, ready to show or export."""

    item: PlanItem
    dimension: PlanSection
    mission: PlanSection
    subitem: PlanSection | None
    strategy: PlanSection | None
    unit_names: list[str]


class Plan(Scoped):
    async def sections(self, fy: FiscalYear) -> dict[int, PlanSection]:
        q = select(PlanSection).where(PlanSection.org_id == self.org_id, PlanSection.fiscal_year_id == fy.id)
        return {s.id: s for s in (await self.session.exec(q)).all()}

    async def section_titles(self, fy_id: int) -> dict[int, str]:
        q = select(PlanSection.id, PlanSection.title).where(
            PlanSection.org_id == self.org_id, PlanSection.fiscal_year_id == fy_id
        )
        return {i: t for i, t in (await self.session.exec(q)).all()}

    async def items(self, fy: FiscalYear) -> Sequence[PlanItem]:
        q = (
            select(PlanItem)
            .where(PlanItem.org_id == self.org_id, PlanItem.fiscal_year_id == fy.id)
            .order_by(PlanItem.position, PlanItem.id)
        )
        return (await self.session.exec(q)).all()

    async def owners(self, fy: FiscalYear) -> dict[int, list[int]]:
        """item id → ids of the units that own it (explicit links; all-units items resolve later)."""
        q = (
            select(PlanItemUnit.item_id, PlanItemUnit.unit_id)
            .join(PlanItem, col(PlanItem.id) == PlanItemUnit.item_id)
            .where(PlanItem.org_id == self.org_id, PlanItem.fiscal_year_id == fy.id)
        )
        out: dict[int, list[int]] = {}
        for item_id, unit_id in (await self.session.exec(q)).all():
            out.setdefault(item_id, []).append(unit_id)
        return out

    async def views(self, fy: FiscalYear) -> list[ItemView]:
        sections = await self.sections(fy)
        owners = await self.owners(fy)
        units = {u.id: u for u in await Units(self.session, self.org_id).all()}
        views = []
        for it in await self.items(fy):
            names = (
                [ALL_UNITS_LABEL]
                if it.all_units
                else sorted((units[u].name for u in owners.get(it.id, [])), key=_unit_order(units))
            )
            views.append(
                ItemView(
                    it,
                    sections[it.dimension_id],
                    sections[it.mission_id],
                    sections.get(it.subitem_id) if it.subitem_id else None,
                    sections.get(it.strategy_id) if it.strategy_id else None,
                    names,
                )
            )
        return views


def _unit_order(units: dict[int, Unit]):
    order = {u.name: u.id for u in units.values()}
    return lambda name: order.get(name, 0)


async def narrative_of(session: AsyncSession, org_id: int, round_id: int) -> RoundNarrative:
    """The round's three narrative sections as written so far (a new, empty record when none is)."""
    q = select(RoundNarrative).where(RoundNarrative.org_id == org_id, RoundNarrative.round_id == round_id)
    return (await session.exec(q)).first() or RoundNarrative(org_id=org_id, round_id=round_id)
