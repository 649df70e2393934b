"""``tidtam publish``: the organisation's public page for ITA — on and off, its addresses labelled as the ITA's
open-data form asks, a round published after a preview and a confirmation (and, with a sign-off chain, its approval
or a stated reason), the plan's files written anew, the open datasets' contact, and the whole site — open data
included — written as plain files."""

from __future__ import annotations

from pathlib import Path

import click
import typer

from bot.cli.common import org_session, run, state
from locales.errors import UserError
from locales.i18n import N_, _
from reports.public import (
    DATA_FILES,
    ROUND_DATA,
    PublicSite,
    may_publish,
    oit_addresses,
    preview_lines,
    public_report,
    record_published,
    write_files,
    write_round_files,
)
from storage.db import Database
from storage.models import Organisation
from storage.public_choices import mark_link, set_wording, wording_list
from storage.publication import Site, live_site, overseen_live_slugs, publication_of, set_contact, set_live
from storage.repo import Rounds

app = typer.Typer(no_args_is_help=True)


def site_url(slug: str) -> str:
    return f"{state().settings.web_base_url}/p/{slug}/"


def _confirmed(question: str) -> bool:
    """Asked at a terminal; with no one to answer (a script, no --yes) the answer is no."""
    try:
        return typer.confirm(question)
    except (OSError, EOFError, click.exceptions.Abort):
        return False


def warn_if_local() -> None:
    """Without PUBLIC_BASE_URL the addresses are this machine's own: say so before anyone types them into OIT."""
    if not state().settings.public_base_url:
        typer.echo(
            _(
                "Note: PUBLIC_BASE_URL is not set, so these addresses are this machine's own ({url}) and cannot go "
                "in the OIT form. Set PUBLIC_BASE_URL=https://… (the address people reach this server at) in .env "
                "and run the command again."
            ).format(url=state().settings.web_base_url),
            err=True,
        )


@app.command("on", help=N_("Make the organisation's public page live (the first time: --slug gives its address)."))
def publish_on(slug: str | None = typer.Option(None, "--slug", help=N_("address: /p/<slug>/, a-z 0-9 -"))) -> None:
    async def go(db: Database) -> tuple[str, int]:
        async with org_session(db) as (session, org):
            done = (await set_live(session, org.id, True, "cli", slug)).slug
        return done, await _write_plan(db)

    done, _n = run(go)
    typer.echo(_("The public page is live: {url}").format(url=site_url(done)))
    warn_if_local()


@app.command("plan", help=N_("Write the plan's public PDF and XLSX anew (after the plan changed)."))
def publish_plan() -> None:
    typer.echo(_("The plan's public files are up to date ({n} written anew).").format(n=run(_write_plan)))


async def _write_plan(db: Database) -> int:
    """The plan's public files, read in one session and laid out after it closed."""
    async with org_session(db, commit=False) as (session, org):
        jobs = await PublicSite(session, state().settings, await _site(session, org)).plan_jobs()
    return await write_files(jobs)


async def write_plan_if_live(db: Database) -> bool:
    """After the plan or its approval changed: its public files anew, when the public page is on."""
    async with org_session(db, commit=False) as (session, org):
        pub = await publication_of(session, org.id)
        site = await live_site(session, pub.slug) if pub else None
        if site is None:
            return False
        jobs = await PublicSite(session, state().settings, site).plan_jobs()
    await write_files(jobs)
    return True


@app.command("off", help=N_("Take the public page down (its addresses answer 404 until it is on again)."))
def publish_off() -> None:
    async def go(db: Database) -> None:
        async with org_session(db) as (session, org):
            await set_live(session, org.id, False, "cli")

    run(go)
    typer.echo(_("The public page is off."))


async def _site(session, org: Organisation) -> Site:
    pub = await publication_of(session, org.id)
    site = await live_site(session, pub.slug) if pub else None
    if site is None:
        raise UserError(_("The public page is off; turn it on with tidtam publish on --slug …"))
    return site


