"""One round's report, computed once from the database; every format renders this and computes nothing.

The numbers (counts, budgets, disbursed, shares) all come from ``reports.summary`` and from
summing the rows shown, so a table's total is the sum of its rows by construction, and the
rule behind each figure travels with it.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from base.settings import Settings
from base.values import BANGKOK, bangkok_today
from domain.budget import budget_basis
from domain.privacy import Screen
from domain.signoff import short_code
from domain.status import percent
from domain.vocabulary import AWAITING, Decision, Office
from locales.i18n import _, current_language
from locales.labels import reason_label, status_label
from locales.thai import (
    BE_OFFSET,
    amount_in_bounds,
    digits,
    format_amount,
    format_date,
    format_quantity,
    quantity_in_bounds,
)
from reports.summary import RoundSummary, reason_text, round_summary
from storage.answers import Answers
from storage.models import (
    FiscalYear,
    Organisation,
    OrgKind,
    PlanItem,
    PlanSection,
    Round,
    RoundNarrative,
    Status,
    StatusReport,
    id_of,
)
from storage.people import person_names
from storage.public_choices import FIELDS, public_links, wordings
from storage.repo import Plan, Units
from storage.signoff import approval_of, edited_after_approval

# e-PlanNACC has four statuses; "not started" is shown in its in-progress column, with a remark
EPLAN_COLUMNS = (AWAITING, Status.IN_PROGRESS.value, Status.COMPLETED.value, Status.CANNOT.value)
EPLAN_COLUMN_OF = {
    AWAITING: AWAITING,
    Status.NOT_STARTED.value: Status.IN_PROGRESS.value,
    Status.IN_PROGRESS.value: Status.IN_PROGRESS.value,
    Status.COMPLETED.value: Status.COMPLETED.value,
    Status.CANNOT.value: Status.CANNOT.value,
}


@dataclass
class UnitAnswer:
    unit: str
    status: str  # a Status value, or AWAITING
    done: str = ""
    months: str = ""
    disbursed: Decimal | None = None
    qty: Decimal | None = None
    reason: str = ""  # e-PlanNACC's category and the typed text, as one line
    links: list[str] = field(default_factory=list)
    carried: bool = False  # carried forward from the 6-month round
    category: str = ""  # e-PlanNACC's category alone (its form has a list for it)
    reason_typed: str = ""  # the typed text alone (e-PlanNACC's box beside "อื่นๆ"); internal documents only
    revised: bool = False  # answered again after the round was first approved: marked "แก้ไขหลังอนุมัติ"


@dataclass
class ItemRow:
    no: int  # running number in the report (printed plan numbers repeat and skip)
    item: PlanItem
    dimension: PlanSection
    mission: PlanSection
    units: list[str]
    answers: list[UnitAnswer]
    status: str  # combined over the owning units
    disbursed: Decimal
    carried_out: bool = False  # by the report's rule

    @property
    def money_reported(self) -> bool:
        """Some owning unit gave an amount (a no-budget item, or no answer yet, shows "-")."""
        return any(a.disbursed is not None for a in self.answers)


@dataclass
class MissionRow:
    section: PlanSection
    items: list[ItemRow]

    @property
    def planned(self) -> int:
        return len(self.items)

    @property
    def budget(self) -> Decimal:
        return sum((r.item.budget_plan or Decimal(0) for r in self.items), Decimal("0.00"))

    @property
    def carried_out(self) -> int:
        return sum(r.carried_out for r in self.items)

    @property
    def disbursed(self) -> Decimal:
        return sum((r.disbursed for r in self.items), Decimal("0.00"))


@dataclass
class DimensionBlock:
    section: PlanSection
    missions: list[MissionRow]

    @property
    def planned(self) -> int:
        return sum(m.planned for m in self.missions)

    @property
    def budget(self) -> Decimal:
        return sum((m.budget for m in self.missions), Decimal("0.00"))

    @property
    def carried_out(self) -> int:
        return sum(m.carried_out for m in self.missions)

    @property
    def disbursed(self) -> Decimal:
        return sum((m.disbursed for m in self.missions), Decimal("0.00"))


@dataclass
class Check:
    """Something to look at before the report is signed; never silently exported."""

    kind: str
    message: str


@dataclass(frozen=True)
class Approval:
    """One office's decision on the round as its documents state it (storage/signoff.py keeps the record)."""

    office: Office
    decision: Decision  # APPROVE, or SKIP: passed by the administrator with a reason
    name: str
    title: str
    at: dt.datetime
    doc_hash: str
    comment: str = ""
    chain_head: str = ""  # the organisation's history as the office saw it (storage/chain.py)


