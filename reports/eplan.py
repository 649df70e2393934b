"""The e-PlanNACC entry sheet: each item's round answer in the order e-PlanNACC's form asks it, with a copy button
per field, as one self-contained HTML page that also prints.

Nothing can be uploaded to e-PlanNACC, so the compiler types every item again; this sheet makes that copying and
choosing, never reading a table across. Values to paste are plain (digits 0–9, money without commas, as a form's
number box takes them); what e-PlanNACC offers as a list is shown as the choice to pick.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

from domain.budget import budget_basis
from domain.vocabulary import AWAITING
from locales.i18n import _
from locales.labels import status_label
from locales.thai import format_amount
from reports.model import EPLAN_COLUMN_OF, ItemRow, RoundReport
from reports.tables import included_in
from storage.models import Status

TEMPLATES = Path(__file__).parent / "templates"


@dataclass
class Field:
    label: str
    shown: str  # as the page shows it
    copy: str = ""  # what the copy button puts on the clipboard ("" : a choice in e-PlanNACC's list, not typed)
    choice: bool = False


@dataclass
class Entry:
    no: int
    code: str
    title: str
    heading: str  # the item's type and dimension, to find it in e-PlanNACC
    fields: list[Field]
    skip: str = ""  # why there is nothing to enter this round ("" : enter the fields)


def _plain(value: Decimal | None) -> str:
    return "" if value is None else f"{value:.2f}"


def _money(value: Decimal | None) -> str:
    return "-" if value is None else format_amount(value, thai_digits=False)


def entry(r: RoundReport, row: ItemRow) -> Entry:
    """The fields e-PlanNACC asks of an item each round, in its order; the item itself (type, title, dimension)
    was entered with the plan and is shown to find it by."""
    it = row.item
    status = EPLAN_COLUMN_OF[row.status]
    many = len(row.answers) > 1
    fields = [
        Field(_("Budget under the ordinance (baht)"), _money(it.budget_ordinance), _plain(it.budget_ordinance)),
        Field(_("Included in"), included_in(r, row), choice=True),
        Field(_("Status"), status_label(status), choice=True),
    ]
    reasons = [a for a in row.answers if a.category or a.reason_typed]
    if reasons or status == Status.CANNOT.value:  # e-PlanNACC will not take "could not be done" without one
        categories = ", ".join(dict.fromkeys(a.category for a in reasons if a.category))
        missing = _("not given: ask the unit before entering")
        fields.append(Field(_("Reason it could not be done"), categories or missing, choice=bool(categories)))
        typed = "\n".join((f"[{a.unit}] " if many else "") + a.reason_typed for a in reasons if a.reason_typed)
        if typed:
            fields.append(Field(_("Reason (text)"), typed, typed))
    results = "\n".join((f"[{a.unit}] " if many else "") + a.done for a in row.answers if a.done)
    if results:
        fields.append(Field(_("Result"), results, results))
    if budget_basis(it) is not None and not it.no_budget:
        shown, copy = (_money(row.disbursed), _plain(row.disbursed)) if row.money_reported else ("-", "")
        fields.append(Field(_("Disbursed (baht)"), shown, copy))
    heading = _("{kind} · dimension {dimension}").format(kind=it.kind.value, dimension=row.dimension.code)
    skip = ""
    if status == AWAITING:
        skip = _("Awaiting a report: nothing to enter this round.")
    elif row.answers and all(a.carried for a in row.answers):
        skip = _("Completed in the 6-month round: e-PlanNACC has locked it; nothing to enter.")
    return Entry(row.no, it.code, it.title, heading, [] if skip else fields, skip)


@cache
def _font_css() -> str:
    """Sarabun inside the page: it is opened from a download folder or printed, where no other file can follow."""
    import fontpkg_sarabun

    files = fontpkg_sarabun.ROOT / "files"
    faces = []
    for weight, name in (("normal", "Sarabun-Regular.ttf"), ("bold", "Sarabun-Bold.ttf")):
        data = base64.b64encode((files / name).read_bytes()).decode()
        faces.append(
            f'@font-face{{font-family:"Sarabun";font-weight:{weight};'
            f'src:url(data:font/ttf;base64,{data}) format("truetype")}}'
        )
    return "".join(faces)


def eplan_html(r: RoundReport) -> str:
    entries = [entry(r, row) for row in r.rows]
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]))
    to_enter = [e for e in entries if not e.skip]
    return env.get_template("eplan.html").render(
        title=_("e-PlanNACC entry sheet — {title}").format(title=r.title),
        org=r.org_name,
        entries=entries,
        how=_(
            "Open each item in e-PlanNACC, then go down its fields here: press Copy and paste into the box of the "
            "same name; where it says Choose, pick that in e-PlanNACC's list. Tick Entered when an item is done "
            "(the ticks stay in this browser)."
        ),
        counts=_("{n} item(s) to enter; {skipped} with nothing to enter this round.").format(
            n=len(to_enter), skipped=len(entries) - len(to_enter)
        ),
        presses=_("Presses for the whole round: {copies} copies and {choices} choices.").format(
            copies=sum(1 for e in to_enter for f in e.fields if f.copy),
            choices=sum(1 for e in to_enter for f in e.fields if f.choice),
        ),
        fonts=_font_css(),
        key=f"tidtam-eplan-{r.org.id}-{r.fiscal_year.year_be}-{r.round.months}",
        t={
            "press": _("Copy"),
            "copied": _("Copied"),
            "choose": _("choose from the list"),
            "entered": _("Entered"),
        },
    )


def write_eplan(r: RoundReport, path: Path) -> Path:
    path.write_text(eplan_html(r), encoding="utf-8")
    return path
