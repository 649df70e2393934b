"""``tidtam plan import | template | show | approved``."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from pathlib import Path
from typing import Any

import typer

from bot.cli.common import echo_json, org_session, run, state, table
from locales.errors import UserError
from locales.i18n import N_, _
from locales.thai import clip, format_amount, format_date, parse_date
from storage.db import AsyncSession, Database
from storage.models import Organisation
from storage.plan_approval import approver_name, record_plan_approval
from storage.plan_import import ImportResult, import_plan
from storage.plan_sandbox import read_plan
from storage.plan_template import plan_row, write_template
from storage.repo import Plan, Rounds, Units

app = typer.Typer(no_args_is_help=True)

FiscalYearOption = typer.Option(None, "--fiscal-year", help=N_("BE; default: the organisation's latest"))


@app.command("import", help=N_("Import the plan from .xlsx or .csv (atomic; --dry-run writes nothing)."))
def plan_import(
    file: Path,
    dry_run: bool = typer.Option(False, "--dry-run"),
    fiscal_year: int | None = FiscalYearOption,
    new_units: bool = typer.Option(
        False, "--new-units", help=N_("create the units the file names that the organisation does not have yet")
    ),
) -> None:
    settings = state().settings  # every cell checked, in a child process with limits, before the database is touched
    rows = read_plan(file, settings.import_memory_mb, settings.import_seconds)

    async def go(db: Database) -> ImportResult:
        async with org_session(db, commit=not dry_run) as (session, org):
            fy = await Rounds(session, org.id).fiscal_year(fiscal_year)
            return await import_plan(session, org.id, fy, rows, new_units=new_units or dry_run)

    result = run(go)
    print_import_result(result, dry_run=dry_run)
    if dry_run and result.units_created and result.units_known and not new_units:
        typer.echo(_("To import them, add --new-units."))


def print_import_result(result: ImportResult, *, dry_run: bool) -> None:
    for line in result.lines(dry_run=dry_run):
        typer.echo(line)


@app.command(
    "template",
    help=N_(
        "Write a ready-to-fill plan workbook (.xlsx) with Thai headers and notes; "
        "--from-year fills it with that year's plan, to edit instead of starting blank."
    ),
)
def plan_template(
    out: Path,
    from_year: int | None = typer.Option(None, "--from-year", help=N_("BE, e.g. 2569")),
    force: bool = typer.Option(False, "--force", help=N_("replace the file if it exists")),
) -> None:
    if out.suffix.lower() != ".xlsx":
        raise UserError(_("The template is an Excel file: give a name ending in .xlsx"))
    if out.exists() and not force:  # it may be the plan the admin has been filling in
        raise UserError(
            _("{path} already exists and was left as it is. Give another name, or add --force to replace it.").format(
                path=out
            )
        )
    rows = None
    if from_year is not None:

        async def go(db: Database) -> list[dict[str, str]]:
            async with org_session(db, commit=False) as (session, org):
                fy = await Rounds(session, org.id).fiscal_year(from_year)
                return [plan_row(v) for v in await Plan(session, org.id).views(fy)]

        rows = run(go)
        if not rows:
            raise UserError(
                _("The plan of fiscal year {year} has no items yet: `tidtam plan import FILE`").format(year=from_year)
            )
    write_template(out, rows)
    typer.echo(
        _("Wrote {path}").format(path=out)
        + (" " + _("({n} items of fiscal year {year})").format(n=len(rows), year=from_year) if rows else "")
    )


@app.command(
    "approved",
    help=N_(
        'Record that the executive approved the plan: --date 15/9/2568 --by "นายสมชาย ใจดี นายกเทศมนตรี" '
        "(shown on the public plan page; --clear removes it)."
    ),
)
def plan_approved(
    date: str | None = typer.Option(None, "--date", help=N_("e.g. 15/9/2568 or 15 ก.ย. 2568")),
    by: str = typer.Option("", "--by", help=N_("name and position of who approved")),
    clear: bool = typer.Option(False, "--clear"),
    fiscal_year: int | None = FiscalYearOption,
) -> None:
    if clear == bool(date):
        raise UserError(_('Give --date and --by (e.g. --date 15/9/2568 --by "นายสมชาย ใจดี นายกเทศมนตรี"), or --clear.'))
    on = parse_date(date) if date else None
    if on is not None:
        approver_name(by)  # refused before the database is opened

    async def go(db: Database) -> tuple[int, str, bool]:
        from bot.cli.publish import write_plan_if_live

        async with org_session(db) as (session, org):
            fy = await Rounds(session, org.id).fiscal_year(fiscal_year)
            await record_plan_approval(session, fy, on, by, actor="cli")
            year, who = fy.year_be, fy.plan_approved_by
        return year, who, await write_plan_if_live(db)

    year, who, public = run(go)
    if on is None:
        typer.echo(_("The plan of fiscal year {year} is no longer marked approved.").format(year=year))
    else:
        typer.echo(
            _("The plan of fiscal year {year}: approved on {date} by {who}.").format(
                year=year, date=format_date(on, thai_digits=False), who=who
            )
        )
    if public:
        typer.echo(_("The public plan page and its PDF and XLSX say so now."))


@app.command("show", help=N_("List the plan's items with budgets and units."))
def plan_show(as_json: bool = typer.Option(False, "--json"), fiscal_year: int | None = FiscalYearOption) -> None:
    async def go(db: Database) -> None:
        async with org_session(db, commit=False) as (session, org):
            fy = await Rounds(session, org.id).fiscal_year(fiscal_year)
            views = await Plan(session, org.id).views(fy)
        if as_json:
            echo_json([_item_json(v) for v in views])
            return
        if not views:
            typer.echo(
                _("The plan of fiscal year {year} has no items yet: `tidtam plan import FILE`").format(year=fy.year_be)
            )
            return
        rows = [
            [
                v.item.code,
                clip(v.item.title, 60),
                format_amount(v.item.budget_plan),
                format_amount(v.item.budget_ordinance),
                ", ".join(v.unit_names) or _("(none)"),
            ]
            for v in views
        ]
        typer.echo(table(rows, [_("Code"), _("Title"), _("Plan budget"), _("Ordinance"), _("Units")]))
        total = sum((v.item.budget_plan or Decimal(0) for v in views), Decimal("0"))
        typer.echo(_("{n} items; plan budget {total} baht").format(n=len(views), total=format_amount(total)))

    run(go)


def _money(value: Decimal | None) -> str | None:
    return None if value is None else format(value, "f")


def _item_json(v) -> dict[str, Any]:
    return {
        **plan_row(v),
        "budget_plan": _money(v.item.budget_plan),
        "budget_ordinance": _money(v.item.budget_ordinance),
        "target_qty": None if v.item.target_qty is None else format(v.item.target_qty, "f"),
        "no_budget": v.item.no_budget,
    }


async def print_plan_summary(session: AsyncSession, org: Organisation) -> None:
    """Items and budgets per dimension, the units, and the rounds: what the demo prints."""
    rounds = Rounds(session, org.id)
    fy = await rounds.fiscal_year()
    views = await Plan(session, org.id).views(fy)
    typer.echo(_("{name} — fiscal year {year}").format(name=org.name, year=fy.year_be))
    per_dim: dict[str, list] = defaultdict(list)
    for v in views:
        per_dim[v.dimension.code].append(v)
    rows = []
    for code in sorted(per_dim, key=lambda c: [int(p) for p in c.split(".")]):
        vs = per_dim[code]
        budget = sum((v.item.budget_plan or Decimal(0) for v in vs), Decimal("0"))
        rows.append(
            [
                code,
                clip(vs[0].dimension.title, 50),
                str(len(vs)),
                str(sum(1 for v in vs if v.item.no_budget)),
                format_amount(budget),
            ]
        )
    total = sum((v.item.budget_plan or Decimal(0) for v in views), Decimal("0"))
    rows.append(["", _("Total"), str(len(views)), str(sum(1 for v in views if v.item.no_budget)), format_amount(total)])
    typer.echo(table(rows, [_("Dimension"), _("Title"), _("Items"), _("No budget"), _("Plan budget (baht)")]))
    units = await Units(session, org.id).all()
    typer.echo(_("Units ({n}): {names}").format(n=len(units), names=", ".join(u.name for u in units)))
    from bot.cli.rounds import round_rows

    typer.echo(
        table(
            round_rows(await rounds.of_year(fy)),
            [_("Round"), _("Covers"), _("Opens"), _("Units answer by"), _("Submit by"), _("State")],
        )
    )
