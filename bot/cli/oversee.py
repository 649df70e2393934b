"""``tidtam oversee``: the oversight tree — which organisations and offices an oversight organisation (a province's
office, a region, the nation) has beneath it, added by name, from a file of a whole province, or taken away."""

from __future__ import annotations

from pathlib import Path

import typer

from bot.cli.common import org_session, run, table
from locales.errors import UserError
from locales.i18n import N_, _
from storage.db import Database
from storage.models import Organisation, OrgKind
from storage.oversight import oversee, overseen, stop_overseeing, tree
from storage.oversight_import import import_orgs, parse_orgs, plan_import
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


def _named(everyone: list[Organisation], keys: list[str]) -> list[Organisation]:
    by_key = {**{o.name: o for o in everyone}, **{str(o.id): o for o in everyone}}
    chosen = []
    for key in keys:
        if key not in by_key:
            raise UserError(_('No organisation named "{name}"').format(name=key[:200]))
        chosen.append(by_key[key])
    return chosen


@app.command(
    "add",
    help=N_("Put organisations or offices (names or ids; 'all' = every organisation) beneath --org."),
)
def oversee_add(orgs: list[str] = typer.Argument(...)) -> None:
    async def go(db: Database) -> int:
        async with org_session(db) as (session, overseer):
            _oversight(overseer)
            everyone = [o for o in await list_organisations(session) if o.id != overseer.id]
            if orgs == ["all"]:
                chosen = [o for o in everyone if o.kind != OrgKind.OVERSIGHT]
            else:
                chosen = _named(everyone, orgs)
            return await oversee(session, overseer, chosen, actor="cli")

    typer.echo(_("{n} organisation(s) added to the oversight list.").format(n=run(go)))


@app.command("remove", help=N_("Take an organisation or office from directly beneath --org."))
def oversee_remove(org: str = typer.Argument(..., help=N_("name or id"))) -> None:
    async def go(db: Database) -> bool:
        async with org_session(db) as (session, overseer):
            _oversight(overseer)
            (chosen,) = _named([o for o in await list_organisations(session) if o.id != overseer.id], [org])
            return await stop_overseeing(session, overseer, chosen, actor="cli")

    typer.echo(_("Taken from the oversight list.") if run(go) else _("It was not on the oversight list."))


@app.command("list", help=N_("The organisations and offices directly beneath --org."))
def oversee_list() -> None:
    async def go(db: Database):
        async with org_session(db, commit=False) as (session, overseer):
            _oversight(overseer)
            return await overseen(session, overseer.id)

    rows = run(go)
    typer.echo(
        table(
            [[str(o.id), o.name, o.kind.value, o.province, o.district] for o in rows],
            [_("id"), _("name"), _("kind"), _("province"), _("district")],
        )
        if rows
        else _("None yet.")
    )


@app.command("tree", help=N_("Everything beneath --org: offices, then their organisations, indented."))
def oversee_tree() -> None:
    async def go(db: Database):
        async with org_session(db, commit=False) as (session, overseer):
            _oversight(overseer)
            return overseer.name, await tree(session, overseer)

    name, rows = run(go)
    lines = [name] + [f"{'  ' * depth}{o.name} ({o.kind.value})" for depth, o in rows]
    orgs = sum(1 for _d, o in rows if o.kind != OrgKind.OVERSIGHT)
    typer.echo("\n".join(lines + [_("{n} organisation(s) beneath.").format(n=orgs)]))


@app.command(
    "import",
    help=N_("Create the organisations of a file (name, kind, district, slug) beneath --org; checked whole first."),
)
def oversee_import(
    path: Path = typer.Argument(..., help=N_(".csv or .xlsx with a header row")),
    dry_run: bool = typer.Option(False, "--dry-run", help=N_("check and say what would happen; write nothing")),
) -> None:
    rows = parse_orgs(path)

    async def go(db: Database) -> tuple[int, int, int, int]:
        async with org_session(db, commit=not dry_run) as (session, overseer):
            _oversight(overseer)
            plan = await plan_import(session, overseer, rows)
            added = 0 if dry_run else await import_orgs(session, overseer, plan, actor="cli")
            return len(plan.create), len(plan.link), len(plan.already), added

    create, link, already, added = run(go)
    typer.echo(
        _("{create} to create, {link} existing to put beneath, {already} beneath already.").format(
            create=create, link=link, already=already
        )
    )
    typer.echo(_("Dry run: nothing was written.") if dry_run else _("{n} put beneath.").format(n=added))