@app.command("round", help=N_("Publish a round's documents as they stand now, after a preview (again: replaces)."))
def publish_round(
    months: int = typer.Argument(..., help=N_("6 or 12")),
    fiscal_year: int | None = typer.Option(None, "--fiscal-year", help=N_("BE; default: the latest")),
    yes: bool = typer.Option(False, "--yes", help=N_("do not ask to confirm")),
    override: str = typer.Option(
        "", "--override", help=N_("publish before the executives' approval, for this reason (shown on the page)")
    ),
) -> None:
    async def go(db: Database) -> str | None:
        nonlocal override
        async with org_session(db, commit=False) as (session, org):
            site = await _site(session, org)
            found = await Rounds(session, org.id).by_months(months, fiscal_year)
            if found is None:
                raise UserError(_("No {months}-month round in that fiscal year.").format(months=months))
            rnd, fy = found
            override = await may_publish(session, org.id, rnd, override)
            report = await public_report(session, state().settings, org, rnd)
        typer.echo("\n".join(preview_lines(report)))
        if not yes and not _confirmed(_("Publish it?")):
            return None
        await write_round_files(state().settings, org.id, rnd.id, report)
        async with org_session(db) as (session, org):
            await record_published(session, org, rnd, report, "cli", override)
        await _write_plan(db)
        return f"{site_url(site.publication.slug)}{fy.year_be}/{months}/"

    url = run(go)
    if url is None:
        typer.echo(_("Nothing was published."))
        return
    typer.echo(_("Published: {url}").format(url=url))
    warn_if_local()


@app.command(
    "wording",
    help=N_(
        "The public wording of one answer's typed text (the answer itself is unchanged): "
        'wording 6 1.1.1-1 --unit กองคลัง --field result --text "…" | --hide | --reset; without an item: the list.'
    ),
)
def publish_wording(
    months: int = typer.Argument(..., help=N_("6 or 12")),
    code: str | None = typer.Argument(None, help=N_("the item's code")),
    unit: str = typer.Option("", "--unit", help=N_("the unit whose answer it is")),
    field: str = typer.Option("result", "--field", help=N_("result, reason or months")),
    text: str | None = typer.Option(None, "--text", help=N_("the wording to publish")),
    hide: bool = typer.Option(False, "--hide", help=N_("publish nothing for this field")),
    reset: bool = typer.Option(False, "--reset", help=N_("back to what the unit typed (screened)")),
    fiscal_year: int | None = typer.Option(None, "--fiscal-year", help=N_("BE; default: the latest")),
) -> None:
    if code is not None and [text is not None, hide, reset].count(True) != 1:
        raise UserError(_('Give one of --text "…", --hide or --reset.'))
    if code is not None and not unit:
        raise UserError(_("Say whose answer it is: --unit, e.g. --unit กองคลัง"))

    async def go(db: Database) -> list[tuple[str, str, str, str]]:
        async with org_session(db, commit=code is not None) as (session, org):
            found = await Rounds(session, org.id).by_months(months, fiscal_year)
            if found is None:
                raise UserError(_("No {months}-month round in that fiscal year.").format(months=months))
            rnd = found[0]
            if code is not None:
                chosen = None if reset else ("" if hide else text)
                await set_wording(session, rnd, code, unit, field, chosen, "cli")
                await session.flush()
            return await wording_list(session, org.id, rnd.id)

    rows = run(go)
    if code is not None:
        typer.echo(
            _("Saved. It is used when the round is published (tidtam publish round {months}).").format(months=months)
        )
    if not rows:
        typer.echo(_("No public wording: the documents show what the units typed, screened."))
    hidden = _("(hidden)")
    for item, unit_name, name, wording in rows:
        typer.echo(f"{item} · {unit_name} · {name}: {wording or hidden}")


@app.command(
    "link",
    help=N_(
        "Mark a link to private storage public (it is left out of published documents until then); "
        "--private: left out again."
    ),
)
def publish_link(url: str, private: bool = typer.Option(False, "--private")) -> None:
    async def go(db: Database) -> bool:
        async with org_session(db) as (session, org):
            return await mark_link(session, org.id, url, not private, "cli")

    changed = run(go)
    if private:
        typer.echo((_("Left out again: {url}") if changed else _("Not marked public: {url}")).format(url=url))
    else:
        typer.echo((_("Marked public: {url}") if changed else _("Already public: {url}")).format(url=url))


