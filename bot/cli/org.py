"""``tidtam init``, ``unit``, ``db upgrade``, ``backup`` and the ``demo`` main job."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from base.values import clean_name
from bot.cli.common import org_session, run, state, table
from domain.kinds import parse_kind
from domain.vocabulary import OrgKind
from locales.errors import UserError
from locales.i18n import N_, _
from storage.db import Database
from storage.people import People
from storage.publication import set_slug
from storage.repo import Units, create_organisation

unit_app = typer.Typer(no_args_is_help=True, help=N_("The organisation's units (a tree)."))
person_app = typer.Typer(no_args_is_help=True, help=N_("People registered in the organisation."))
db_app = typer.Typer(no_args_is_help=True, help=N_("Database schema."))


def _ask(value: str | None, option: str, question: str) -> str:
    """The option's value, or ask for it when a person is at the terminal."""
    if value:
        return value
    if sys.stdin.isatty():
        return typer.prompt(question)
    raise UserError(_("Missing {option}").format(option=option))


def register(app: typer.Typer) -> None:
    app.command("init", help=N_("Create the organisation, its fiscal year and the two rounds."))(init)
    app.command("backup", help=N_("Copy the database to FILE (SQLite online backup; pg_dump for PostgreSQL)."))(backup)
    app.command("demo", help=N_("Set up a demo organisation with the example plan and print its summary."))(demo)
    app.command("disk", help=N_("Free disk, the organisation's evidence against its quota, and today's uploads."))(disk)
    app.command("secrets-key", help=N_("Print a new key for SECRETS_KEY (put it first, keep the old one after it)."))(
        secrets_key
    )
    app.add_typer(unit_app, name="unit")
    app.add_typer(person_app, name="person")
    app.add_typer(db_app, name="db")


def disk() -> None:
    from storage.evidence import free_mb, usage

    settings = state().settings

    async def go(db: Database):
        async with org_session(db, commit=False) as (session, org):
            return org, {p.id: p.display_name for p, _roles, _accounts in await People(session, org.id).members()}

    org, people = run(go)
    used, day = usage(settings, org.id)
    mb = 1024 * 1024
    rows = [
        [
            _("Free disk"),
            f"{free_mb(settings):,} MB",
            _("uploads stop below {n} MB").format(n=f"{settings.disk_floor_mb:,}"),
        ],
        [_("Evidence of {org}").format(org=org.name), f"{used / mb:,.1f} MB", f"/ {settings.evidence_org_mb:,} MB"],
    ]
    for person_id, size in sorted(day.items(), key=lambda kv: -kv[1])[:10]:
        name = clean_name(people.get(person_id, f"#{person_id}"))
        rows.append(
            [
                _("{name}, last 24 hours").format(name=name),
                f"{size / mb:,.1f} MB",
                f"/ {settings.evidence_person_mb_day:,} MB",
            ]
        )
    typer.echo(table(rows, [_("What"), _("Used"), _("Limit")]))


def secrets_key() -> None:
    from cryptography.fernet import Fernet

    typer.echo(Fernet.generate_key().decode())


def init(
    org: str | None = typer.Option(None, "--org", help=N_("organisation name")),
    kind: str | None = typer.Option(
        None,
        "--kind",
        help=N_("เทศบาลนคร | เทศบาลเมือง | เทศบาลตำบล | อบต. | อบจ. | เมืองพัทยา | กรุงเทพมหานคร | หน่วยกำกับดูแล"),
    ),
    province: str | None = typer.Option(None, "--province"),
    district: str | None = typer.Option(None, "--district"),
    fiscal_year: int | None = typer.Option(None, "--fiscal-year", help=N_("BE, e.g. 2569")),
    slug: str | None = typer.Option(None, "--slug", help=N_("address of its public page: /p/<slug>/ (a-z 0-9 -)")),
) -> None:
    name = _ask(org or state().org, "--org", _("Organisation name"))
    org_kind = parse_kind(
        _ask(kind, "--kind", _("Kind (เทศบาลนคร, เทศบาลเมือง, เทศบาลตำบล, อบต., อบจ., เมืองพัทยา, กรุงเทพมหานคร)"))
    )
    if org_kind == OrgKind.OVERSIGHT:  # an office (a province's, a region's, the nation's) is not asked for a district
        prov, dist = province or "", district or ""
    else:
        prov = _ask(province, "--province", _("Province"))
        dist = _ask(district, "--district", _("District"))
    year = fiscal_year or int(_ask(None, "--fiscal-year", _("Fiscal year (BE)")))

    async def go(db: Database) -> None:
        async with db.session() as session:
            created = await create_organisation(
                session, name=name, kind=org_kind, province=prov, district=dist, fiscal_year=year
            )
            if slug:
                await set_slug(session, created.id, slug, "cli")  # the page stays off until `publish on`
        if org_kind == OrgKind.OVERSIGHT:
            typer.echo(
                _(
                    'Created {name} ({kind}). Put organisations beneath it with `tidtam --org "{name}" oversee '
                    "import FILE` or `oversee add NAME`, and invite its staff with `invite --role overseer`"
                ).format(name=created.name, kind=created.kind.value)
            )
            return
        typer.echo(
            _(
                "Created {name} ({kind}), {district}, {province}; fiscal year {year} with its 6- and 12-month rounds"
            ).format(name=created.name, kind=created.kind.value, district=dist, province=prov, year=year)
        )

    run(go)


