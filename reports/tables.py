"""The report's tables as plain rows — headings, cells and totals — shared by the XLSX, DOCX and PDF writers.

Each writer only lays these rows out; no writer adds, counts or rounds anything.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal

from domain.budget import budget_basis
from locales.i18n import _
from locales.labels import status_label
from reports.model import EPLAN_COLUMN_OF, EPLAN_COLUMNS, ItemRow, RoundReport
from storage.models import Status

TICK = "☑"
LINK_RE = re.compile(
    r"https?://[^\s<>\"'\u0e00-\u0e7f]+[^\s<>\"'.,;:)\]\u0e00-\u0e7f]"
)  # a typed link, without a closing stop


@dataclass
class Row:
    cells: list
    kind: str = "data"  # data, dimension, mission, total
    numbers: dict[int, Decimal | int] = field(default_factory=dict)  # column → exact value (XLSX writes these)
    span: int = 1  # the first cell spans this many columns (a total's label); the cells it covers are ""

    @property
    def tall(self) -> bool:
        """Too many lines to keep on one page without leaving the one before half empty: it may split."""
        return any(str(c).count("\n") >= 6 or len(str(c)) > 350 for c in self.cells)


@dataclass
class Table:
    title: str
    header: list[str]
    rows: list[Row]
    widths: list[int]  # relative column widths
    money: frozenset[int] = frozenset()  # the columns in baht (the rest of the numbers are counts or quantities)
    notes: list[str] = field(default_factory=list)
    wide: bool = False  # wants a landscape page


def _numbers(no: int, values: dict[int, Decimal | None]) -> dict[int, Decimal | int]:
    """The exact values behind a data row's cells; a no-budget item keeps its "-"."""
    return {0: no, **{col: v for col, v in values.items() if v is not None}}


def summary_table(r: RoundReport) -> Table:
    header = [
        _("Dimension / mission"),
        _("Items planned"),
        _("Budget planned (baht)"),
        _("Items carried out"),
        _("Budget used (baht)"),
    ]
    rows = []
    for d in r.dimensions:
        rows.append(
            Row(
                [
                    _("Dimension {code} {title}").format(code=r.text(d.section.code), title=d.section.title),
                    r.num(d.planned),
                    r.money(d.budget),
                    r.num(d.carried_out),
                    r.money(d.disbursed),
                ],
                "dimension",
                {1: d.planned, 2: d.budget, 3: d.carried_out, 4: d.disbursed},
            )
        )
        for m in d.missions:
            rows.append(
                Row(
                    [
                        f"{r.text(m.section.code)} {m.section.title}",
                        r.num(m.planned),
                        r.money(m.budget),
                        r.num(m.carried_out),
                        r.money(m.disbursed),
                    ],
                    "data",
                    {1: m.planned, 2: m.budget, 3: m.carried_out, 4: m.disbursed},
                )
            )
    rows.append(
        Row(
            [_("Grand total"), r.num(r.items), r.money(r.budget), r.num(r.carried_out), r.money(r.disbursed)],
            "total",
            {1: r.items, 2: r.budget, 3: r.carried_out, 4: r.disbursed},
        )
    )
    notes = ([r.cumulative_text()] if r.cumulative else []) + [
        r.carried_out_rule_text(),
        r.disbursed_rule_text(),
        r.combined_rule_text(),
        _("Dimension rows are the sums of their missions; the grand total is the sum of the dimensions."),
    ]
    return Table(
        _("Summary of results — {title}").format(title=r.title),
        header,
        rows,
        [46, 12, 16, 12, 16],
        frozenset({2, 4}),
        notes,
    )


def _result_text(r: RoundReport, row: ItemRow) -> str:
    several = len(row.answers) > 1
    parts = []
    for a in row.answers:
        text = status_label(a.status) + (" †" if a.carried else "") + (f": {a.done}" if a.done else "")
        if a.revised:
            text += " " + _("(revised after approval)")
        if a.qty is not None:
            text += " " + _("(achieved {qty} {unit})").format(qty=r.qty(a.qty), unit=row.item.target_unit)
        parts.append(f"[{a.unit}] {text}" if several else text)
    return "\n".join(parts)  # what people typed keeps its digits; the quantity is Tidtam's and follows the document


def _remarks(r: RoundReport, row: ItemRow) -> str:
    notes = []
    for a in row.answers:
        prefix = f"[{a.unit}] " if len(row.answers) > 1 else ""
        if a.reason and a.status == Status.CANNOT.value:
            notes.append(prefix + _("Reason: {text}").format(text=a.reason))
        notes += [prefix + link for link in a.links]
    return "\n".join(notes)  # typed reasons and links keep their characters


