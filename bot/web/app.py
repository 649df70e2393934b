"""The ASGI web app: platform webhooks, the answer form, the public pages, one-time downloads, health and
metrics (and, with no platform token, the simulator). Served by uvicorn (`tidtam run`)."""

from __future__ import annotations

import contextlib
import hmac
import json
import logging
import re
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

from linebot.v3.exceptions import InvalidSignatureError
from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, PlainTextResponse, Response
from starlette.routing import Route
from telegram import Update

from base.settings import Settings
from bot.web.form import routes as form_routes
from bot.web.oversee import routes as oversee_routes
from bot.web.public import routes as public_routes
from bot.web.services import Services, read_limited
from bot.web.services import services as services_of
from locales.thai import clip
from storage.db import Database
from storage.line_channels import NAME as CHANNEL_NAME

if TYPE_CHECKING:
    from bot.adapters.telegram import TelegramAdapter

log = logging.getLogger(__name__)
MAX_BODY = 1024 * 1024
BOT_ID = re.compile(r"[0-9]{1,20}")


def create_app(settings: Settings, db: Database | None = None, *, simulator: bool = False) -> Starlette:
    """The web app; ``simulator``: also the local web chat simulator (no platform token needed)."""
    services = Services(
        settings, db or Database(settings.effective_database_url, new_installation=settings.new_installation)
    )
    routes = [
        Route("/healthz", healthz),
        Route("/readyz", readyz),
        Route("/metrics", metrics),
        Route("/telegram/webhook", telegram_webhook, methods=["POST"]),
        Route("/telegram/webhook/{bot_id}", telegram_webhook, methods=["POST"]),
        Route("/line/webhook", line_webhook, methods=["POST"]),
        Route("/line/webhook/{name}", line_webhook, methods=["POST"]),
        Route("/files/{token}", download),
        *form_routes(),
        *oversee_routes(),
        *public_routes(),
    ]
    middleware = []
    if simulator:
        from bot.adapters.simulator import SimulatedClock, Simulator, refuse_unsafe_settings
        from bot.adapters.simulator import routes as simulator_routes

        refuse_unsafe_settings(settings)
        services.simulator = Simulator(settings, services.db)
        routes += simulator_routes(settings)
        middleware.append(Middleware(SimulatedClock, sim=services.simulator))
    app = Starlette(routes=routes, lifespan=lifespan, middleware=middleware)
    app.state.services = services
    return app


@contextlib.asynccontextmanager
async def lifespan(app: Starlette) -> AsyncIterator[None]:
    services: Services = app.state.services
    await services.db.upgrade()
    try:
        if services.simulator is not None:
            from bot.adapters.simulator import prepare

            await prepare(services.db)
        await start_channels(services)
        if services.settings.run_scheduler and services.simulator is None:  # the simulator sends on its own clock
            await start_scheduler(services)
        yield
    finally:
        await stop(services)


async def start_channels(services: Services) -> None:
    settings, db = services.settings, services.db
    if settings.telegram_bot_token:
        from bot.adapters.telegram import TelegramAdapter

        polling = not settings.telegram_webhook_url  # LINE needs this web app; Telegram may still poll
        services.telegram = adapter = TelegramAdapter(settings, db, webhook=not polling)
        await adapter.app.initialize()
        if polling:
            await adapter.app.start()
            assert adapter.app.updater is not None
            await adapter.app.updater.start_polling(
                allowed_updates=Update.ALL_TYPES, poll_interval=settings.telegram_poll_interval
            )
        else:
            await adapter.app.bot.set_webhook(
                settings.telegram_webhook_url,
                secret_token=settings.telegram_webhook_secret or None,
                allowed_updates=Update.ALL_TYPES,
            )
    from bot.adapters.telegram_bots import TelegramBots

    services.telegram_bots = TelegramBots(settings, db, services.telegram)  # the settings' bot and the own ones
    from bot.adapters.line_channels import LineChannels
    from storage.line_channels import seal_what_is_clear
    from storage.sealed import sealer

    async with db.session() as s:  # channels stored in the clear by an earlier version: sealed now
        await seal_what_is_clear(s, sealer(settings))
    services.line = LineChannels(settings, db)  # the settings' channel, if any, and the organisations' own


