"""``tidtam round list | set | open | close``: the fiscal year's two rounds, their dates (BE on screen) and state."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

import typer

from base.values import bangkok_today
from bot.cli.common import echo_json, org_session, run, table
from bot.cli.year import all_years, today_year_hint
from handlers.common import round_state_label
from locales.errors import UserError
from locales.i18n import N_, _
from locales.thai import format_date, parse_date
from storage.db import Database
from storage.models import Round, RoundState
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


@app.command("list", help=N_("Show the two rounds of the fiscal year with their dates."))
def round_list(
    as_json: bool = typer.Option(False, "--json"), fiscal_year: int | None = typer.Option(None, "--fiscal-year")
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


@app.command("set", help=N_("Change a round's dates: 10/4/2569, 10 เม.ย. 2569 or 2026-04-10."))
def round_set(
    months: int = typer.Argument(..., help=N_("6 or 12")),
    opens: str | None = typer.Option(None, "--opens", help=N_("the day collection starts")),
    due: str | None = typer.Option(None, "--due", help=N_("the day units answer by")),
    submit_by: str | None = typer.Option(None, "--submit-by", help=N_("the day the report is sent and published by")),
    fiscal_year: int | None = typer.Option(None, "--fiscal-year", help=N_("BE; default: the latest")),
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


def _change(months: int | None, state: RoundState, yes: bool, fiscal_year: int | None) -> None:
    """Say what will happen, ask (no terminal and no --yes: the answer is no), then do it."""

    from bot.cli.common import state as cli_state
    from bot.cli.publish import _confirmed
    from handlers.admin import round_change_notices, round_question
    from handlers.reminders import queue_deliveries
    from storage.round_state import set_round_state

    today, state_settings = bangkok_today(), cli_state().settings

    async def pick(session, org) -> Round:
        repo = Rounds(session, org.id)
        if months is not None:
            return await repo.get(await repo.fiscal_year(fiscal_year), months)
        opened = [r for r in await repo.of_year(await repo.fiscal_year(fiscal_year)) if r.state == RoundState.OPEN]
        if not opened:
            raise UserError(_("No round is open."))
        return opened[0]

    async def ask(db: Database) -> tuple[list[str], str] | None:
        async with org_session(db, commit=False) as (session, org):
            rnd = await pick(session, org)
            if rnd.state == state:
                return None
            return await round_question(session, org.id, rnd, state, today)

    question = run(ask)
    if question is None:
        typer.echo(_("Nothing to do: the round is already so."))
        return
    typer.echo("\n".join(question[0]))
    if not yes and not _confirmed(question[1] + "?"):
        typer.echo(_("Nothing was changed."))
        raise typer.Exit(1)

    async def change(db: Database) -> tuple[Round, int, int]:
        async with org_session(db) as (session, org):
            rnd = await pick(session, org)
            was = rnd.state
            carried = await set_round_state(session, org.id, rnd, state, actor="cli", today=today)
            told = await round_change_notices(session, org.id, rnd, state, reopened=was == RoundState.CLOSED)
            await queue_deliveries(session, org.id, told, state_settings.data_dir, f"cli-{uuid.uuid4().hex}")
            return rnd, carried, len(told)

    rnd, carried, told = run(change)
    typer.echo(
        table(
            round_rows([rnd]), [_("Round"), _("Covers"), _("Opens"), _("Units answer by"), _("Submit by"), _("State")]
        )
    )
    if carried:
        typer.echo(_("{n} completed 6-month answer(s) carried forward.").format(n=carried))
    if told:  # the outbox sends them when the bot runs (`tidtam run`), as the chat's are
        typer.echo(_("Units told of it: {n} chat(s), sent by the bot while it runs.").format(n=told))


@app.command("open", help=N_("Open a round now (6 or 12), after saying what that does; --yes: do not ask."))
def round_open(
    months: int = typer.Argument(..., help=N_("6 or 12")),
    yes: bool = typer.Option(False, "--yes"),
    fiscal_year: int | None = typer.Option(None, "--fiscal-year"),
) -> None:
    if months not in (6, 12):
        raise UserError(_("A round is 6 or 12 (months)"))
    _change(months, RoundState.OPEN, yes, fiscal_year)


@app.command("close", help=N_("Close the open round, after saying what that does; --yes: do not ask."))
def round_close(
    yes: bool = typer.Option(False, "--yes"), fiscal_year: int | None = typer.Option(None, "--fiscal-year")
) -> None:
    _change(None, RoundState.CLOSED, yes, fiscal_year)