@dataclass
class RoundReport:
    org: Organisation
    org_name: str
    org_address: str
    doc_prefix: str
    fiscal_year: FiscalYear
    round: Round
    dimensions: list[DimensionBlock]
    rows: list[ItemRow]
    summary: RoundSummary
    narrative: RoundNarrative
    checks: list[Check]
    thai_digits: bool
    today: dt.date
    emblem: Path | None = None  # the memo's emblem image (REPORT_EMBLEM)
    public: bool = False  # the version for citizens: typed text screened, no checks, no empty section
    masked: Counter[str] = field(default_factory=Counter)  # what the screening masked (kind → count)
    worded: int = 0  # typed fields shown in the admin's public wording instead
    approvals: list[Approval] = field(default_factory=list)  # the round's standing approval, office by office

    # ------------------------------------------------------------ figures and their rules
    @property
    def items(self) -> int:
        return len(self.rows)

    @property
    def budget(self) -> Decimal:
        return sum((d.budget for d in self.dimensions), Decimal("0.00"))

    @property
    def disbursed(self) -> Decimal:
        return sum((d.disbursed for d in self.dimensions), Decimal("0.00"))

    @property
    def carried_out(self) -> int:
        return sum(d.carried_out for d in self.dimensions)

    @property
    def carried_out_share(self) -> Decimal:
        return percent(self.carried_out, self.items)

    @property
    def budget_basis(self) -> Decimal:
        """The budget money is compared with (domain.budget), summed over the rows."""
        return sum((budget_basis(r.item) or Decimal(0) for r in self.rows), Decimal("0.00"))

    @property
    def budget_ordinance(self) -> Decimal:
        return sum((r.item.budget_ordinance or Decimal(0) for r in self.rows), Decimal("0.00"))

    @property
    def disbursed_share(self) -> Decimal:
        return percent(self.disbursed, self.budget_basis)

    @property
    def cumulative(self) -> bool:
        """The 12-month report is the year's cumulative result, built on the 6-month one."""
        return self.round.months == 12

    def count(self, status: str) -> int:
        return sum(1 for r in self.rows if r.status == status)

    def eplan_count(self, column: str) -> int:
        return sum(1 for r in self.rows if EPLAN_COLUMN_OF[r.status] == column)

    @property
    def rule_names(self) -> str:
        return _(" or ").join(f"“{status_label(s.value)}”" for s in self.summary.carried_out_rule)

    def carried_out_rule_text(self) -> str:
        return self.text(
            _(
                "Carried out = items whose status is {names} ({n}) ÷ all items in the plan ({total}) × 100 = {share}%"
            ).format(
                names=self.rule_names,
                n=self.num(self.carried_out),
                total=self.num(self.items),
                share=self.pct(self.carried_out_share),
            )
        )

    def disbursed_rule_text(self) -> str:
        text = _(
            "Disbursed = the latest amount each owning unit reported ({disbursed} baht) ÷ the budget of all items "
            "({budget} baht: the ordinance budget where an item has one, else its plan budget) × 100 = "
            "{share}%"
        ).format(
            disbursed=self.money(self.disbursed),
            budget=self.money(self.budget_basis),
            share=self.pct(self.disbursed_share),
        )
        if self.cumulative:
            text += " " + _(
                "Amounts are cumulative for the fiscal year; an item carried from the 6-month round "
                "counts with the amount reported then."
            )
        return self.text(text)

    def cumulative_text(self) -> str:
        """Said at the top of the 12-month documents."""
        return self.text(
            _(
                "The 12-month results are cumulative for the whole fiscal year ({start} – {end}). Results "
                "marked † were reported completed in the 6-month round and carried forward ({n} answer(s))."
            ).format(
                start=self.date(self.round.period_start), end=self.date(self.round.period_end), n=self.summary.carried
            )
        )

    def combined_rule_text(self) -> str:
        return _(
            "An item owned by several units is carried out only when every owning unit reports it so; "
            "with no answer from any of them it is “awaiting report”."
        )

    def approval_lines(self) -> list[str]:
        """Each office's approval as recorded in Tidtam — worded as a record in the system, never as a handwritten
        signature. The public version names the office, not the person."""
        lines = []
        for a in self.approvals:
            when = self.when(a.at)
            code = short_code(a.doc_hash)
            if a.decision == Decision.SKIP:
                line = _("{title}: passed by the administrator on {when} ({reason})").format(
                    title=a.title, when=when, reason=a.comment
                )
            elif self.public:
                line = _("Approved by the {title} in the Tidtam system on {when}; document code {code}").format(
                    title=a.title, when=when, code=code
                )
            elif a.office == Office.PALAD:
                line = _(
                    "Agreed in the Tidtam system by {name}, position {title}, on {when}; document code {code}"
                ).format(name=a.name, title=a.title, when=when, code=code)
            else:
                line = _(
                    "Approved in the Tidtam system by {name}, position {title}, on {when}; document code {code}"
                ).format(name=a.name, title=a.title, when=when, code=code)
            lines.append(self.text(line) if a.decision == Decision.SKIP else line)
        return lines

    def when(self, at: dt.datetime) -> str:
        local = at.astimezone(BANGKOK)
        return f"{self.date(local.date())} {self.text(f'{local:%H:%M}')}" + (
            "" if current_language() == "en" else " น."
        )

    # ------------------------------------------------------------ how values are written
    def num(self, value) -> str:
        if isinstance(value, Decimal) and value != value.to_integral_value():
            text = f"{value:,.2f}"
        else:
            text = f"{int(value):,}" if not isinstance(value, str) else value
        return digits(text, self.thai_digits)

    def pct(self, value: Decimal) -> str:
        return digits(f"{value:,.2f}", self.thai_digits)

    def money(self, value: Decimal | None, none: str = "-") -> str:
        return format_amount(value, thai_digits=self.thai_digits, no_budget=none)

    def qty(self, value: Decimal | None) -> str:
        return format_quantity(value, thai_digits=self.thai_digits)

    def date(self, value: dt.date, abbr: bool = False) -> str:
        return format_date(value, thai_digits=self.thai_digits, abbr=abbr)

    def text(self, value: str) -> str:
        return digits(value, self.thai_digits)

    # ------------------------------------------------------------ titles
    @property
    def year_text(self) -> str:
        return self.text(str(self.fiscal_year.year_be))

    @property
    def round_text(self) -> str:
        return _("{n}-month round").format(n=self.num(self.round.months))

    @property
    def period_text(self) -> str:
        return f"{self.date(self.round.period_start)} – {self.date(self.round.period_end)}"

    @property
    def title(self) -> str:
        return _("Report on the anti-corruption action plan, fiscal year B.E. {year}, {round} ({period})").format(
            year=self.year_text, round=self.round_text, period=self.period_text
        )

    @property
    def executive(self) -> str:
        return executive_title(self.org_name, self.org.kind)

    @property
    def permanent_secretary(self) -> str:
        return _("Permanent Secretary of {org}").format(org=self.org_name)