async def start_scheduler(services: Services) -> None:
    from scheduler.service import SchedulerService

    senders: dict = {}
    if services.telegram_bots is not None:
        from bot.adapters.telegram import TelegramSender

        senders["telegram"] = TelegramSender(services.telegram_bots)
    if services.line is not None:
        from bot.adapters.line_channels import LineSender

        senders["line"] = LineSender(services.line)
    services.scheduler = SchedulerService(
        services.db, services.settings, senders, quota_check=services.line.check_quotas if services.line else None
    )
    await services.scheduler.start()


async def stop(services: Services) -> None:
    """Undo whatever was started, in reverse order; a half-started app stops too."""
    if services.scheduler is not None:
        await services.scheduler.stop()
    if services.telegram is not None:
        app = services.telegram.app
        if app.updater is not None and app.updater.running:
            await app.updater.stop()
        if app.running:
            await app.stop()
        await services.telegram.close()
    if services.telegram_bots is not None:
        await services.telegram_bots.close()
    if services.line is not None:
        await services.line.close()
    await services.db.dispose()


async def healthz(_request: Request) -> Response:
    return JSONResponse({"status": "ok"})


async def readyz(request: Request) -> Response:
    """Ready when a write to the database commits — to the file that was opened — and its schema is the
    code's."""
    from alembic.script import ScriptDirectory

    from storage.db import alembic_config

    db = services_of(request).db
    try:
        current = await db.current_revision()
        await db.check_writable()
    except Exception as e:
        log.error("not ready: %s: %s", type(e).__name__, e)
        return JSONResponse({"status": "database unavailable", "error": type(e).__name__}, status_code=503)
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if current != head:
        return JSONResponse({"status": "schema not migrated", "current": current, "head": head}, status_code=503)
    from storage.evidence import free_mb

    settings, free = services_of(request).settings, free_mb(services_of(request).settings)
    if free < 2 * settings.disk_floor_mb:  # still ready (answers are small): uploads stop at the floor
        return JSONResponse({"status": "ready", "warning": "disk low", "disk_free_mb": free})
    return JSONResponse({"status": "ready", "disk_free_mb": free})


async def metrics(request: Request) -> Response:
    from base.observe import OUTBOX_DEPTH, metrics_payload
    from storage.outbox import depth

    async with services_of(request).db.session(commit=False) as s:
        OUTBOX_DEPTH.set(await depth(s))
    body, content_type = metrics_payload()
    return Response(body, media_type=content_type)


async def telegram_webhook(request: Request) -> Response:
    """/telegram/webhook: the deployment's bot (TELEGRAM_WEBHOOK_SECRET); /telegram/webhook/<bot id>: an
    organisation's own, checked with its own secret."""
    services = services_of(request)
    bot_id = request.path_params.get("bot_id", "")
    if bot_id and (services.telegram_bots is None or not BOT_ID.fullmatch(bot_id)):  # junk: no database read
        return JSONResponse({"error": "telegram is not configured"}, status_code=404)
    adapter = await services.telegram_bots.with_id(bot_id) if services.telegram_bots and bot_id else services.telegram
    if adapter is None:
        return JSONResponse({"error": "telegram is not configured"}, status_code=404)
    given = request.headers.get("x-telegram-bot-api-secret-token", "")
    if not _secret_matches(adapter, given) and bot_id and given and services.telegram_bots is not None:
        adapter = await services.telegram_bots.with_id(bot_id, recheck=True) or adapter  # set again a moment ago
    if not _secret_matches(adapter, given):
        return JSONResponse({"error": "forbidden"}, status_code=403)
    body = await read_limited(request, MAX_BODY)
    if body is None:
        return JSONResponse({"error": "too large"}, status_code=413)
    try:
        data = json.loads(body)
        if not isinstance(data, dict):
            raise ValueError("not an update")
        arrived = adapter.parse(data)
    except Exception:  # malformed, or nested past the parser's depth: Telegram's own are never like this
        return JSONResponse({"error": "not an update"}, status_code=400)
    try:
        response = await adapter.process(arrived)
    except Exception as e:  # 5xx: Telegram redelivers, and the event was not marked processed
        log.error("telegram update %s failed: %s", arrived.update_id, type(e).__name__, exc_info=e)
        return JSONResponse({"error": "try again"}, status_code=500)
    # the answer is committed: Telegram gets its 200 now, the person's reply goes out right after. A button
    # press is answered in the 200 itself (the Bot API runs a method given in a webhook's reply): one call less
    reply: dict = {"ok": True}
    if arrived.callback_id:
        reply = {"method": "answerCallbackQuery", "callback_query_id": arrived.callback_id}
        if response.notice:
            reply["text"] = clip(response.notice, 190)
    return JSONResponse(
        reply, background=BackgroundTask(adapter.render_quietly, arrived, response, bool(arrived.callback_id))
    )