@app.command("urls", help=N_("The public addresses to enter in the ITA's open-data (OIT) form."))
def publish_urls(fiscal_year: int | None = typer.Option(None, "--fiscal-year", help=N_("BE, e.g. 2569"))) -> None:
    async def go(db: Database) -> list[tuple[str, str]]:
        async with org_session(db) as (session, org):
            site = await _site(session, org)
            base = site_url(site.publication.slug)
            return [(label, base + path) for label, path in await oit_addresses(session, site, fiscal_year)] + [
                (_("The organisation's page"), base)
            ]

    for label, url in run(go):
        typer.echo(f"{label}\n  {url}")
    warn_if_local()


@app.command(
    "contact", help=N_("The e-mail address the open datasets (data.go.th) name as their maintainer: an office's.")
)
def publish_contact(email: str = typer.Argument(..., help=N_("e.g. saraban@kokchan.go.th"))) -> None:
    async def go(db: Database) -> str:
        async with org_session(db) as (session, org):
            return (await set_contact(session, org.id, email, "cli")).contact_email

    typer.echo(_("The open datasets name {email} as their contact.").format(email=run(go)))


@app.command("export", help=N_("Write the public pages and files to DIR as plain files, to upload to any website."))
def publish_export(folder: Path = typer.Argument(..., help=N_("an empty or new folder"))) -> None:
    async def go(db: Database) -> int:
        async with org_session(db) as (session, org):
            sites = [await _site(session, org)]
            overseen = await overseen_live_slugs(session, org.id)
            sites += [s for slug in overseen if (s := await live_site(session, slug)) is not None]
            return await write_site(session, sites, folder)

    typer.echo(_("{n} file(s) written to {folder}").format(n=run(go), folder=folder))


async def write_site(session, sites: list[Site], folder: Path) -> int:
    from reports.public import CSS

    if folder.exists() and not folder.is_dir():
        raise UserError(_("{folder} is a file, not a folder; give a new or empty folder.").format(folder=folder))
    if folder.exists() and any(folder.iterdir()):
        raise UserError(_("{folder} is not empty; choose a new folder.").format(folder=folder))
    (folder / "static").mkdir(parents=True, exist_ok=True)
    (folder / "static" / "public.css").write_bytes(CSS.read_bytes())
    from bot.web.public import font_files

    for name, font in font_files().items():  # the stylesheet's Sarabun, beside it
        (folder / "static" / name).write_bytes(font.read_bytes())
    written = 1 + len(font_files())
    for site in sites:
        pages = PublicSite(session, state().settings, site, static=True)
        await write_files(await pages.plan_jobs())  # a plan changed since it was published is exported as it stands
        root = folder / site.publication.slug
        for path in await pages.paths():
            target = root / (path + "index.html" if path.endswith("/") or not path else path)
            target.parent.mkdir(parents=True, exist_ok=True)
            parts = path.strip("/").split("/") if path else []
            if not path:
                target.write_text((await pages.org_page()).html, encoding="utf-8")
            elif len(parts) == 1:
                page = await pages.year_page(int(parts[0]))
                assert page is not None
                target.write_text(page.html, encoding="utf-8")
            elif len(parts) == 2 and path.endswith("/"):
                page = await pages.round_page(int(parts[0]), int(parts[1]))
                assert page is not None
                target.write_text(page.html, encoding="utf-8")
            elif len(parts) == 2 and parts[1] in DATA_FILES:
                made = await pages.data_file(int(parts[0]), parts[1])
                assert made is not None
                target.write_bytes(made[0])
            elif len(parts) == 2:
                source = await pages.plan_file(int(parts[0]), parts[1])
                assert source is not None
                target.write_bytes(source.read_bytes())
            elif parts[2] in ROUND_DATA:
                made = await pages.round_data(int(parts[0]), int(parts[1]), parts[2])
                assert made is not None
                target.write_bytes(made[0])
            else:
                found = await pages.round_file(int(parts[0]), int(parts[1]), parts[2])
                assert found is not None
                target.write_bytes(found[0].read_bytes())
            written += 1
    _world_readable(folder)
    return written


def _world_readable(folder: Path) -> None:
    """The export is for a web server, whose user is not this one: folders 0755 and files 0644 (the process's
    own umask keeps everything else it writes private)."""
    folder.chmod(0o755)
    for path in folder.rglob("*"):
        path.chmod(0o755 if path.is_dir() else 0o644)


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="publish", help=N_("The public page for ITA: on/off, addresses, static export."))