def executive_title(name: str, kind: OrgKind) -> str:
    """นายกเทศมนตรีตำบลโคกจาน for เทศบาลตำบลโคกจาน; นายกองค์การบริหารส่วนตำบล… for an อบต., …จังหวัด… for an
    อบจ.; นายกเมืองพัทยา; ผู้ว่าราชการกรุงเทพมหานคร."""
    if name.startswith("เทศบาล"):
        return "นายกเทศมนตรี" + name[len("เทศบาล") :]
    for prefix in ("องค์การบริหารส่วนตำบล", "อบต."):
        if name.startswith(prefix):
            return "นายกองค์การบริหารส่วนตำบล" + name[len(prefix) :].strip()
    if kind == OrgKind.BANGKOK:
        return "ผู้ว่าราชการกรุงเทพมหานคร"
    for prefix in ("องค์การบริหารส่วนจังหวัด", "อบจ."):
        if name.startswith(prefix):
            return "นายกองค์การบริหารส่วนจังหวัด" + name[len(prefix) :].strip()
    if kind == OrgKind.PAO:
        return "นายกองค์การบริหารส่วนจังหวัด" + name
    return ("นายกองค์การบริหารส่วนตำบล" if kind == OrgKind.SAO else "นายก") + name


def carried_out_rule(settings: Settings) -> tuple[Status, ...]:
    chosen = [s.strip() for s in settings.report_carried_out.split(",") if s.strip()]
    allowed = {Status.COMPLETED.value, Status.IN_PROGRESS.value}
    if not chosen or set(chosen) - allowed or Status.COMPLETED.value not in chosen:
        raise ValueError("REPORT_CARRIED_OUT is 'completed' or 'completed,in_progress'")
    return tuple(Status(s) for s in ("completed", "in_progress") if s in chosen)


