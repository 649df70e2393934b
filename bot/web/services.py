"""What the web app's routes share: one typed record on ``app.state``, filled by the lifespan."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from starlette.requests import Request

from base.settings import Settings
from storage.db import Database

if TYPE_CHECKING:
    from bot.adapters.line_channels import LineChannels
    from bot.adapters.simulator import Simulator
    from bot.adapters.telegram import TelegramAdapter
    from bot.adapters.telegram_bots import TelegramBots
    from scheduler.service import SchedulerService


@dataclass
class Services:
    settings: Settings
    db: Database
    telegram: TelegramAdapter | None = None  # the deployment's bot
    telegram_bots: TelegramBots | None = None  # it and the organisations' own
    line: LineChannels | None = None
    scheduler: SchedulerService | None = None
    simulator: Simulator | None = None


def services(request: Request) -> Services:
    return request.app.state.services


async def read_limited(request: Request, limit: int) -> bytes | None:
    """The body, or None as soon as it is known to be larger than ``limit`` (by its Content-Length, or while
    it streams in): a 200 MB POST costs nothing."""
    try:
        if int(request.headers.get("content-length") or 0) > limit:
            return None
    except ValueError:
        return None
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)
