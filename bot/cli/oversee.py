"""``tidtam oversee``: which organisations an oversight organisation (a provincial office) rolls up."""

from __future__ import annotations

import typer

from bot.cli.common import org_session, run, table
from locales.errors import UserError
from locales.i18n import N_, _
from storage.db import Database
from storage.models import Organisation, OrgKind
from storage.oversight import oversee, overseen
from storage.repo import list_organisations

app = typer.Typer(no_args_is_help=True)


def _oversight(org: Organisation) -> None:
    if org.kind != OrgKind.OVERSIGHT:
        raise UserError(
            _(
                "{name} is not an oversight organisation; create one with `tidtam init --kind {kind}` "
                "and choose it with --org"
            ).format(name=org.name, kind=OrgKind.OVERSIGHT.value)
        )


@app.command("add", help=N_("Add organisations (names or ids; 'all' = every other one) to --org's oversight."))
def oversee_add(orgs: list[str] = typer.Argument(...)) -> None:
    async def go(db: Database) -> int:
        async with org_session(db) as (session, overseer):
            _oversight(overseer)
            everyone = [o for o in await list_organisations(session) if o.kind != OrgKind.OVERSIGHT]
            by_key = {**{o.name: o for o in everyone}, **{str(o.id): o for o in everyone}}
            chosen = everyone if orgs == ["all"] else []
            for key in orgs if orgs != ["all"] else []:
                if key not in by_key:
                    raise UserError(_('No organisation named "{name}"').format(name=key))
                chosen.append(by_key[key])
            return await oversee(session, overseer, chosen, actor="cli")

    typer.echo(_("{n} organisation(s) added to the oversight list.").format(n=run(go)))


@app.command("list", help=N_("The organisations --org oversees."))
def oversee_list() -> None:
    async def go(db: Database):
        async with org_session(db, commit=False) as (session, overseer):
            _oversight(overseer)
            return await overseen(session, overseer.id)

    rows = run(go)
    typer.echo(
        table(
            [[str(o.id), o.name, o.province, o.district] for o in rows],
            [_("id"), _("name"), _("province"), _("district")],
        )
        if rows
        else _("None yet.")
    )