async def build_report(
    session: AsyncSession,
    settings: Settings,
    org: Organisation,
    rnd: Round,
    *,
    thai_digits: bool | None = None,
    today: dt.date | None = None,
    public: bool = False,
) -> RoundReport:
    """``public``: the version for citizens and the ITA — typed text screened (``domain.privacy``), no checks."""
    rule = carried_out_rule(settings)
    thai = (settings.report_digits != "arabic") if thai_digits is None else thai_digits
    screen = Screen(await person_names(session, org.id), await public_links(session, org.id)) if public else None
    wording = await wordings(session, org.id, rnd.id) if public else {}
    masked: Counter[str] = Counter()
    summary = await round_summary(session, org.id, rnd, carried_out_rule=rule)
    fy = summary.fiscal_year
    plan = Plan(session, org.id)
    answers = Answers(session, org.id)
    latest = await answers.latest(rnd)
    pairs = await answers.pairs(fy.id)
    unit_names = {u.id: u.name for u in await Units(session, org.id).all()}
    revised = await edited_after_approval(session, org.id, id_of(rnd))
    approval = await approval_of(session, org.id, id_of(rnd))
    owners: dict[int, list[int]] = {}
    for p in pairs:
        owners.setdefault(p.item.id, []).append(p.unit_id)

    rows: list[ItemRow] = []
    blocks: dict[int, DimensionBlock] = {}
    for n, view in enumerate(await plan.views(fy), start=1):
        it = view.item
        unit_answers = []
        for unit_id in owners.get(it.id, []):
            r = latest.get((it.id, unit_id))
            chosen = {f: wording[(it.id, unit_id, f)] for f in FIELDS if (it.id, unit_id, f) in wording}
            unit_answers.append(_answer(unit_names[unit_id], r, thai, screen, masked, chosen))
            unit_answers[-1].revised = (it.id, unit_id) in revised
        row = ItemRow(
            n,
            it,
            view.dimension,
            view.mission,
            [unit_names[u] for u in owners.get(it.id, [])] or view.unit_names,
            unit_answers,
            summary.item_status[it.id],
            sum((a.disbursed or Decimal(0) for a in unit_answers), Decimal("0.00")),
        )
        row.carried_out = row.status in {s.value for s in rule}
        rows.append(row)
        dim = blocks.setdefault(view.dimension.id, DimensionBlock(view.dimension, []))
        mission = next((m for m in dim.missions if m.section.id == view.mission.id), None)
        if mission is None:
            mission = MissionRow(view.mission, [])
            dim.missions.append(mission)
        mission.items.append(row)
    dims = sorted(blocks.values(), key=lambda d: [int(x) for x in d.section.code.split(".")])
    for d in dims:
        d.missions.sort(key=lambda m: [int(x) for x in m.section.code.split(".")])
    narrative = (
        await session.exec(
            select(RoundNarrative).where(RoundNarrative.org_id == org.id, RoundNarrative.round_id == rnd.id)
        )
    ).first() or RoundNarrative(org_id=org.id, round_id=rnd.id)
    if screen is not None:
        narrative = RoundNarrative(
            org_id=org.id,
            round_id=rnd.id,
            **{k: _screened(screen, getattr(narrative, k), masked) for k in ("supporting", "problems", "suggestions")},
        )
    today = today or bangkok_today()
    report = RoundReport(
        org=org,
        org_name=settings.report_org_name or org.name,
        org_address=settings.report_org_address or org.address,
        doc_prefix=settings.report_doc_prefix,
        fiscal_year=fy,
        round=rnd,
        dimensions=dims,
        rows=rows,
        summary=summary,
        narrative=narrative,
        checks=[],
        thai_digits=thai,
        today=today,
        public=public,
        masked=masked,
        worded=len(wording),
        emblem=settings.report_emblem,
        approvals=[
            Approval(d.office, d.decision, d.name, d.title, d.at, d.doc_hash, d.comment, d.chain_head)
            for d in approval[1]
        ]
        if approval
        else [],
    )
    if not public:
        report.checks = checks(report, latest, unit_names, owners, today)
    return report


def _screened(screen: Screen | None, text: str, masked: Counter[str]) -> str:
    if screen is None:
        return text
    done = screen.text(text)
    masked.update(done.masked)
    return done.text


