"""``tidtam round list | set``: the fiscal year's two rounds and their dates (BE on screen)."""

from __future__ import annotations

from typing import Optional, Sequence

import typer

from bot.cli.common import echo_json, org_session, run, table
from bot.cli.year import all_years, today_year_hint
from handlers.common import round_state_label
from locales.errors import UserError
from locales.i18n import _
from locales.thai import format_date, parse_date
from storage.db import Database
from storage.models import Round
from storage.repo import Rounds

app = typer.Typer(no_args_is_help=True)


def round_rows(rounds: Sequence[Round]) -> list[list[str]]:
    d = lambda day: format_date(day, thai_digits=False, abbr=True)  # noqa: E731
    return [
        [
            _("{n} months").format(n=r.months),
            f"{d(r.period_start)} – {d(r.period_end)}",
            d(r.opens_on),
            d(r.due_on),
            d(r.submit_by),
            round_state_label(r),
        ]
        for r in rounds
    ]


@app.command("list", help="Show the two rounds of the fiscal year with their dates.")
def round_list(
    as_json: bool = typer.Option(False, "--json"), fiscal_year: Optional[int] = typer.Option(None, "--fiscal-year")
) -> None:
    async def go(db: Database) -> None:
        async with org_session(db, commit=False) as (session, org):
            repo = Rounds(session, org.id)
            fy = await repo.fiscal_year(fiscal_year)
            rounds = await repo.of_year(fy)
            hint = None if fiscal_year else today_year_hint(await all_years(session, org.id))
        if hint:
            typer.echo(hint, err=True)
        if as_json:
            echo_json(
                [
                    {
                        "fiscal_year": fy.year_be,
                        "months": r.months,
                        "state": r.state.value,
                        **{
                            k: getattr(r, k).isoformat()
                            for k in ("period_start", "period_end", "opens_on", "due_on", "submit_by")
                        },
                        "display": {k: format_date(getattr(r, k)) for k in ("opens_on", "due_on", "submit_by")},
                    }
                    for r in rounds
                ]
            )
            return
        typer.echo(_("Fiscal year {year}").format(year=fy.year_be))
        typer.echo(
            table(
                round_rows(rounds),
                [_("Round"), _("Covers"), _("Opens"), _("Units answer by"), _("Submit by"), _("State")],
            )
        )

    run(go)


@app.command("set", help="Change a round's dates: 10/4/2569, 10 เม.ย. 2569 or 2026-04-10.")
def round_set(
    months: int = typer.Argument(..., help="6 or 12"),
    opens: Optional[str] = typer.Option(None, "--opens"),
    due: Optional[str] = typer.Option(None, "--due"),
    submit_by: Optional[str] = typer.Option(None, "--submit-by"),
    fiscal_year: Optional[int] = typer.Option(None, "--fiscal-year"),
) -> None:
    if months not in (6, 12):
        raise UserError(_("A round is 6 or 12 (months)"))
    if not (opens or due or submit_by):
        raise UserError(_("Give at least one of --opens, --due, --submit-by"))
    dates = {k: parse_date(v) if v else None for k, v in (("opens", opens), ("due", due), ("submit_by", submit_by))}

    async def go(db: Database) -> None:
        async with org_session(db) as (session, org):
            repo = Rounds(session, org.id)
            fy = await repo.fiscal_year(fiscal_year)
            rnd = await repo.set_dates(await repo.get(fy, months), **dates)
        typer.echo(
            table(
                round_rows([rnd]),
                [_("Round"), _("Covers"), _("Opens"), _("Units answer by"), _("Submit by"), _("State")],
            )
        )

    run(go)
