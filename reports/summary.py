"""A round's figures, computed from stored answers, each with the rule that produced it.

Used by the chat's /summary, the weekly digest and the official documents, so that they
can never disagree.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

from sqlmodel.ext.asyncio.session import AsyncSession

from domain.budget import budget_basis
from domain.status import combined_status, percent
from domain.vocabulary import AWAITING, DEFAULT_CARRIED_OUT
from locales.i18n import _
from locales.labels import reason_label, status_label
from storage.answers import Answers
from storage.models import FiscalYear, PlanItem, PlanSection, Round, Status, StatusReport, Unit
from storage.repo import Plan, Units


def reason_text(report: StatusReport) -> str:
    """The category and the typed reason, as one line: "บุคลากรไม่เพียงพอ", "อื่นๆ: ..."."""
    label = reason_label(report.reason_category)
    if label and report.reason:
        return f"{label}: {report.reason}"
    return label or report.reason


def disbursed_rule(rnd: Round) -> str:
    """How the disbursed share is computed, the same words in the chat, the digest and the documents."""
    text = _(
        "disbursed share = latest disbursed amount of every answer ÷ budget of all items × 100; an item's "
        "budget is its ordinance budget where it has one, else its plan budget"
    )
    if rnd.months == 12:
        text += "; " + _(
            "amounts are cumulative for the whole fiscal year, and an item carried from the 6-month "
            "round counts with the amount reported then"
        )
    return text


@dataclass
class DimensionFigures:
    section: PlanSection
    items: int = 0
    counts: Counter = field(default_factory=Counter)
    budget_plan: Decimal = Decimal("0.00")
    disbursed: Decimal = Decimal("0.00")


@dataclass
class UnitProgress:
    unit: Unit
    pairs: int
    awaiting: int


@dataclass
class RoundSummary:
    round: Round
    fiscal_year: FiscalYear
    items: int
    counts: Counter
    per_dimension: list[DimensionFigures]
    carried_out_rule: tuple[Status, ...]
    carried_out: int
    budget_plan: Decimal
    budget_ordinance: Decimal
    budget_basis: Decimal  # what money is compared with: domain.budget
    disbursed: Decimal
    units: list[UnitProgress]
    item_status: dict[int, str]
    cannot: list[tuple[PlanItem, list[StatusReport]]]
    last_answer: dict[int, dt.datetime]  # unit id → when it last answered in this round
    carried: int = 0  # (item, unit) answers carried forward from the 6-month round
    reasons: Counter = field(default_factory=Counter)  # e-PlanNACC reason → "could not be done" answers

    @property
    def carried_out_share(self) -> Decimal:
        return percent(self.carried_out, self.items)

    @property
    def disbursed_share(self) -> Decimal:
        return percent(self.disbursed, self.budget_basis)

    @property
    def silent_units(self) -> list[UnitProgress]:
        return [u for u in self.units if u.awaiting]

    def carried_out_formula(self) -> str:
        names = " + ".join(status_label(s.value) for s in self.carried_out_rule)
        return _("carried out = items with status {names} ({n}) ÷ all items in the plan ({total}) × 100").format(
            names=names, n=self.carried_out, total=self.items
        )


async def round_summary(
    session: AsyncSession,
    org_id: int,
    rnd: Round,
    carried_out_rule: tuple[Status, ...] = DEFAULT_CARRIED_OUT,
    as_of: dt.datetime | None = None,
) -> RoundSummary:
    answers = Answers(session, org_id)
    fy = await session.get(FiscalYear, rnd.fiscal_year_id)
    plan = Plan(session, org_id)
    sections = await plan.sections(fy)
    items = await plan.items(fy)
    pairs = await answers.pairs(fy.id)
    latest = await answers.latest(rnd, as_of=as_of)
    units = {u.id: u for u in await Units(session, org_id).all()}

    owners: dict[int, list[int]] = {}
    for p in pairs:
        owners.setdefault(p.item.id, []).append(p.unit_id)
    item_status: dict[int, str] = {}
    per_dim: dict[int, DimensionFigures] = {}
    counts: Counter = Counter()
    disbursed_total = Decimal("0.00")
    cannot: list[tuple[PlanItem, list[StatusReport]]] = []
    for item in items:
        reports = [latest.get((item.id, u)) for u in owners.get(item.id, [])]
        status = combined_status([r.status if r else None for r in reports]) if reports else AWAITING
        item_status[item.id] = status
        counts[status] += 1
        disbursed = sum((r.disbursed or Decimal(0) for r in reports if r), Decimal("0.00"))
        disbursed_total += disbursed
        dim = per_dim.setdefault(item.dimension_id, DimensionFigures(sections[item.dimension_id]))
        dim.items += 1
        dim.counts[status] += 1
        dim.budget_plan += item.budget_plan or 0
        dim.disbursed += disbursed
        if any(r and r.status == Status.CANNOT for r in reports):
            cannot.append((item, [r for r in reports if r and r.status == Status.CANNOT]))

    unit_rows: dict[int, UnitProgress] = {}
    for p in pairs:
        row = unit_rows.setdefault(p.unit_id, UnitProgress(units[p.unit_id], 0, 0))
        row.pairs += 1
        row.awaiting += (p.item.id, p.unit_id) not in latest
    carried = sum(counts[s.value] for s in carried_out_rule)
    last_answer: dict[int, dt.datetime] = {}
    for r in latest.values():
        last_answer[r.unit_id] = max(last_answer.get(r.unit_id, r.created_at), r.created_at)
    return RoundSummary(
        round=rnd,
        fiscal_year=fy,
        items=len(items),
        counts=counts,
        per_dimension=sorted(per_dim.values(), key=lambda d: [int(x) for x in d.section.code.split(".")]),
        carried_out_rule=carried_out_rule,
        carried_out=carried,
        budget_plan=sum((i.budget_plan or Decimal(0) for i in items), Decimal("0.00")),
        budget_ordinance=sum((i.budget_ordinance or Decimal(0) for i in items), Decimal("0.00")),
        budget_basis=sum((budget_basis(i) or Decimal(0) for i in items), Decimal("0.00")),
        disbursed=disbursed_total,
        units=sorted(unit_rows.values(), key=lambda u: u.unit.id or 0),
        item_status=item_status,
        cannot=cannot,
        last_answer=last_answer,
        carried=sum(1 for r in latest.values() if r.carried),
        reasons=Counter(
            r.reason_category.value if r.reason_category else "unstated"
            for r in latest.values()
            if r.status == Status.CANNOT
        ),
    )