def _answer(
    unit: str,
    r: StatusReport | None,
    thai: bool,
    screen: Screen | None = None,
    masked: Counter[str] | None = None,
    wording: dict[str, str] | None = None,
) -> UnitAnswer:
    """One unit's answer as the documents show it: typed text as typed (its digits untouched), Tidtam's own date
    in the document's digits; in the public version typed text is screened and private links left out, and a
    field the admin worded for the public (``wording``, "" hides it) shows that wording, screened too."""
    if r is None:
        return UnitAnswer(unit, AWAITING)
    masked = Counter() if masked is None else masked
    chosen = wording or {}
    months = _screened(screen, chosen.get("months", r.months), masked)
    if not months and r.date_from:
        months = digits(f"{r.date_from.day}/{r.date_from.month}/{r.date_from.year + BE_OFFSET}", thai)
    links = [e["url"] for e in r.evidence if e.get("kind") == "url"]
    if screen is not None:
        shown = [screen.link(u) for u in links]
        masked["link"] += sum(1 for u in shown if u is None)
        links = [u for u in shown if u is not None]
    return UnitAnswer(
        unit,
        r.status.value,
        _screened(screen, chosen.get("result", r.done_text), masked),
        months,
        None if r.no_budget_used else r.disbursed,
        r.qty_achieved,
        _screened(screen, chosen.get("reason", reason_text(r)), masked) if r.status == Status.CANNOT else "",
        links,
        r.carried,
        category=reason_label(r.reason_category) if r.status == Status.CANNOT else "",
        reason_typed=r.reason if r.status == Status.CANNOT and screen is None else "",
    )


def shortened(codes: list[str], limit: int = 30) -> str:
    """A list cut at ``limit`` says how many more it holds ("… และอีก ๓๐ รายการ")."""
    if len(codes) <= limit:
        return ", ".join(codes)
    return ", ".join(codes[:limit]) + " " + _("and {n} more").format(n=len(codes) - limit)


def checks(
    report: RoundReport, latest: dict, unit_names: dict[int, str], owners: dict[int, list[int]], today: dt.date
) -> list[Check]:
    """What must be looked at before signing: listed in the document and by the export command."""
    out: list[Check] = []
    for row in report.rows:
        it = row.item
        budget = budget_basis(it)
        if budget is not None and row.disbursed > budget:
            out.append(
                Check(
                    "over_budget",
                    _("{code}: disbursed {disbursed} baht is more than the budget of {budget} baht").format(
                        code=it.code, disbursed=format_amount(row.disbursed), budget=format_amount(budget)
                    ),
                )
            )
        for a in row.answers:
            if not quantity_in_bounds(a.qty) or not amount_in_bounds(a.disbursed):
                out.append(
                    Check(
                        "invalid_value",
                        _("{code} ({unit}): a number that cannot be right (shown as “invalid value”)").format(
                            code=it.code, unit=a.unit
                        ),
                    )
                )
            if a.status == Status.CANNOT.value and not a.reason.strip():
                out.append(
                    Check(
                        "no_reason",
                        _("{code} ({unit}): “could not be done” without a reason").format(code=it.code, unit=a.unit),
                    )
                )
        if not row.units:
            out.append(Check("no_unit", _("{code}: no unit owns this item").format(code=it.code)))
    answered_units = {unit_id for (_item, unit_id) in latest}
    for unit_id in sorted({u for units in owners.values() for u in units} - answered_units):
        out.append(
            Check("silent_unit", _("{unit} has not answered at all in this round").format(unit=unit_names[unit_id]))
        )
    if report.cumulative:
        waiting = [r.item.code for r in report.rows if r.status == Status.NOT_STARTED.value]
        if waiting:
            out.append(
                Check(
                    "not_started",
                    _(
                        "e-PlanNACC has no “not started” in the 12-month report: {n} item(s) are "
                        "still not started: {codes}"
                    ).format(n=len(waiting), codes=", ".join(waiting)),
                )
            )
    if today > report.round.due_on:
        awaiting = [r.item.code for r in report.rows if r.status == AWAITING]
        if awaiting:
            out.append(
                Check(
                    "awaiting_after_due",
                    _("{n} item(s) still awaiting report after the due date ({due}): {codes}").format(
                        n=len(awaiting),
                        due=format_date(report.round.due_on, thai_digits=False),
                        codes=shortened(awaiting),
                    ),
                )
            )
    return out