def detail_table(r: RoundReport) -> Table:
    header = [
        _("No."),
        _("Project / activity / measure"),
        _("Indicator"),
        _("Unit of count"),
        _("Target"),
        _("Results"),
        _("Period carried out"),
        _("Budget set (baht)"),
        _("Budget used (baht)"),
        _("Responsible unit"),
        _("Remarks"),
    ]
    rows = []
    for d in r.dimensions:
        rows.append(
            Row([_("Dimension {code} {title}").format(code=r.text(d.section.code), title=d.section.title)], "dimension")
        )
        for m in d.missions:
            rows.append(
                Row([_("Mission {code} {title}").format(code=r.text(m.section.code), title=m.section.title)], "mission")
            )
            for row in m.items:
                it = row.item
                months = "; ".join(a.months for a in row.answers if a.months) or it.months
                used = r.money(row.disbursed) if row.money_reported else "-"
                rows.append(
                    Row(
                        [
                            r.num(row.no),
                            it.title,
                            it.kpi,
                            it.target_unit,
                            r.qty(it.target_qty),
                            _result_text(r, row),
                            months,
                            r.money(it.budget_plan, none=_("no budget")),
                            used,
                            ", ".join(row.units) or "-",
                            _remarks(r, row),
                        ],
                        "data",
                        _numbers(row.no, {4: it.target_qty, 7: it.budget_plan, 8: row.disbursed}),
                    )
                )
    rows.append(
        Row(
            [_("Grand total: {n} items").format(n=r.num(r.items)), "", "", "", "", "", "", r.money(r.budget)]
            + [r.money(r.disbursed), "", ""],
            "total",
            {7: r.budget, 8: r.disbursed},
            span=7,
        )
    )
    return Table(
        _("Report form — {title}").format(title=r.title),
        header,
        rows,
        [4, 24, 15, 6, 6, 32, 9, 11, 11, 13, 16],
        frozenset({7, 8}),
        ([r.cumulative_text()] if r.cumulative else []) + [r.combined_rule_text()],
        wide=True,
    )


def included_in(r: RoundReport, row: ItemRow) -> str:
    """e-PlanNACC's "บรรจุไว้ในข้อบัญญัติ/เทศบัญญัติ/แผนการดำเนินงาน", from the budgets the plan gives."""
    it = row.item
    if it.no_budget or budget_basis(it) is None:
        return _("no budget")
    if it.budget_ordinance is not None:
        return _("municipal ordinance") if r.org_name.startswith("เทศบาล") else _("ordinance")
    return _("operational plan")


def status_table(r: RoundReport) -> Table:
    header = (
        [
            _("No."),
            _("Project"),
            _("Dimension"),
            _("Budget in the plan (baht)"),
            _("Budget under the ordinance (baht)"),
            _("Included in"),
            _("Disbursed (baht)"),
        ]
        + [status_label(c) for c in EPLAN_COLUMNS]
        + [_("Remarks")]
    )
    rows = []
    first = 7  # the first status column
    for row in r.rows:
        column = EPLAN_COLUMN_OF[row.status]
        remarks = [status_label(Status.NOT_STARTED.value)] if row.status == Status.NOT_STARTED.value else []
        if any(a.carried for a in row.answers):
            remarks.append(r.text(_("† carried from the 6-month round")))
        remarks += [
            (f"[{a.unit}] " if len(row.answers) > 1 else "") + _("Reason: {text}").format(text=a.reason)
            for a in row.answers
            if a.reason
        ]
        cells = (
            [
                r.num(row.no),
                row.item.title,
                r.text(row.dimension.code),
                r.money(row.item.budget_plan),
                r.money(row.item.budget_ordinance),
                included_in(r, row),
                r.money(row.disbursed) if row.money_reported else "-",
            ]
            + [TICK if c == column else "" for c in EPLAN_COLUMNS]
            + ["\n".join(remarks)]
        )
        rows.append(
            Row(
                cells,
                "data",
                _numbers(row.no, {3: row.item.budget_plan, 4: row.item.budget_ordinance, 6: row.disbursed}),
            )
        )
    counts = [r.eplan_count(c) for c in EPLAN_COLUMNS]
    rows.append(
        Row(
            [
                _("Total: {n} items").format(n=r.num(r.items)),
                "",
                "",
                r.money(r.budget),
                r.money(r.budget_ordinance),
                "",
                r.money(r.disbursed),
            ]
            + [r.num(n) for n in counts]
            + [""],
            "total",
            {3: r.budget, 4: r.budget_ordinance, 6: r.disbursed, **{first + i: n for i, n in enumerate(counts)}},
            span=3,
        )
    )
    notes = ([r.cumulative_text()] if r.cumulative else []) + [
        _("Items per status: {counts}; total {total}").format(
            counts=", ".join(f"{status_label(c)} {r.num(n)}" for c, n in zip(EPLAN_COLUMNS, counts, strict=False)),
            total=r.num(sum(counts)),
        ),
        r.carried_out_rule_text(),
        r.disbursed_rule_text(),
        r.combined_rule_text(),
    ]
    if r.count(Status.NOT_STARTED.value):
        notes.append(
            _(
                "e-PlanNACC has no “not started” status: those {n} item(s) are ticked as “in progress” and "
                "marked in the remarks."
            ).format(n=r.num(r.count(Status.NOT_STARTED.value)))
        )
    return Table(
        _("Status of projects (e-PlanNACC) — {title}").format(title=r.title),
        header,
        rows,
        [5, 30, 6, 10, 10, 9, 10, 7, 8, 8, 8, 12],
        frozenset({3, 4, 6}),
        notes,
        wide=True,
    )


def checks_lines(r: RoundReport) -> list[str]:
    if not r.checks:
        return [_("No issue found.")]
    return [c.message for c in r.checks]


def all_tables(r: RoundReport) -> list[Table]:
    return [summary_table(r), detail_table(r), status_table(r)]
