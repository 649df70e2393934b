"""``tidtam run`` (the web app, with Telegram by polling or webhook), ``tidtam invite``, ``tidtam scheduler`` and
``tidtam ready``."""

from __future__ import annotations

import asyncio
import json

import typer

from bot.cli.common import org_session, run, state
from locales.errors import UserError
from locales.i18n import N_, _
from storage.db import Database
from storage.models import Role
from storage.people import People


def register(app: typer.Typer) -> None:
    app.command("run", help=N_("Run the bot: Telegram long polling, or the web app with the webhook."))(run_bot)
    app.command("invite", help=N_("Make an invite code (and a Telegram link) for a unit and role."))(invite)
    app.command("scheduler", help=N_("Run only the scheduler: the minute tick and the outbox dispatcher."))(scheduler)
    app.command("ready", help=N_("Ask the running web app's /readyz; exit 1 when it is not ready (for a timer)."))(
        ready
    )


def run_bot(
    poll_interval: float = typer.Option(0.0, "--poll-interval", help=N_("seconds between polls")),
    no_scheduler: bool = typer.Option(False, "--no-scheduler", help=N_("web/bot only (extra workers)")),
    simulator: bool = typer.Option(
        False, "--simulator", help=N_("the local web simulator with demo data (no platform)")
    ),
) -> None:
    settings = state().settings
    refuse_wrong_settings(settings)
    if no_scheduler:
        settings = settings.model_copy(update={"run_scheduler": False})
    if simulator:
        _run_simulator(settings)
        return
    if settings.line_channel_secret and not settings.line_channel_access_token:
        raise UserError(_("LINE needs LINE_CHANNEL_ACCESS_TOKEN as well as LINE_CHANNEL_SECRET"))
    polling = bool(settings.telegram_bot_token) and not settings.telegram_webhook_url
    if polling and settings.web_workers > 1:  # each worker would poll: Telegram allows one getUpdates at a time
        raise UserError(_("Telegram long polling runs in one process: set TELEGRAM_WEBHOOK_URL to use WEB_WORKERS > 1"))
    db = Database(settings.effective_database_url, new_installation=settings.new_installation)
    platform = settings.telegram_bot_token or settings.line_channel_secret
    if not platform and not asyncio.run(_own_line_channels(db)):
        raise UserError(
            _(
                "No platform is set up: set TELEGRAM_BOT_TOKEN (Telegram) or LINE_CHANNEL_SECRET and "
                "LINE_CHANNEL_ACCESS_TOKEN (LINE), or give an organisation its own LINE channel with "
                "`tidtam line channel set`. To try Tidtam with demo data instead: tidtam run --simulator"
            )
        )
    if settings.telegram_bot_token:
        from bot.adapters.telegram import check_token

        asyncio.run(check_token(settings))
    if settings.telegram_webhook_url and not settings.telegram_webhook_secret:
        raise UserError(_("A webhook needs TELEGRAM_WEBHOOK_SECRET, a random secret Telegram sends back"))
    if polling:  # the web app runs all the same: the form, the public pages, LINE's webhooks, /readyz
        typer.echo(_("Tidtam is listening on Telegram (long polling). Stop with Ctrl-C."))
        settings = settings.model_copy(update={"telegram_poll_interval": poll_interval})
    _serve(settings)


async def _own_line_channels(db: Database) -> int:
    """Migrate, then count the organisations' own LINE channels: with them, a deployment needs no other platform."""
    import logging

    from storage.line_channels import all_channels

    logging.getLogger("alembic").setLevel(logging.WARNING)  # before a refusal, one Thai line and nothing else
    try:
        await db.upgrade()
        async with db.session(commit=False) as s:
            return len(await all_channels(s))
    finally:
        await db.dispose()


def ready() -> None:
    import httpx

    settings = state().settings
    host = "127.0.0.1" if settings.web_host in ("0.0.0.0", "::", "") else settings.web_host
    try:
        r = httpx.get(f"http://{host}:{settings.web_port}/readyz", timeout=10)
        answer = r.json() if r.headers.get("content-type", "").startswith("application/json") else {}
    except httpx.HTTPError as e:
        raise UserError(
            _("The web app does not answer on port {port}: {error}").format(
                port=settings.web_port, error=type(e).__name__
            )
        ) from None
    if r.status_code != 200:
        raise UserError(_("Not ready: {status}").format(status=answer.get("status", r.status_code)))
    typer.echo(_("Ready; {mb} MB of disk free.").format(mb=answer.get("disk_free_mb", "?")))


def refuse_wrong_settings(settings) -> None:
    problems = settings.problems()
    if problems:
        raise UserError("; ".join(problems))


def _run_simulator(settings) -> None:
    """Only on a database of its own: the simulator's clock runs the scheduler, which must never reach a
    real organisation or a real person."""
    import uvicorn

    from bot.adapters.simulator import refuse_real_organisations, refuse_unsafe_settings
    from bot.web.app import create_app
    from storage.demo import demo_settings

    refuse_unsafe_settings(settings)
    # a folder of its own inside DATA_DIR: the demo and the organisation set up with `tidtam init` never share a
    # database, whichever of the README's commands comes first
    settings = demo_settings(settings)
    db = Database(settings.effective_database_url, new_installation=settings.new_installation)
    asyncio.run(_checked(db, refuse_real_organisations))
    typer.echo(_("Tidtam runs its simulator with a demo organisation (demo data)."))
    typer.echo(
        _("Open http://{host}:{port}/ in a browser. Stop with Ctrl-C.").format(
            host=settings.web_host, port=settings.web_port
        )
    )
    uvicorn.run(
        create_app(settings, simulator=True),
        host=settings.web_host,
        port=settings.web_port,
        log_level="warning",
        log_config=None,
    )


