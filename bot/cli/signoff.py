"""``tidtam signoff show|chain|skip|cancel|reopen``: the chat's /signoff from the command line, with the same bounds
(domain/signoff.py) — a round or a plan is sent for sign-off from the chat, where its offices answer."""

from __future__ import annotations

import typer

from base.values import bangkok_today
from bot.cli.common import org_session, run, state
from domain.signoff import check_text
from domain.vocabulary import Decision, SignoffState
from handlers.reminders import queue_deliveries
from handlers.signoff import (
    OFF_WORDS,
    SUBJECT_WORDS,
    Subject,
    chain_from_text,
    chain_text,
    latest_of,
    office_deliveries,
    state_text,
)
from locales.errors import UserError
from locales.i18n import N_, _
from storage.answers import Answers
from storage.db import AsyncSession, Database
from storage.models import Organisation, Signoff, id_of
from storage.repo import Rounds
from storage.signoff import Signer, decide, end, set_chain

app = typer.Typer(no_args_is_help=True, help=N_("Sign-off by the ปลัด and the นายก: the chain, and where rounds stand."))


def register(parent: typer.Typer) -> None:
    parent.add_typer(app, name="signoff")


async def _subject(session: AsyncSession, org: Organisation, what: str) -> Subject:
    """6 or 12: that round of the latest fiscal year; plan: that year's plan."""
    if what not in SUBJECT_WORDS:
        raise UserError(_("Say 6, 12 or plan."))
    fy = await Rounds(session, id_of(org)).fiscal_year()
    if what == "plan":
        return Subject(fy)
    rnd = await Rounds(session, id_of(org)).get(fy, int(what))
    if rnd is None:
        raise UserError(_("No {months}-month round in that fiscal year.").format(months=what))
    return Subject(fy, rnd)


async def _waiting(session: AsyncSession, org: Organisation, subject: Subject, state_: SignoffState) -> Signoff:
    row = await latest_of(session, id_of(org), subject)
    if row is None or row.state != state_:
        raise UserError(
            _("{round} is not waiting for sign-off.").format(round=subject.name)
            if state_ == SignoffState.PENDING
            else _("This round has not been approved; nothing to reopen.")
        )
    return row


@app.command("show", help=N_("The chain, and where the current round's sign-off stands."))
def show() -> None:
    async def go(db: Database) -> str:
        async with org_session(db, commit=False) as (session, org):
            lines = [await chain_text(session, org)]
            fy = await Rounds(session, id_of(org)).fiscal_year()
            rnd = await Answers(session, id_of(org)).current_round()
            for subject in [Subject(fy)] + ([Subject(fy, rnd)] if rnd is not None else []):
                row = await latest_of(session, id_of(org), subject)
                lines += ["", await state_text(session, org, subject, row)]
            return "\n".join(lines)

    typer.echo(run(go))


@app.command("chain", help=N_('Set the chain: tidtam signoff chain "ปลัด สมปอง ใจดี; นายก สมชาย รักดี" (or off)'))
def chain(text: str = typer.Argument(..., help=N_("ปลัด NAME; นายก NAME — in order; off: no sign-off"))) -> None:
    async def go(db: Database) -> str:
        async with org_session(db) as (session, org):
            steps = [] if text.strip().lower() in OFF_WORDS else await chain_from_text(session, id_of(org), text)
            await set_chain(session, id_of(org), steps, "cli")
            return await chain_text(session, org)

    typer.echo(run(go))


@app.command("skip", help=N_("Pass the waiting office by, with a reason (audited, stated in the documents)."))
def skip(
    what: str = typer.Argument(..., help=N_("6, 12 or plan")),
    reason: str = typer.Option(..., "--reason", help=N_("why the office is passed by")),
) -> None:
    async def go(db: Database) -> str:
        checked = check_text(reason, _("the reason the office is passed by"))
        async with org_session(db) as (session, org):
            subject = await _subject(session, org, what)
            row = await _waiting(session, org, subject, SignoffState.PENDING)
            await decide(
                session, row, Decision.SKIP, Signer(None, _("passed by the administrator"), "cli", ""), checked, "cli"
            )
            if row.state == SignoffState.PENDING:  # the next office is asked, with the documents
                deliveries, _name = await office_deliveries(session, state().settings, org, row, today=bangkok_today())
                await queue_deliveries(
                    session, id_of(org), deliveries, state().settings.data_dir, f"so{row.id}-p{row.position}"
                )
            return await state_text(session, org, subject, row)

    typer.echo(run(go))


@app.command("cancel", help=N_("Take a round back from sign-off (its answers may change again)."))
def cancel(what: str = typer.Argument(..., help=N_("6, 12 or plan"))) -> None:
    async def go(db: Database) -> None:
        async with org_session(db) as (session, org):
            row = await _waiting(session, org, await _subject(session, org, what), SignoffState.PENDING)
            await end(session, row, SignoffState.WITHDRAWN, "", "cli")

    run(go)
    typer.echo(_("The round is taken back from sign-off; its answers may change again."))


@app.command(
    "reopen", help=N_("Reopen an approved round so answers may change, with a reason; it must be approved again.")
)
def reopen(
    months: int = typer.Argument(..., help=N_("6 or 12")),
    reason: str = typer.Option(..., "--reason", help=N_("why the approval is reopened")),
) -> None:
    async def go(db: Database) -> None:
        checked = check_text(reason, _("the reason the approval is reopened"))
        async with org_session(db) as (session, org):
            row = await _waiting(session, org, await _subject(session, org, str(months)), SignoffState.APPROVED)
            await end(session, row, SignoffState.REOPENED, checked, "cli")

    run(go)
    typer.echo(
        _("The approval is reopened: open the round (tidtam round open) for the change; it must be approved again.")
    )
