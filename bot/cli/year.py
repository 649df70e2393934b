"""``tidtam year start | list``: the organisation's fiscal years; the next one starts from this one's plan."""

from __future__ import annotations

import typer

from bot.cli.common import org_session, run, table
from locales.i18n import N_, _
from storage.db import AsyncSession, Database
from storage.repo import Plan, this_fiscal_year
from storage.year import Years

app = typer.Typer(no_args_is_help=True)


@app.command(
    "start",
    help=N_(
        "Create fiscal year YEAR with its two rounds and copy the plan of --from (default: the "
        "latest earlier year with a plan)."
    ),
)
def year_start(
    year: int = typer.Argument(..., help=N_("BE, e.g. 2570")),
    from_year: int | None = typer.Option(None, "--from", help=N_("BE, e.g. 2569")),
) -> None:
    async def go(db: Database):
        async with org_session(db) as (session, org):
            return await Years(session, org.id).start(year, from_year)

    started = run(go)
    if started.from_year:
        typer.echo(
            _(
                "Fiscal year {year} is set up with its 6- and 12-month rounds at the default dates, and the plan "
                "of {source} copied: {items} items under {sections} headings, with their units and budgets. "
                "Check it with `tidtam plan show --fiscal-year {year}`, or edit last year's file from "
                "`tidtam plan template OUT.xlsx --from-year {source}` and import it."
            ).format(
                year=started.year.year_be, source=started.from_year, items=started.items, sections=started.sections
            )
        )
    else:
        typer.echo(
            _(
                "Fiscal year {year} is set up with its 6- and 12-month rounds at the default dates; no earlier "
                "plan to copy: import one with `tidtam plan import FILE --fiscal-year {year}`."
            ).format(year=started.year.year_be)
        )


@app.command("list", help=N_("The organisation's fiscal years and how many plan items each has."))
def year_list() -> None:
    async def go(db: Database):
        async with org_session(db, commit=False) as (session, org):
            years = await Years(session, org.id).all()
            plan = Plan(session, org.id)
            return [
                [
                    str(fy.year_be),
                    str(len(await plan.items(fy))),
                    _("this year") if fy.year_be == this_fiscal_year() else "",
                ]
                for fy in years
            ]

    typer.echo(table(run(go), [_("Fiscal year"), _("Items"), ""]))


def today_year_hint(years: list[int]) -> str | None:
    """When today's fiscal year is not set up, what to do about it."""
    now = this_fiscal_year()
    if now in years:
        return None
    return _(
        "Fiscal year {year}, which contains today, is not set up yet: start it from this year's plan with "
        "`tidtam year start {year}`. Showing fiscal year {shown}."
    ).format(year=now, shown=max(years))


async def all_years(session: AsyncSession, org_id: int) -> list[int]:
    return [fy.year_be for fy in await Years(session, org_id).all()]