async def _checked(db: Database, check) -> None:
    try:
        await db.upgrade()
        await check(db)
    finally:
        await db.dispose()


def _serve(settings) -> None:
    """The web app under uvicorn; ``WEB_WORKERS`` > 1 starts that many processes (each builds its own app)."""
    import os

    import uvicorn

    from bot.web.app import create_app

    if settings.web_workers == 1:
        uvicorn.run(
            create_app(settings), host=settings.web_host, port=settings.web_port, log_level="warning", log_config=None
        )  # uvicorn's lines go through our handler: redacted, JSON if asked
        return
    os.environ["RUN_SCHEDULER"] = "true" if settings.run_scheduler else "false"
    uvicorn.run(
        "bot.web.app:app_from_env",
        factory=True,
        workers=settings.web_workers,
        host=settings.web_host,
        port=settings.web_port,
        log_level="warning",
        log_config=None,
    )


def invite(
    unit: str | None = typer.Argument(None, help=N_("unit name (for head and member)")),
    role: str = typer.Option("member", "--role", help=N_("member | head | manager | admin | overseer")),
    uses: int = typer.Option(1, "--uses"),
    days: int = typer.Option(7, "--days"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    try:
        chosen = Role(role.lower())
    except ValueError:
        raise UserError(
            _('Unknown role "{role}"; use member, head, manager, admin or overseer').format(role=role)
        ) from None

    async def go(db: Database):
        from storage.telegram_bots import bot_of_org

        async with org_session(db) as (session, org):
            made = await People(session, org.id).create_invite(
                unit_name=unit if chosen in (Role.HEAD, Role.MEMBER) else None,
                role=chosen,
                uses=uses,
                days=days,
                actor="cli",
            )
            own = await bot_of_org(session, org.id)
            return made, own.username if own is not None else ""

    (created, unit_row), own_bot = run(go)
    link = f"https://t.me/{own_bot}?start={created.code}" if own_bot else _telegram_link(created.code)
    if as_json:
        typer.echo(
            json.dumps(
                {
                    "code": created.code,
                    "role": chosen.value,
                    "unit": unit_row.name if unit_row else None,
                    "uses": uses,
                    "expires_at": created.expires_at.isoformat(),
                    "telegram_link": link,
                },
                ensure_ascii=False,
            )
        )
        return
    from handlers.onboarding import role_label
    from locales.thai import format_datetime

    who = role_label(chosen) + (f" {unit_row.name}" if unit_row else "")
    typer.echo(
        _("Invite for: {who}; {uses} use(s); valid until {until}.").format(
            who=who, uses=uses, until=format_datetime(created.expires_at)
        )
    )
    typer.echo(_("On LINE a person types /start {code} in a private chat with the bot.").format(code=created.code))
    if link:
        typer.echo(link)
    else:
        typer.echo(
            _(
                "Set TELEGRAM_BOT_USERNAME (or TELEGRAM_BOT_TOKEN) to get a Telegram link; "
                "meanwhile a person types: /start {code}"
            ).format(code=created.code)
        )
    typer.echo(created.code)


def _telegram_link(code: str) -> str | None:
    settings = state().settings
    username = settings.telegram_bot_username
    if not username and settings.telegram_bot_token:
        from bot.adapters.telegram import build_application

        async def get_me() -> str:
            bot = build_application(settings).bot
            async with bot:
                return bot.username

        try:
            username = asyncio.run(get_me())
        except Exception:  # no network to Telegram: the code alone still works
            username = ""
    return f"https://t.me/{username}?start={code}" if username else None


def scheduler(no_tick: bool = typer.Option(False, "--no-tick", help=N_("only drain the outbox"))) -> None:
    """A process of its own for the tick and the dispatcher (exactly one is active; see the README)."""
    import signal

    from scheduler.outbox import Sender
    from scheduler.service import SchedulerService

    settings = state().settings
    refuse_wrong_settings(settings)

    async def main() -> None:
        db = Database(settings.effective_database_url, new_installation=settings.new_installation)
        await db.upgrade()
        from bot.adapters.telegram import TelegramAdapter, TelegramSender, check_token
        from bot.adapters.telegram_bots import TelegramBots

        senders: dict[str, Sender] = {}
        adapters = []
        if settings.telegram_bot_token:
            await check_token(settings)
            adapter = TelegramAdapter(settings, db, webhook=True)
            await adapter.app.initialize()
            adapters.append(adapter)
        bots = TelegramBots(settings, db, adapters[0] if adapters else None)  # the settings' bot and the own ones
        senders["telegram"] = TelegramSender(bots)
        from bot.adapters.line_channels import LineChannels, LineSender

        line = LineChannels(settings, db)  # the settings' channel, if any, and the organisations' own
        senders["line"] = LineSender(line)
        service = SchedulerService(
            db,
            settings,
            senders,
            tick_enabled=not no_tick,
            idle_sleep=0.2,
            quota_check=line.check_quotas,
        )
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        await service.start()
        typer.echo(_("Scheduler running (Ctrl-C to stop)."))
        await stop.wait()
        await service.stop()
        await bots.close()
        for a in adapters:
            await a.close()
        if line is not None:
            await line.close()
        await db.dispose()

    asyncio.run(main())
