"""``tidtam leave add|list|cancel`` and ``tidtam acting add|list|end``: who is away and who acts for a head or
the ปลัด, from the command line — the chat's /leave and /acting, with the same bounds (domain/leave.py)."""

from __future__ import annotations

import typer

from base.values import bangkok_today
from bot.cli.common import org_session, run, table
from handlers.leave import kind_in, period_of, period_text
from locales.errors import ParseError, UserError
from locales.i18n import N_, _
from locales.labels import acting_title
from storage.acting import acting_table, end_acting, record_acting
from storage.db import AsyncSession, Database
from storage.leave import cancel_leave, leave_table, record_leave
from storage.models import Organisation, Person, id_of
from storage.people import people_matching
from storage.repo import Units

leave_app = typer.Typer(no_args_is_help=True, help=N_("People away: no reminders reach them until they are back."))
acting_app = typer.Typer(no_args_is_help=True, help=N_("Who acts for a unit's head or the ปลัด (รักษาราชการแทน)."))


def register(app: typer.Typer) -> None:
    app.add_typer(leave_app, name="leave")
    app.add_typer(acting_app, name="acting")


async def _person(session: AsyncSession, org: Organisation, wanted: str) -> Person:
    found = await people_matching(session, id_of(org), wanted.strip())
    if len(found) != 1:
        raise UserError(_('No single person matches "{person}"; see `tidtam person list`').format(person=wanted))
    return found[0]


def _days(text: str):
    try:
        return period_of(text, bangkok_today())
    except ParseError as e:
        raise UserError(str(e)) from None


@leave_app.command("add", help=N_('Record leave: tidtam leave add "สมศรี ใจดี" "10–20 ธ.ค." [ลาป่วย|ไปราชการ]'))
def leave_add(
    person: str = typer.Argument(..., help=N_("id or name, see `tidtam person list`")),
    days: str = typer.Argument(..., help=N_("10–20 ธ.ค., 15/12/2569, ถึง 20 ธ.ค. …")),
    kind: str = typer.Argument("", help=N_("ลาพักผ่อน, ลาป่วย, ไปราชการ or ลากิจ (kept private)")),
) -> None:
    chosen, _rest = kind_in(kind)
    period = _days(days)

    async def go(db: Database) -> str:
        async with org_session(db) as (session, org):
            who = await _person(session, org, person)
            await record_leave(session, id_of(org), who, period, chosen, "cli", bangkok_today())
            return who.display_name

    name = run(go)
    typer.echo(_("Leave recorded for {who}: {period}.").format(who=name, period=period_text(*period)))


@leave_app.command("list", help=N_("Leave not yet ended."))
def leave_list() -> None:
    async def go(db: Database):
        async with org_session(db, commit=False) as (session, org):
            return await leave_table(session, id_of(org), bangkok_today())

    rows = run(go)
    typer.echo(
        table([[name, period_text(r.starts_on, r.ends_on)] for r, name in rows], [_("Name"), _("Days")])
        if rows
        else _("Nobody is away from today on.")
    )


@leave_app.command("cancel", help=N_("The person is back: their leave from today on is removed."))
def leave_cancel(person: str = typer.Argument(..., help=N_("id or name, see `tidtam person list`"))) -> None:
    async def go(db: Database) -> tuple[str, int]:
        async with org_session(db) as (session, org):
            who = await _person(session, org, person)
            return who.display_name, await cancel_leave(session, id_of(org), id_of(who), bangkok_today(), "cli")

    name, n = run(go)
    typer.echo(
        _("Leave cancelled for {who}: reminders reach {who} again from today.").format(who=name)
        if n
        else _("No leave is recorded for {who} from today on.").format(who=name)
    )


async def _office(session: AsyncSession, org: Organisation, office: str) -> tuple[int | None, str | None]:
    if office.strip() in ("ปลัด", "palad"):
        return None, None
    unit = await Units(session, id_of(org)).by_name(office)
    if unit is None:
        raise UserError(_('There is no unit "{name}"; see /units.').format(name=office[:40]))
    return id_of(unit), unit.name


@acting_app.command("add", help=N_('Name an acting officer: tidtam acting add กองคลัง "สมชาย ใจดี" "ถึง 20 ธ.ค."'))
def acting_add(
    office: str = typer.Argument(..., help=N_("a unit's name, or ปลัด")),
    person: str = typer.Argument(..., help=N_("id or name, see `tidtam person list`")),
    days: str = typer.Argument(..., help=N_("10–20 ธ.ค., ถึง 20 ธ.ค. …")),
) -> None:
    period = _days(days)

    async def go(db: Database) -> tuple[str, str | None]:
        async with org_session(db) as (session, org):
            unit_id, unit_name = await _office(session, org, office)
            who = await _person(session, org, person)
            await record_acting(session, id_of(org), who, unit_id, period, "cli", bangkok_today())
            return who.display_name, unit_name

    name, unit_name = run(go)
    typer.echo(f"{name}: {acting_title(unit_name)}, {period_text(*period)}")


@acting_app.command("list", help=N_("Acting officers not yet ended."))
def acting_list() -> None:
    async def go(db: Database):
        async with org_session(db, commit=False) as (session, org):
            names = {id_of(u): u.name for u in await Units(session, id_of(org)).all()}
            rows = await acting_table(session, id_of(org), bangkok_today())
            return [
                [
                    name,
                    acting_title(None if a.unit_id is None else names.get(a.unit_id, "-")),
                    period_text(a.starts_on, a.ends_on),
                ]
                for a, name in rows
            ]

    rows = run(go)
    typer.echo(
        table(rows, [_("Name"), _("Acting for"), _("Days")])
        if rows
        else _("Nobody is recorded as acting for a head or the ปลัด.")
    )


@acting_app.command("end", help=N_("Nobody acts for that office from today (a unit's name, or ปลัด)."))
def acting_end(office: str = typer.Argument(..., help=N_("a unit's name, or ปลัด"))) -> None:
    async def go(db: Database) -> int:
        async with org_session(db) as (session, org):
            unit_id, _name = await _office(session, org, office)
            return await end_acting(session, id_of(org), unit_id, bangkok_today(), "cli")

    typer.echo(_("{n} acting period(s) ended.").format(n=run(go)))