def _secret_matches(adapter: TelegramAdapter, given: str) -> bool:
    secret = adapter.settings.telegram_webhook_secret
    return bool(secret) and hmac.compare_digest(given.encode(), secret.encode())


async def line_webhook(request: Request) -> Response:
    """/line/webhook: the deployment's channel (LINE_CHANNEL_SECRET); /line/webhook/<name>: an organisation's
    own, checked with its own secret."""
    channels = services_of(request).line
    name = request.path_params.get("name", "")
    if channels is None or (name and not CHANNEL_NAME.fullmatch(name)):  # junk: no database read
        return JSONResponse({"error": "LINE is not configured"}, status_code=404)
    adapter = await channels.named(name) if name else channels.default
    if adapter is None:
        return JSONResponse({"error": "LINE is not configured"}, status_code=404)
    body = await read_limited(
        request, MAX_BODY
    )  # the signature covers the body, so it is read — but never past the limit
    if body is None:
        return JSONResponse({"error": "too large"}, status_code=413)
    text, signature = body.decode("utf-8", errors="replace"), request.headers.get("x-line-signature", "")
    try:
        try:
            events = adapter.parse(text, signature)
        except InvalidSignatureError:
            fresh = await channels.named(name, recheck=True) if name and signature else None
            if fresh is None or fresh is adapter:  # not a secret changed in the last minute
                raise
            adapter = fresh
            events = adapter.parse(text, signature)
    except InvalidSignatureError:
        return JSONResponse({"error": "bad signature"}, status_code=400)
    except Exception:  # signed, but not LINE's shape (an array, null, nesting past the parser's depth)
        return JSONResponse({"error": "not a LINE webhook"}, status_code=400)

    # each event is handled — its answer committed — before LINE gets its 200: an event acknowledged is
    # never lost. If one fails, LINE gets a 500 and redelivers (the events already done are recognised by
    # their webhook event id). Only the replies go out after the response.
    replies = []
    for ev in events:
        try:
            replies.append(await adapter.record(ev))
        except Exception as e:
            log.error("LINE event not recorded: %s", type(e).__name__, exc_info=e)
            return JSONResponse({"error": "try again"}, status_code=500)
    return JSONResponse({"ok": True}, background=BackgroundTask(reply_all, replies))


async def reply_all(replies: list) -> None:
    for reply in replies:
        if reply is not None:
            try:
                await reply()
            except Exception as e:
                log.error("LINE reply failed: %s", type(e).__name__, exc_info=e)


async def download(request: Request) -> Response:
    """A one-time link is spent only by a whole GET: a HEAD or a Range request (link previews, download
    managers probing) is answered without using it up."""
    from storage.files import redeem

    services = services_of(request)
    full_get = request.method == "GET" and "range" not in request.headers
    async with services.db.session() as s:
        found = await redeem(s, services.settings, request.path_params["token"], spend=full_get)
    if found is None:
        return PlainTextResponse("ลิงก์นี้หมดอายุหรือถูกใช้แล้ว / This link has expired or was used.", status_code=404)
    path, filename = found
    if request.method == "HEAD":
        return FileResponse(path, filename=filename)  # headers only
    if not full_get:
        return PlainTextResponse(
            "ดาวน์โหลดได้ทั้งไฟล์เท่านั้น / Only the whole file can be downloaded.",
            status_code=416,
            headers={"Accept-Ranges": "none"},
        )
    return FileResponse(path, filename=filename, headers={"Accept-Ranges": "none", "Cache-Control": "no-store"})


def app_from_env() -> Starlette:
    """The factory uvicorn's worker processes call (``WEB_WORKERS`` > 1): settings from the environment."""
    from base.observe import configure_logging

    settings = Settings()
    configure_logging(settings)
    return create_app(settings)
