"""``tidtam line``: an organisation's own LINE Official Account (``channel``), and its messages this month
against the quota with what the next round may cost (``usage``)."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections import Counter

import typer

from base.values import BANGKOK, bangkok_today, utcnow
from bot.cli.common import org_session, run, secret_input, state, table
from locales.i18n import N_, _
from locales.thai import format_datetime
from storage.answers import Answers
from storage.db import Database
from storage.line_channels import line_accounts, own_channel, remove_channel, set_channel
from storage.line_usage import channel_of, month_of, usage, used_percent
from storage.models import RoundState
from storage.sealed import sealer

app = typer.Typer(no_args_is_help=True, help=N_("LINE Official Account: messages and quota."))


@app.command("usage", help=N_("This month's LINE messages, the quota, and an estimate for the next round."))
def line_usage(refresh: bool = typer.Option(False, "--refresh", help=N_("read the quota from LINE now"))) -> None:
    from scheduler.tick import Policy, plan_org

    settings = state().settings
    if refresh:
        from bot.adapters.line_channels import LineChannels

        async def read() -> None:
            db = Database(settings.effective_database_url, new_installation=settings.new_installation)
            channels = LineChannels(settings, db)
            try:
                async with org_session(db, commit=False) as (_session, org):
                    org_id = org.id
                adapter = await channels.of_org(org_id)
                if adapter is not None:
                    await adapter.check_quota()
            finally:
                await channels.close()
                await db.dispose()

        asyncio.run(read())
    policy = Policy.from_settings(settings)

    async def go(db: Database):
        async with org_session(db, commit=False) as (session, org):
            row = await usage(session, utcnow(), org.id)
            channel = await channel_of(session, org.id)
            today = bangkok_today()
            rounds = list(reversed(await Answers(session, org.id).rounds()))  # the earliest first
            rnd = next((r for r in rounds if r.state == RoundState.OPEN), None) or next(
                (r for r in rounds if r.submit_by >= today), None
            )
            per_month: Counter = Counter()
            if rnd is not None:
                claimed: set[str] = set()
                day = max(today, rnd.opens_on)
                while day <= rnd.submit_by:
                    moment = dt.datetime.combine(day, policy.work_start, tzinfo=BANGKOK)
                    plan = await plan_org(session, settings, policy, org, rnd, moment, claimed, projection=True)
                    for p in plan.sends:
                        claimed.add(str(p.key))
                        if p.address.platform == "line":
                            per_month[day.strftime("%Y-%m")] += 1
                    day += dt.timedelta(days=1)
            return row, rnd, per_month, channel

    row, rnd, per_month, channel = run(go)
    typer.echo(_("LINE channel: {name}").format(name=channel) if channel else _("LINE channel: the deployment's own"))
    quota = row.quota if row else None
    percent = used_percent(row)
    typer.echo(
        _(
            "This month ({month}): {pushed} message(s) pushed by Tidtam; LINE counts {consumed}; quota {quota}{share}"
        ).format(
            month=month_of(utcnow()),
            pushed=row.pushed if row else 0,
            consumed=row.consumed if row and row.consumed is not None else "-",
            quota=quota if quota else _("unknown or unlimited"),
            share=f" ({percent:.0f}%)" if percent is not None else "",
        )
    )
    if rnd is None:
        typer.echo(_("No round is open or coming: nothing is scheduled."))
        return
    typer.echo(_("The {n}-month round, if nobody answers (at most): ").format(n=rnd.months))
    typer.echo(table([[m, str(n)] for m, n in sorted(per_month.items())] or [["-", "0"]], [_("Month"), _("Messages")]))


channel_app = typer.Typer(no_args_is_help=True, help=N_("The organisation's own LINE Official Account."))
app.add_typer(channel_app, name="channel")


@channel_app.command("set", help=N_("Give the organisation its own LINE channel, or new credentials for it."))
def channel_set(
    name: str = typer.Argument(..., help=N_("a-z, 0-9 and '-': LINE's webhook URL becomes /line/webhook/NAME")),
) -> None:
    # asked for, never given as options: a command line is visible to every user of the machine (ps)
    secret = secret_input(_("Channel secret (Basic settings)"))
    token = secret_input(_("Channel access token, long-lived (Messaging API)"))
    seal = sealer(state().settings)

    async def go(db: Database):
        async with org_session(db) as (session, org):
            before = await own_channel(session, "line", org.id)
            row = await set_channel(session, org.id, name, secret, token, actor="cli", seal=seal)
            return org.name, row.name, before is None and await line_accounts(session, org.id)

    org_name, saved, stranded = run(go)  # a refused name, secret or token: one Thai line (bot.cli.main)
    base = state().settings.web_base_url
    typer.echo(_("{org} now sends on its own LINE channel {name}.").format(org=org_name, name=saved))
    typer.echo(
        _("In the LINE Developers console, set its webhook URL to {url} and turn on 'Use webhook'.").format(
            url=f"{base}/line/webhook/{saved}"
        )
    )
    if stranded:
        typer.echo(
            _(
                "{n} LINE account(s) and group(s) of this organisation joined on the deployment's channel: its "
                "user ids do not work on another channel. Ask those people to add the new account as a friend "
                "and join again with an invite code."
            ).format(n=stranded)
        )


@channel_app.command("show", help=N_("The organisation's LINE channel and its webhook URL (never its secrets)."))
def channel_show() -> None:
    async def go(db: Database):
        async with org_session(db, commit=False) as (session, org):
            row = await own_channel(session, "line", org.id)
            return org.name, row

    org_name, row = run(go)
    if row is None:
        typer.echo(_("{org} uses the deployment's LINE channel.").format(org=org_name))
        return
    typer.echo(
        table(
            [
                [_("Name"), row.name],
                [_("Webhook URL"), f"{state().settings.web_base_url}/line/webhook/{row.name}"],
                [_("Access token"), "…" + sealer(state().settings).unseal(row.access_token)[-4:]],
                [_("Changed"), format_datetime(row.updated_at)],
            ]
        )
    )


@channel_app.command("remove", help=N_("Go back to the deployment's LINE channel."))
def channel_remove() -> None:
    async def go(db: Database):
        async with org_session(db) as (session, org):
            return org.name, await remove_channel(session, org.id, actor="cli")

    org_name, row = run(go)
    if row is None:
        typer.echo(_("{org} has no LINE channel of its own.").format(org=org_name))
    else:
        typer.echo(_("{org} now uses the deployment's LINE channel.").format(org=org_name))
