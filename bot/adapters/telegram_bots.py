"""Every Telegram bot of a deployment: the settings' own, and the organisations' own (storage/telegram_bots.py).

A provincial office may serve hundreds of organisations from one deployment, each with its own bot (its own
name in the chat list, and its own 30 messages a second). Each bot gets its own adapter — its token sends, its
secret checks its webhooks, its updates are its organisation's alone — all of them on one pool of connections
to Telegram; the bots are read as bot/adapters/own_channels.py reads them."""

from __future__ import annotations

import time
from collections.abc import Callable

from base.settings import Settings
from bot.adapters.http import SharedSession
from bot.adapters.own_channels import OwnChannels
from bot.adapters.telegram import TIMEOUT, TelegramAdapter
from storage.db import Database
from storage.models import TelegramBot
from storage.sealed import sealer
from storage.telegram_bots import all_bots


class TelegramBots(OwnChannels[TelegramBot, TelegramAdapter]):
    def __init__(
        self,
        settings: Settings,
        db: Database,
        default: TelegramAdapter | None = None,
        clock: Callable[[], float] = time.monotonic,
    ):
        super().__init__(db, all_bots, lambda row: row.bot_id, clock)
        self.settings, self.default = settings, default
        self.http = SharedSession(TIMEOUT)

    def make(self, row: TelegramBot, previous: TelegramAdapter | None) -> TelegramAdapter:
        """The same adapter while the token, the secret and the organisation are."""
        seal = sealer(self.settings)
        settings = self.settings.model_copy(
            update={
                "telegram_bot_token": seal.unseal(row.token),
                "telegram_bot_username": row.username,
                "telegram_webhook_secret": seal.unseal(row.webhook_secret),
            }
        )
        if previous is not None and previous.org_id == row.org_id and previous.settings == settings:
            return previous
        return TelegramAdapter(settings, self.db, webhook=True, org_id=row.org_id, http=self.http)

    async def with_id(self, bot_id: str, *, recheck: bool = False) -> TelegramAdapter | None:
        """The adapter of the organisation's bot with this id; None when there is none (``recheck``: a secret did
        not match)."""
        return await self.keyed(bot_id, recheck=recheck)

    async def of_org(self, org_id: int) -> TelegramAdapter | None:
        """The bot the organisation's people are on: its own, else the deployment's."""
        return await self.own(org_id) or self.default

    async def close(self) -> None:
        for adapter in self.retire() + self.held():
            await adapter.close()
        await self.http.close()  # the deployment's bot is its owner's to close
