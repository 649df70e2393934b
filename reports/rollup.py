"""A roll-up across organisations (a provincial office's view): each organisation's round figures, and totals.

Read in a handful of set-wise queries whatever the number of organisations, and computed with
the same rules as one organisation's summary (``combined_status``, the carried-out rule), so a
line of the roll-up equals that organisation's own /summary.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import case, type_coerce
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from domain.status import combined_status, percent
from domain.vocabulary import AWAITING, DEFAULT_CARRIED_OUT, STATUS_ORDER
from storage.models import (
    FiscalYear,
    Organisation,
    OrgKind,
    PlanItem,
    PlanItemUnit,
    Round,
    Status,
    StatusReport,
    Unit,
)
from storage.types import Money


@dataclass
class OrgFigures:
    org: Organisation
    round: Round | None
    items: int = 0
    counts: Counter = field(default_factory=Counter)
    carried_out: int = 0
    budget_plan: Decimal = Decimal("0.00")
    budget_basis: Decimal = Decimal("0.00")  # domain.budget: what disbursed money is compared with
    disbursed: Decimal = Decimal("0.00")
    pairs: int = 0
    awaiting_pairs: int = 0
    awaiting_units: set[int] = field(default_factory=set)  # units with an item still awaiting their answer
    last_answer: dt.datetime | None = None  # the latest answer a unit gave in the round (not a carried one)

    @property
    def reporting(self) -> str:
        """e-PlanNACC's reported / not reported, with "partly" between: every owning unit has answered every item,
        some have, or none has ("" when the round is not set up or the plan is empty)."""
        if self.round is None or not self.pairs:
            return ""
        if not self.awaiting_pairs:
            return "reported"
        return "none" if self.awaiting_pairs == self.pairs else "partly"

    @property
    def disbursed_share(self) -> Decimal:
        return percent(self.disbursed, self.budget_basis)

    @property
    def carried_out_share(self) -> Decimal:
        return percent(self.carried_out, self.items)

    @property
    def answered_share(self) -> Decimal:
        return percent(self.pairs - self.awaiting_pairs, self.pairs)


@dataclass
class Rollup:
    year_be: int
    months: int
    rule: tuple[Status, ...]
    orgs: list[OrgFigures]

    def total(self, name: str):
        return sum(
            (getattr(o, name) for o in self.orgs),
            Decimal("0.00") if name in ("budget_plan", "budget_basis", "disbursed") else 0,
        )

    @property
    def counts(self) -> Counter:
        out: Counter = Counter()
        for o in self.orgs:
            out.update(o.counts)
        return out

    @property
    def carried_out_share(self) -> Decimal:
        return percent(self.total("carried_out"), self.total("items"))


async def all_org_ids(session: AsyncSession) -> list[int]:
    q = select(Organisation.id).where(Organisation.kind != OrgKind.OVERSIGHT).order_by(Organisation.id)
    return list((await session.exec(q)).all())


async def latest_year(session: AsyncSession, org_ids: Sequence[int]) -> int | None:
    """The newest fiscal year any of these organisations has (BE)."""
    q = select(func.max(FiscalYear.year_be)).where(col(FiscalYear.org_id).in_(list(org_ids)))
    return (await session.exec(q)).one()


async def rollup(
    session: AsyncSession,
    org_ids: Sequence[int],
    year_be: int,
    months: int,
    rule: tuple[Status, ...] = DEFAULT_CARRIED_OUT,
) -> Rollup:
    """The round of ``months`` in fiscal year ``year_be`` for each organisation in ``org_ids`` (and only those)."""
    ids = list(org_ids)
    orgs = {o.id: o for o in (await session.exec(select(Organisation).where(col(Organisation.id).in_(ids)))).all()}
    rounds = {
        r.org_id: r
        for r in (
            await session.exec(
                select(Round)
                .join(FiscalYear, col(FiscalYear.id) == Round.fiscal_year_id)
                .where(col(Round.org_id).in_(ids), FiscalYear.year_be == year_be, Round.months == months)
            )
        ).all()
    }
    fy_ids = [r.fiscal_year_id for r in rounds.values()]
    in_plans = (col(PlanItem.fiscal_year_id).in_(fy_ids), col(PlanItem.org_id).in_(ids))
    items = (await session.exec(select(PlanItem.id, PlanItem.org_id, PlanItem.all_units).where(*in_plans))).all()
    # the budgets summed in the database, in whole satang (domain.budget.basis_of's rule, as SQL): a nation's half
    # a million items are not each turned into two Decimals here
    basis = case((col(PlanItem.no_budget), None), else_=func.coalesce(PlanItem.budget_ordinance, PlanItem.budget_plan))
    budgets = {
        org_id: (plan, of_basis)
        for org_id, plan, of_basis in (
            await session.exec(
                select(
                    PlanItem.org_id,
                    type_coerce(func.sum(PlanItem.budget_plan), Money),
                    type_coerce(func.sum(basis), Money),
                )
                .where(*in_plans)
                .group_by(col(PlanItem.org_id))
            )
        ).all()
    }
    owners: dict[int, list[int]] = {}
    for item_id, unit_id in (
        await session.exec(
            select(PlanItemUnit.item_id, PlanItemUnit.unit_id)
            .join(PlanItem, col(PlanItem.id) == PlanItemUnit.item_id)
            .where(col(PlanItem.fiscal_year_id).in_(fy_ids), col(PlanItem.org_id).in_(ids))
        )
    ).all():
        owners.setdefault(item_id, []).append(unit_id)
    active: dict[int, list[int]] = {}
    for active_id, org_id in (
        await session.exec(
            select(Unit.id, Unit.org_id).where(col(Unit.org_id).in_(ids), col(Unit.is_active)).order_by(Unit.id)
        )
    ).all():
        active.setdefault(org_id, []).append(active_id)
    latest: dict[tuple[int, int], tuple[Status, Decimal | None]] = {}
    for item_id, unit_id, status, disbursed in (
        await session.exec(
            select(StatusReport.item_id, StatusReport.unit_id, StatusReport.status, StatusReport.disbursed)
            .where(col(StatusReport.round_id).in_([r.id for r in rounds.values()]), col(StatusReport.org_id).in_(ids))
            .order_by(StatusReport.id)
        )
    ).all():
        latest[(item_id, unit_id)] = (Status(status), disbursed)

    figures = {i: OrgFigures(orgs[i], rounds.get(i)) for i in ids if i in orgs}
    for org_id, (plan, of_basis) in budgets.items():
        if org_id in figures:
            figures[org_id].budget_plan = plan or Decimal("0.00")
            figures[org_id].budget_basis = of_basis or Decimal("0.00")
    for item, org_id, all_units in items:
        f = figures[org_id]
        units = active.get(org_id, []) if all_units else owners.get(item or 0, [])
        answers = [latest.get((item or 0, u)) for u in units]
        status = combined_status([a[0] if a else None for a in answers]) if units else AWAITING
        f.items += 1
        f.counts[status] += 1
        f.disbursed += sum((a[1] or Decimal(0) for a in answers if a), Decimal("0.00"))
        f.pairs += len(units)
        f.awaiting_pairs += sum(1 for a in answers if a is None)
        f.awaiting_units.update(u for u, a in zip(units, answers, strict=True) if a is None)
    for f in figures.values():
        f.carried_out = sum(f.counts[s.value] for s in rule)
    for org_id, last in (
        await session.exec(
            select(StatusReport.org_id, func.max(StatusReport.created_at))
            .where(
                col(StatusReport.round_id).in_([r.id for r in rounds.values()]),
                col(StatusReport.carried_from_id).is_(None),
            )
            .group_by(col(StatusReport.org_id))
        )
    ).all():
        if org_id in figures:
            figures[org_id].last_answer = last
    return Rollup(year_be, months, rule, [figures[i] for i in ids if i in figures])


def rollup_json(r: Rollup) -> dict:
    def money(v: Decimal | None) -> str | None:
        return None if v is None else format(v, "f")

    return {
        "fiscal_year": r.year_be,
        "round": r.months,
        "carried_out_rule": {"statuses": [s.value for s in r.rule], "formula": "count(status in rule) / items * 100"},
        "organisations": [
            {
                "id": o.org.id,
                "name": o.org.name,
                "province": o.org.province,
                "district": o.org.district,
                "round_state": o.round.state.value if o.round else None,
                "items": o.items,
                "counts": {s: o.counts[s] for s in STATUS_ORDER},
                "carried_out": o.carried_out,
                "carried_out_share_percent": money(o.carried_out_share),
                "budget_plan": money(o.budget_plan),
                "budget_basis": money(o.budget_basis),
                "disbursed": money(o.disbursed),
                "unit_answers_expected": o.pairs,
                "unit_answers_awaiting": o.awaiting_pairs,
            }
            for o in r.orgs
        ],
        "totals": {
            "organisations": len(r.orgs),
            "items": r.total("items"),
            "counts": {s: r.counts[s] for s in STATUS_ORDER},
            "carried_out": r.total("carried_out"),
            "carried_out_share_percent": money(r.carried_out_share),
            "budget_plan": money(r.total("budget_plan")),
            "budget_basis": money(r.total("budget_basis")),
            "disbursed": money(r.total("disbursed")),
            "organisations_without_the_round": sum(1 for o in r.orgs if o.round is None),
            "organisations_not_fully_answered": sum(1 for o in r.orgs if o.awaiting_pairs),
        },
    }


def rollup_text(r: Rollup, limit: int = 40) -> str:
    """The overseer's /summary: totals with their rules, then the organisations least answered first."""
    from locales.i18n import _
    from locales.labels import status_label
    from locales.thai import format_amount
    from reports.summary import disbursed_rule

    def baht(value: Decimal) -> str:
        return _("{amount} baht").format(amount=format_amount(value))

    counts = r.counts
    lines = [
        _("Roll-up of {n} organisations: {months}-month round, fiscal year {year}").format(
            n=len(r.orgs), months=r.months, year=r.year_be
        ),
        "",
        _("All {n} items:").format(n=r.total("items")),
    ]
    lines += [f"  {status_label(k)}: {counts[k]}" for k in STATUS_ORDER]
    names = " + ".join(status_label(s.value) for s in r.rule)
    lines += [
        "",
        _("Carried out: {share}%").format(share=r.carried_out_share),
        "  "
        + _("carried out = items with status {names} ({n}) ÷ all items in the plan ({total}) × 100").format(
            names=names, n=r.total("carried_out"), total=r.total("items")
        ),
        _("Disbursed {disbursed} of the budget {planned} ({share}%)").format(
            disbursed=baht(r.total("disbursed")),
            planned=baht(r.total("budget_basis")),
            share=percent(r.total("disbursed"), r.total("budget_basis")),
        ),
        "  " + disbursed_rule(Round(months=r.months)),
        "",
    ]
    missing = [o for o in r.orgs if o.round is None]
    if missing:
        lines.append(_("Without this round set up: {names}").format(names=", ".join(o.org.name for o in missing)))
    ranked = sorted((o for o in r.orgs if o.round is not None), key=lambda o: (o.answered_share, o.org.name))
    lines.append(_("Organisations, least answered first:"))
    lines += [
        _("  {name}: answered {answered}% · carried out {carried}%").format(
            name=o.org.name, answered=o.answered_share, carried=o.carried_out_share
        )
        for o in ranked[:limit]
    ]
    if len(ranked) > limit:
        lines.append(_("  … and {n} more: tidtam report summary --all-orgs --json").format(n=len(ranked) - limit))
    return "\n".join(lines)
