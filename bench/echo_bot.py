"""The framework's floor for bench/inbound.py: a bare python-telegram-bot Application that only echoes,
behind the same kind of webhook (Starlette on uvicorn), sending its replies to the same fake Bot API.

    python bench/echo_bot.py PORT API_BASE_URL
"""

from __future__ import annotations

import contextlib
import json
import sys

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from telegram import Update
from telegram.ext import Application, ApplicationBuilder, ContextTypes, MessageHandler, filters

TOKEN = "123456:BENCH"


async def echo(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
    await update.message.reply_text(update.message.text)


def build(api: str) -> Starlette:
    application: Application = (
        ApplicationBuilder().token(TOKEN).base_url(f"{api}/bot").updater(None).concurrent_updates(True).build()
    )
    application.add_handler(MessageHandler(filters.TEXT, echo))

    async def webhook(request: Request) -> Response:
        await application.update_queue.put(Update.de_json(json.loads(await request.body()), application.bot))
        return Response()

    async def readyz(_request: Request) -> Response:
        return Response("ready")

    @contextlib.asynccontextmanager
    async def lifespan(_app):
        async with application:
            await application.start()
            yield
            await application.stop()

    return Starlette(
        routes=[Route("/telegram/webhook", webhook, methods=["POST"]), Route("/readyz", readyz)], lifespan=lifespan
    )


if __name__ == "__main__":
    uvicorn.run(build(sys.argv[2]), host="127.0.0.1", port=int(sys.argv[1]), log_level="warning")
