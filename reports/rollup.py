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

from sqlalchemy import Select, String, Subquery, case, literal, null, type_coerce, union_all
from sqlalchemy.dialects.postgresql import aggregate_order_by
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
    round_ids = [r.id for r in rounds.values()]
    in_plans = (col(PlanItem.fiscal_year_id).in_(fy_ids), col(PlanItem.org_id).in_(ids))
    # the budgets summed in the database, in whole satang (domain.budget.basis_of's rule, as SQL): a nation's half
    # a million items are not each turned into two Decimals here
    basis = case((col(PlanItem.no_budget), None), else_=func.coalesce(PlanItem.budget_ordinance, PlanItem.budget_plan))
    figures = {i: OrgFigures(orgs[i], rounds.get(i)) for i in ids if i in orgs}
    for org_id, n, plan, of_basis in (
        await session.exec(
            select(
                PlanItem.org_id,
                func.count(),
                type_coerce(func.sum(PlanItem.budget_plan), Money),
                type_coerce(func.sum(basis), Money),
            )
            .where(*in_plans)
            .group_by(col(PlanItem.org_id))
        )
    ).all():
        if org_id in figures:
            f = figures[org_id]
            f.items, f.budget_plan, f.budget_basis = n, plan or Decimal("0.00"), of_basis or Decimal("0.00")
            f.counts[AWAITING] = n  # an item nobody owns is awaiting; the owned ones are counted below
    # each item's owning units' newest answers, grouped in the database by what combined_status needs (how many
    # owners, and their answers' statuses): a nation's half a million items arrive as a few rows per organisation,
    # and the rule itself stays domain.status's. The units with an item still awaiting come from the same join in
    # the same statement (a CTE read twice is computed once)
    pairs, answers = _pairs(fy_ids, ids), _newest_answers(round_ids, ids)
    joined = (
        select(pairs.c.org_id, pairs.c.item_id, pairs.c.unit_id, answers.c.status, answers.c.disbursed)
        .select_from(
            pairs.outerjoin(answers, (answers.c.item_id == pairs.c.item_id) & (answers.c.unit_id == pairs.c.unit_id))
        )
        .cte("owner_answers")
    )
    per_item = (
        select(
            joined.c.org_id,
            func.count().label("owners"),
            func.count(joined.c.status).label("given"),
            _joined_statuses(session, joined.c.status).label("statuses"),
            func.sum(joined.c.disbursed).label("disbursed"),
        )
        .group_by(joined.c.org_id, joined.c.item_id)
        .subquery()
    )
    items_by_answers = select(
        per_item.c.org_id,
        per_item.c.owners,
        per_item.c.given,
        per_item.c.statuses,
        func.count().label("n"),
        type_coerce(func.sum(per_item.c.disbursed), Money).label("disbursed"),
        literal(0).label("unit_id"),
    ).group_by(per_item.c.org_id, per_item.c.owners, per_item.c.given, per_item.c.statuses)
    awaiting_units = (
        select(
            joined.c.org_id,
            literal(0),
            literal(0),
            type_coerce(null(), String),
            literal(0),
            null(),
            joined.c.unit_id,
        )
        .where(joined.c.status.is_(None))
        .group_by(joined.c.org_id, joined.c.unit_id)
    )
    for org_id, owners, given, statuses, n, disbursed, unit_id in (
        await session.exec(union_all(items_by_answers, awaiting_units))  # type: ignore[call-overload]
    ).all():
        f = figures[org_id]
        if unit_id:  # a unit with an item still awaiting its answer
            f.awaiting_units.add(unit_id)
            continue
        given_statuses: list[Status | None] = [Status(v) for v in (statuses or "").split(",") if v]
        status = combined_status(given_statuses + [None] * (owners - given))
        f.counts[AWAITING] -= n
        f.counts[status] += n
        f.disbursed += disbursed or Decimal("0.00")
        f.pairs += owners * n
        f.awaiting_pairs += (owners - given) * n
    for f in figures.values():
        f.counts = +f.counts  # no zero counts
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


def _pairs(fy_ids: list[int], org_ids: list[int]) -> Subquery:
    """(organisation, item, unit) of every item and unit that owns it: its named units, or every active unit of
    its organisation for an item of all units."""
    of = (col(PlanItem.fiscal_year_id).in_(fy_ids), col(PlanItem.org_id).in_(org_ids))
    named: Select = (
        select(col(PlanItem.org_id).label("org_id"), col(PlanItem.id).label("item_id"), PlanItemUnit.unit_id)
        .join(PlanItemUnit, col(PlanItemUnit.item_id) == PlanItem.id)
        .where(*of, col(PlanItem.all_units).is_(False))
    )
    every: Select = (
        select(PlanItem.org_id, PlanItem.id, col(Unit.id).label("unit_id"))
        .join(Unit, (col(Unit.org_id) == PlanItem.org_id) & col(Unit.is_active))
        .where(*of, col(PlanItem.all_units))
    )
    return union_all(named, every).subquery()


def _newest_answers(round_ids: list[int], org_ids: list[int]) -> Subquery:
    """Each (item, unit)'s newest answer in these rounds (answers are append-only): its status and disbursed."""
    newest = (
        select(func.max(StatusReport.id))
        .where(col(StatusReport.round_id).in_(round_ids), col(StatusReport.org_id).in_(org_ids))
        .group_by(StatusReport.round_id, StatusReport.item_id, StatusReport.unit_id)
    )
    return (
        select(StatusReport.item_id, StatusReport.unit_id, StatusReport.status, StatusReport.disbursed)
        .where(col(StatusReport.id).in_(newest))
        .subquery()
    )


def _joined_statuses(session: AsyncSession, column):
    """The statuses of an item's answers in one text, in order (PostgreSQL's string_agg, SQLite's group_concat over
    the same order is not promised: combined_status does not depend on it)."""
    if session.bind.dialect.name == "postgresql":
        return type_coerce(func.string_agg(column, aggregate_order_by(literal(","), column)), String)
    return type_coerce(func.group_concat(column, ","), String)


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