@unit_app.command("add", help=N_("Add a unit, optionally under a parent unit."))
def unit_add(name: str, parent: str | None = typer.Option(None, "--parent")) -> None:
    async def go(db: Database) -> None:
        async with org_session(db) as (session, org):
            unit = await Units(session, org.id).add(name, parent)
        typer.echo(_("Added unit {name}").format(name=unit.name))

    run(go)


@unit_app.command("list", help=N_("List the units as a tree."))
def unit_list() -> None:
    async def go(db: Database) -> None:
        async with org_session(db, commit=False) as (session, org):
            tree = await Units(session, org.id).tree()
        if not tree:
            typer.echo(_("No units yet: add one with `tidtam unit add NAME` or import a plan"))
        for depth, unit in tree:
            typer.echo("  " * depth + unit.name)

    run(go)


@db_app.command("upgrade", help=N_("Migrate the database to the latest schema."))
def db_upgrade() -> None:
    async def go(db: Database) -> None:
        await db.upgrade()
        typer.echo(_("Database is at revision {rev}").format(rev=await db.current_revision()))

    run(go, upgrade=False)


def backup(file: Path) -> None:
    from storage.backup import backup_to

    typer.echo(backup_to(state().settings.effective_database_url, file))


def demo() -> None:
    """In the simulator's own database (never beside a real organisation, never on a production setup)."""
    from bot.adapters.simulator import refuse_unsafe_settings
    from bot.cli.common import CliState, set_state
    from bot.cli.plan import print_plan_summary
    from storage.demo import demo_settings, ensure_demo

    refuse_unsafe_settings(state().settings)
    set_state(CliState(demo_settings(state().settings), state().org))

    async def go(db: Database) -> None:
        async with db.session() as session:
            org, created = await ensure_demo(session)
        if created:
            typer.echo(_("Created the demo organisation {name} (demo data, not a real one)").format(name=org.name))
        async with db.session(commit=False) as session:
            await print_plan_summary(session, org)

    run(go)
    typer.echo("")
    typer.echo(_("Database: {url}").format(url=state().settings.effective_database_url))
    typer.echo(_("Next: `tidtam plan show`, `tidtam round list`, `tidtam plan template my-plan.xlsx`"))


@person_app.command("list", help=N_("Everyone registered: id, name, roles."))
def person_list() -> None:
    from storage.people import People

    async def go(db: Database) -> None:
        async with org_session(db, commit=False) as (session, org):
            rows = await People(session, org.id).members()
            units = {u.id: u.name for u in await Units(session, org.id).all()}
        for person, memberships, accounts in rows:
            roles = ", ".join(f"{m.role.value}" + (f"@{units[m.unit_id]}" if m.unit_id else "") for m in memberships)
            typer.echo(
                f"{person.id}\t{clean_name(person.display_name)}\t{roles}\t{','.join(a.platform for a in accounts)}"
            )

    run(go)


@person_app.command("forget", help=N_("Remove a person's personal data (PDPA); their answers stay, unnamed."))
def person_forget(
    person: str = typer.Argument(..., help=N_("id or name, see `tidtam person list`")),
    yes: bool = typer.Option(False, "--yes", help=N_("do not ask to confirm")),
) -> None:
    from storage.people import forget_person, people_matching

    if (
        not yes
        and sys.stdin.isatty()
        and not typer.confirm(_("Remove the personal data of {person}?").format(person=person))
    ):
        raise typer.Abort()

    async def go(db: Database) -> dict:
        async with org_session(db) as (session, org):
            found = await people_matching(session, org.id, person)
            if len(found) != 1:
                raise UserError(
                    _('No single person matches "{person}"; see `tidtam person list`').format(person=person)
                )
            return await forget_person(session, org.id, found[0], actor="cli", data_dir=state().settings.data_dir)

    counts = run(go)
    typer.echo(
        _(
            "Personal data removed: {accounts} chat account(s), {roles} role(s); {audit} audit line(s) "
            "scrubbed; {queued} message(s) to them cleared, {links} download link(s) revoked. The answers "
            "stay, without the name."
        ).format(
            accounts=counts["accounts"],
            roles=counts["roles"],
            audit=counts["audit_rows_scrubbed"],
            queued=counts["queued_dropped"],
            links=counts["links_revoked"],
        )
    )
