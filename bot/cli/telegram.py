"""``tidtam telegram bot``: an organisation's own Telegram bot — its token checked with Telegram, stored sealed,
and its webhook set to this deployment with a secret of its own."""

from __future__ import annotations

import asyncio
import secrets

import typer
from telegram import Update

from base.settings import Settings
from bot.adapters.telegram import ApiError, BotApi
from bot.cli.common import org_session, run, secret_input, state, table
from locales.errors import UserError
from locales.i18n import N_, _
from locales.thai import format_datetime
from storage.db import Database
from storage.sealed import sealer
from storage.telegram_bots import bot_id_of, bot_of_org, remove_bot, set_bot, telegram_accounts

app = typer.Typer(no_args_is_help=True, help=N_("Telegram: an organisation's own bot."))
bot_app = typer.Typer(no_args_is_help=True, help=N_("The organisation's own Telegram bot."))
app.add_typer(bot_app, name="bot")


def webhook_url(settings: Settings, bot_id: str) -> str:
    return f"{settings.web_base_url}/telegram/webhook/{bot_id}"


async def _call(settings: Settings, token: str, method: str, payload: dict) -> object:
    """One Bot API call with the organisation's token (never written out: errors name their code only)."""
    api = BotApi(settings.model_copy(update={"telegram_bot_token": token, "telegram_rate_limiter": False}))
    where = settings.telegram_api_base_url or "api.telegram.org"
    try:
        return await api.call(method, payload)
    except ApiError as e:
        if e.code in (401, 404):
            raise UserError(_("Telegram refused this token: copy it again from @BotFather")) from None
        raise UserError(
            _("Telegram did not accept {method} ({code}): try again later").format(method=method, code=e.code)
        ) from None
    except (OSError, TimeoutError) as e:
        raise UserError(
            _("Cannot reach the Bot API server ({where}): {error}").format(where=where, error=type(e).__name__)
        ) from None
    finally:
        await api.close()


@bot_app.command("set", help=N_("Give the organisation its own Telegram bot (a token from @BotFather)."))
def bot_set() -> None:
    settings = state().settings
    # asked for, never given as an option: a command line is visible to every user of the machine (ps)
    token = secret_input(_("Bot token from @BotFather")).strip()
    bot_id = bot_id_of(token)  # its shape, before anything is asked of Telegram
    url = webhook_url(settings, bot_id)
    if not url.startswith("https://") and not settings.telegram_api_base_url:
        raise UserError(
            _(
                "Telegram sends a bot's messages only to an https address: set PUBLIC_BASE_URL to this "
                "deployment's https address first (it is now {url})"
            ).format(url=settings.web_base_url)
        )
    me = asyncio.run(_call(settings, token, "getMe", {}))
    username = str(me.get("username") or "") if isinstance(me, dict) else ""
    secret = secrets.token_urlsafe(32)  # Telegram sends it back with every update: A-Z, a-z, 0-9, _ and -
    seal = sealer(settings)

    async def go(db: Database):
        async with org_session(db) as (session, org):
            before = await bot_of_org(session, org.id)
            await set_bot(session, org.id, token, username, secret, actor="cli", seal=seal)
            joined = await telegram_accounts(session, org.id)
            old = seal.unseal(before.token) if before is not None and before.bot_id != bot_id else ""
            return org.name, joined if before is None else 0, old

    org_name, stranded, replaced = run(go)  # a refused token or username: one Thai line (bot.cli.main)
    hook = {"url": url, "secret_token": secret, "allowed_updates": list(Update.ALL_TYPES)}
    asyncio.run(_call(settings, token, "setWebhook", hook))
    if replaced:  # the bot it replaces stops sending its updates here
        try:
            asyncio.run(_call(settings, replaced, "deleteWebhook", {}))
        except UserError:
            pass  # a revoked token: its updates stopped already
    typer.echo(_("{org} now talks through its own Telegram bot @{name}.").format(org=org_name, name=username))
    typer.echo(_("Telegram sends its messages to {url}").format(url=url))
    if stranded:
        typer.echo(
            _(
                "{n} person(s) of this organisation joined on the deployment's bot: a bot may message only those "
                "who opened it. Ask them to open https://t.me/{name} and press Start."
            ).format(n=stranded, name=username)
        )


@bot_app.command("show", help=N_("The organisation's Telegram bot and its webhook URL (never its token)."))
def bot_show() -> None:
    async def go(db: Database):
        async with org_session(db, commit=False) as (session, org):
            return org.name, await bot_of_org(session, org.id)

    org_name, row = run(go)
    if row is None:
        typer.echo(_("{org} uses the deployment's Telegram bot.").format(org=org_name))
        return
    typer.echo(
        table(
            [
                [_("Bot"), f"@{row.username} (https://t.me/{row.username})"],
                [_("Webhook URL"), webhook_url(state().settings, row.bot_id)],
                [_("Token"), "…" + sealer(state().settings).unseal(row.token)[-4:]],
                [_("Changed"), format_datetime(row.updated_at)],
            ]
        )
    )


@bot_app.command("remove", help=N_("Go back to the deployment's Telegram bot."))
def bot_remove() -> None:
    settings = state().settings

    async def go(db: Database):
        async with org_session(db) as (session, org):
            row = await remove_bot(session, org.id, actor="cli")
            return org.name, sealer(settings).unseal(row.token) if row is not None else ""

    org_name, token = run(go)
    if not token:
        typer.echo(_("{org} has no Telegram bot of its own.").format(org=org_name))
        return
    try:
        asyncio.run(_call(settings, token, "deleteWebhook", {}))
    except UserError:
        pass  # a revoked token sends nothing here any more
    typer.echo(_("{org} now uses the deployment's Telegram bot.").format(org=org_name))
