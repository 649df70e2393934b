"""``tidtam audit verify``: recompute the organisation's tamper-evident history (storage/chain.py) and name the
first answer or audit line altered, deleted or inserted outside the application."""

from __future__ import annotations

import re
import time

import typer

from bot.cli.common import org_session, run
from locales.errors import UserError
from locales.i18n import N_, _
from storage.chain import Broken, line_with_head, verify_org
from storage.db import Database
from storage.models import id_of
from storage.repo import list_organisations

app = typer.Typer(no_args_is_help=True, help=N_("The tamper-evident history of answers and audit lines."))

WHAT = {
    "altered": N_("altered outside the application"),
    "deleted": N_("deleted outside the application"),
    "inserted outside the application": N_("inserted outside the application"),
    "a line before it was deleted": N_("a line before it was deleted outside the application"),
    "does not follow the line before it": N_("does not follow the line before it (inserted, or one deleted)"),
}


@app.command("verify", help=N_("Recompute the chain; name the first row changed outside the application."))
def audit_verify(
    all_orgs: bool = typer.Option(False, "--all-orgs", help=N_("every organisation of the deployment")),
    head: str = typer.Option(
        "", "--head", help=N_("a chain head printed in an approved document: is that history still the one stored?")
    ),
) -> None:
    wanted = head.strip().lower()
    if wanted and not re.fullmatch(r"[0-9a-f]{64}", wanted):
        raise UserError(_("A chain head is 64 hexadecimal digits, as printed in the approved report."))
    found: list[int | None] = []

    async def go(db: Database) -> list[tuple[str, int, Broken | None]]:
        async with org_session(db, commit=False) as (session, org):
            orgs = list(await list_organisations(session)) if all_orgs else [org]
            out = []
            for o in orgs:
                checked, broken = await verify_org(session, id_of(o))
                out.append((o.name, checked, broken))
            if wanted:
                found.append(await line_with_head(session, id_of(org), wanted))
            return out

    started = time.monotonic()
    results = run(go)
    seconds = time.monotonic() - started
    bad = [(name, broken) for name, _n, broken in results if broken is not None]
    for name, checked, broken in results:
        if broken is None:
            typer.echo(_("{org}: {n} row(s) checked, intact.").format(org=name, n=f"{checked:,}"))
        else:
            typer.echo(
                _("{org}: {table} #{id} {what} (the {n} row(s) before it are intact).").format(
                    org=name, table=broken.table, id=broken.row_id, what=_(WHAT[broken.what]), n=f"{checked:,}"
                )
            )
    typer.echo(_("Verified in {s:.1f} s.").format(s=seconds))
    if wanted and found[0] is None:
        typer.echo(
            _("The head {head} is not in the stored history: it was rewritten after that approval.").format(head=wanted)
        )
    elif wanted:
        typer.echo(_("The head {head} is the stored history at line #{id}.").format(head=wanted[:16], id=found[0]))
    if bad or (wanted and found[0] is None):
        raise typer.Exit(1)
