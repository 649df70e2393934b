"""The ASGI web app: platform webhooks and health. Served by uvicorn (`tidtam run`)."""

from __future__ import annotations

import contextlib
import hmac
import json
import logging

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from telegram import Update

from bot.settings import Settings
from storage.db import Database

log = logging.getLogger(__name__)
MAX_BODY = 1024 * 1024


def create_app(settings: Settings, db: Database | None = None) -> Starlette:
    db = db or Database(settings.effective_database_url)
    state: dict = {}

    @contextlib.asynccontextmanager
    async def lifespan(_app):
        await db.upgrade()
        if settings.telegram_bot_token:
            from bot.telegram import TelegramAdapter

            adapter = TelegramAdapter(settings, db, webhook=True)
            await adapter.app.initialize()
            if settings.telegram_webhook_url:
                await adapter.app.bot.set_webhook(settings.telegram_webhook_url,
                                                  secret_token=settings.telegram_webhook_secret or None,
                                                  allowed_updates=Update.ALL_TYPES)
            state["telegram"] = adapter
        if settings.run_scheduler:
            from scheduler.service import SchedulerService

            senders = {}
            if "telegram" in state:
                from bot.telegram import TelegramSender

                senders["telegram"] = TelegramSender(state["telegram"])
            state["scheduler"] = SchedulerService(db, settings, senders)
            await state["scheduler"].start()
        try:
            yield
        finally:
            if "scheduler" in state:
                await state["scheduler"].stop()
            if "telegram" in state:
                await state["telegram"].app.shutdown()
            await db.dispose()

    async def healthz(_request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def telegram_webhook(request: Request) -> Response:
        adapter = state.get("telegram")
        if adapter is None:
            return JSONResponse({"error": "telegram is not configured"}, status_code=404)
        secret = settings.telegram_webhook_secret
        given = request.headers.get("x-telegram-bot-api-secret-token", "")
        if not secret or not hmac.compare_digest(given.encode(), secret.encode()):
            return JSONResponse({"error": "forbidden"}, status_code=403)
        body = await request.body()
        if len(body) > MAX_BODY:
            return JSONResponse({"error": "too large"}, status_code=413)
        try:
            update = Update.de_json(json.loads(body), adapter.app.bot)
        except (ValueError, TypeError, KeyError):
            return JSONResponse({"error": "not an update"}, status_code=400)
        try:
            await adapter.handle_update(update)
        except Exception as e:  # 5xx: Telegram redelivers, and the event was not marked processed
            log.error("telegram update %s failed: %s", update.update_id, type(e).__name__, exc_info=e)
            return JSONResponse({"error": "try again"}, status_code=500)
        return JSONResponse({"ok": True})

    return Starlette(routes=[Route("/healthz", healthz), Route("/telegram/webhook", telegram_webhook,
                                                              methods=["POST"])], lifespan=lifespan)
