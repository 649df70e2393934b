"""``tidtam holiday add|list``, ``tidtam schedule show``, ``tidtam digest preview``."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import typer

from base.values import BANGKOK, bangkok_today, utcnow
from bot.cli.common import org_session, run, state, table
from domain.calendar import fiscal_year_bounds
from handlers.reminders import on_leave_line
from locales.errors import UserError
from locales.i18n import N_, _
from locales.thai import format_date, parse_date
from storage.answers import Answers
from storage.db import Database
from storage.holidays import add_day_off, days_added, org_calendar
from storage.leave import leave_table
from storage.models import RoundState
from storage.outbox import known_keys
from storage.people import account_names
from storage.repo import Rounds, Units

holiday_app = typer.Typer(no_args_is_help=True, help=N_("Days off on top of weekends and public holidays."))
schedule_app = typer.Typer(no_args_is_help=True, help=N_("What the scheduler will send."))
digest_app = typer.Typer(no_args_is_help=True, help=N_("The managers' weekly digest."))


def register(app: typer.Typer) -> None:
    app.add_typer(holiday_app, name="holiday")
    app.add_typer(schedule_app, name="schedule")
    app.add_typer(digest_app, name="digest")


@holiday_app.command("add", help=N_("Add a day off: 16/4/2569, 16 เม.ย. 2569 or 2026-04-16."))
def holiday_add(day: str, name: str = typer.Option("", "--name")) -> None:
    date = parse_date(day)

    async def go(db: Database) -> None:
        async with org_session(db) as (session, org):
            await add_day_off(session, org.id, date, name, actor="cli")
        typer.echo(_("Added the day off {day}").format(day=format_date(date, thai_digits=False)))

    run(go)


@holiday_app.command("list", help=N_("Days off of the fiscal year: public holidays and the ones added."))
def holiday_list(fiscal_year: int | None = typer.Option(None, "--fiscal-year")) -> None:
    async def go(db: Database) -> None:
        async with org_session(db, commit=False) as (session, org):
            fy = await Rounds(session, org.id).fiscal_year(fiscal_year)
            cal = await org_calendar(session, org.id)
            added = await days_added(session, org.id)
        start, end = fiscal_year_bounds(fy.year_be)
        rows, day = [], start
        while day <= end:
            public = cal.holiday_name(day)
            if day in added:
                rows.append([format_date(day, thai_digits=False), added[day] or "-", _("added")])
            elif public and day.weekday() < 5:
                rows.append([format_date(day, thai_digits=False), public, _("public holiday")])
            day += dt.timedelta(days=1)
        typer.echo(table(rows, [_("Date"), _("Name"), _("Kind")]))

    run(go)


@schedule_app.command("show", help=N_("What will be sent to whom and when, if nobody answers more."))
def schedule_show(days: int = typer.Option(30, "--days")) -> None:
    from scheduler.tick import Policy, plan_org

    settings = state().settings
    policy = Policy.from_settings(settings)
    today = bangkok_today()

    async def go(db: Database) -> None:
        async with org_session(db, commit=False) as (session, org):
            rounds = list(reversed(await Answers(session, org.id).rounds()))  # the earliest first
            rnd = next((r for r in rounds if r.state == RoundState.OPEN), None) or next(
                (r for r in rounds if r.state == RoundState.PLANNED and r.submit_by >= today), None
            )
            if rnd is None:
                typer.echo(_("No round is open or coming: nothing is scheduled."))
                return
            names = await account_names(session, org.id)
            claimed = await known_keys(session, org.id)
            away = await leave_table(session, org.id, today)
            units = {u.id: u.name for u in await Units(session, org.id).all()}
            rows = []
            for offset in range(days + 1):
                day = today + dt.timedelta(days=offset)
                if not rnd.opens_on <= day <= rnd.submit_by:
                    continue
                moment = dt.datetime.combine(day, policy.work_start, tzinfo=BANGKOK)
                if offset == 0:
                    moment = max(moment, utcnow().astimezone(BANGKOK))
                plan = await plan_org(session, settings, policy, org, rnd, moment, claimed, projection=True)
                for p in plan.sends:
                    claimed.add(str(p.key))
                    who = (
                        _("group chat")
                        if p.address.is_group
                        else names.get((p.address.platform, p.address.chat_id), "-")
                    )
                    rung = p.key.subject if p.kind == "reminder" else p.kind
                    rows.append(
                        [
                            f"{format_date(day, thai_digits=False, abbr=True)} {moment:%H:%M}",
                            rung,
                            units.get(p.unit_id, "-"),
                            who,
                            p.address.platform,
                        ]
                    )
        if not rows:
            typer.echo(_("Nothing to send in the next {n} days.").format(n=days))
            return
        typer.echo(
            _("{round}: units answer by {due}").format(
                round=_("the {n}-month round").format(n=rnd.months), due=format_date(rnd.due_on, thai_digits=False)
            )
        )
        typer.echo(table(rows, [_("When"), _("What"), _("Unit"), _("To"), _("Channel")]))
        if away:  # why a unit's reminders go to its head or the ปลัด these days; the ladder's dates never move
            typer.echo(on_leave_line([(name, leave.ends_on) for leave, name in away]))

    run(go)


@digest_app.command("preview", help=N_("Print the digest text and write its chart (PNG)."))
def digest_preview(out: Path | None = typer.Option(None, "--out", help=N_("where to copy the chart PNG"))) -> None:
    from handlers.digest import build_digest

    settings = state().settings

    async def go(db: Database):
        async with org_session(db, commit=False) as (session, org):
            rnd = await Answers(session, org.id).current_round()
            if rnd is None:
                raise UserError(_("No round has been set up yet."))
            return await build_digest(session, settings, org, rnd)

    message = run(go)
    typer.echo(message.text)
    chart = message.attachment.path
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(chart, out)
        chart = out
    typer.echo(_("Chart: {path}").format(path=chart))
